/**
 * `GET /modules/tenants/{tenantId}/events`: the tenant's module events, the audit trail the
 * database writes in the same transaction as every change of `tenant_modules`. Newest first in
 * pages (`?before=<id>`), or oldest first after a cursor for pollers (`?after=<id>`, through
 * `public.tenant_module_events_after`, which holds back events of transactions still in flight).
 * Members of the tenant read them (RLS); the `change` travels through untouched, numbers included.
 */
import { createRoute, z } from '@hono/zod-openapi';
import type { Database } from '../../../packages/database/src/types/database.ts';
import type { UserEnv } from '../_shared/auth.ts';
import { parseExactJson } from '../_shared/json.ts';
import { json, PARAMS, problems, validatedRoutes } from '../_shared/openapi.ts';
import { upstreamError } from '../_shared/postgrest-errors.ts';
import { EVENTS_PAGE, eventsQuery, tenantParams } from '../_shared/validation.ts';
import { methodNotAllowed } from './method-not-allowed.ts';
import { roleIn, tenantNotFound } from './refusals.ts';
import { eventsFeedSchema, eventsPageSchema, type tenantModuleEventSchema } from './schemas.ts';

/**
 * Columns of `tenant_module_events` the API returns (never the internal `transaction_id`); the
 * change as jsonb's own text, as for settings (see rows.ts).
 */
const EVENT =
  'id, tenant_id, module_id, event, version, actor, actor_role, occurred_at, change::text';

type EventRow = Database['public']['Tables']['tenant_module_events']['Row'];

/** An event as the API returns it. */
export type TenantModuleEvent = z.infer<typeof tenantModuleEventSchema>;

/** An event as selected with `EVENT`: the change still as text. */
type EventWithChangeText = Omit<EventRow, 'transaction_id' | 'change'> & { change: string | null };

/** The event for the response: its keys in one order however it was read, the change parsed. */
function toEvent(row: EventWithChangeText): TenantModuleEvent {
  return {
    id: row.id,
    tenant_id: row.tenant_id,
    module_id: row.module_id,
    event: row.event as TenantModuleEvent['event'],
    version: row.version,
    actor: row.actor,
    actor_role: row.actor_role,
    occurred_at: row.occurred_at,
    change: row.change === null ? null : parseExactJson(row.change) as TenantModuleEvent['change'],
  };
}

const listRoute = createRoute({
  method: 'get',
  path: '/{tenantId}/events',
  operationId: 'listEvents',
  summary: "The tenant's module events",
  description: 'Members. Newest first in pages (`before`), or, with `after`, oldest first after ' +
    'a cursor for pollers: events of transactions still in flight are held back, so a cursor ' +
    'never skips one.',
  request: { params: tenantParams, query: eventsQuery },
  responses: {
    200: json(
      z.union([eventsPageSchema, eventsFeedSchema]),
      'A page (`next_before`), or with `after` the events after it (`next_after`).',
    ),
    ...problems(...PARAMS, 'tenant_not_found'),
  },
});

export const tenantEvents = validatedRoutes<UserEnv>();

tenantEvents
  .openapi(listRoute, async (c) => {
    const { tenantId } = c.req.valid('param');
    const { module_id: moduleId, before, after, limit = EVENTS_PAGE.default } = c.req.valid(
      'query',
    );
    const { db, caller } = c.var;
    // Polling forward: one call; an empty answer is either nothing new or a tenant the caller
    // cannot see, told apart only then.
    if (after !== undefined) {
      const { data, error, status } = await db.rpc('tenant_module_events_after', {
        tenant_id: tenantId,
        after,
        max_events: limit,
        module_id: moduleId,
      }).select(EVENT);
      if (error) throw upstreamError(status, error);
      if (!data.length) await roleIn(db, caller, tenantId);
      const events = data.map(toEvent);
      return c.json({ events, next_after: events.at(-1)?.id ?? after }, 200);
    }
    // Paging back: one request, the tenant with one more event than the page embedded (so a
    // tenant the caller cannot see is a 404, and a short page says it was the last).
    let query = db.from('tenants').select(`id, tenant_module_events(${EVENT})`).eq('id', tenantId)
      .order('id', { referencedTable: 'tenant_module_events', ascending: false })
      .limit(limit + 1, { referencedTable: 'tenant_module_events' });
    if (before !== undefined) query = query.lt('tenant_module_events.id', before);
    if (moduleId !== undefined) query = query.eq('tenant_module_events.module_id', moduleId);
    const { data, error, status } = await query.maybeSingle();
    if (error) throw upstreamError(status, error);
    if (!data) throw tenantNotFound();
    const rows = data.tenant_module_events;
    const events = rows.slice(0, limit).map(toEvent);
    const next_before = rows.length > limit ? events[limit - 1].id : null;
    return c.json({ events, next_before }, 200);
  });
tenantEvents.all('/:tenantId/events', methodNotAllowed('GET'));

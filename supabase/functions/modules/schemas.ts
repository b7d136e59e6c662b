/**
 * What the routes return, as the zod schemas the OpenAPI document is generated from. Nothing
 * validates responses at run time; the contract tests check every response of the HTTP suite
 * against the document instead.
 */
import { z } from '@hono/zod-openapi';

const uuid = z.string().openapi({ format: 'uuid' });
const timestamp = z.string().openapi({ format: 'date-time' });
const version = z.string().openapi({
  description: 'A semantic version.',
  example: '1.2.0',
});

/** A module installed by a tenant. */
export const tenantModuleSchema = z.object({
  tenant_id: uuid,
  module_id: z.string().openapi({ example: 'agency' }),
  version: version.openapi({ description: 'The version the tenant runs.' }),
  enabled: z.boolean(),
  settings: z.record(z.string(), z.unknown()).openapi({
    description: "The tenant's settings, valid for the module's settings schema at that version; " +
      'numbers exactly as stored.',
  }),
  installed_at: timestamp,
  updated_at: timestamp,
}).openapi('TenantModule');

/** A module of the catalog, at its current version. */
export const catalogModuleSchema = z.object({
  id: z.string().openapi({ example: 'agency' }),
  name: z.string(),
  description: z.string().nullable(),
  version: version.openapi({
    description: 'The current version; installs take this one.',
  }),
  is_active: z.boolean(),
  settings_schema: z.union([z.record(z.string(), z.unknown()), z.literal(true)]).nullable()
    .openapi({
      description: 'The JSON Schema (draft 2020-12) of the settings; `true` or null when any ' +
        'object goes.',
    }),
  requires: z.record(z.string(), z.string()).openapi({
    description: 'The modules this version requires, each with a semver range.',
    example: { crm: '^2.0.0' },
  }),
}).openapi('CatalogModule');

/** One entry of a tenant's audit trail of its modules. */
export const tenantModuleEventSchema = z.object({
  id: z.number().int().openapi({
    description: 'Unique; the cursor of `before` and `after` (pages are in id order, the ' +
      '`after` feed in commit order).',
  }),
  tenant_id: uuid,
  module_id: z.string(),
  event: z.enum([
    'installed',
    'enabled',
    'disabled',
    'settings_changed',
    'upgraded',
    'uninstalled',
  ]),
  version: z.string().nullable(),
  actor: uuid.nullable().openapi({
    description: 'The signed-in user, when there was one.',
  }),
  actor_role: z.string().openapi({
    description: 'The database role of the change.',
  }),
  occurred_at: timestamp,
  change: z.record(z.string(), z.unknown()).nullable().openapi({
    description: 'An RFC 7396 merge patch of the row, or `{before, after}`; null for none.',
  }),
}).openapi('TenantModuleEvent');

/** A page of events, newest first. */
export const eventsPageSchema = z.object({
  events: z.array(tenantModuleEventSchema),
  next_before: z.number().int().nullable().openapi({
    description: 'Pass as `before` for the next (older) page; null on the last page.',
  }),
}).openapi('EventsPage');

/** Events after a cursor, oldest first, for pollers. */
export const eventsFeedSchema = z.object({
  events: z.array(tenantModuleEventSchema),
  next_after: z.number().int().openapi({
    description: 'Pass as `after` on the next poll.',
  }),
}).openapi('EventsFeed');

/** What uninstalling a module would affect. */
export const uninstallPreviewSchema = z.object({
  module_id: z.string(),
  version: z.string(),
  dependents: z.array(z.object({ module_id: z.string(), version: z.string() }))
    .openapi({
      description: 'Enabled modules that require it: they block a plain uninstall; cascade takes ' +
        'them along.',
    }),
  tables: z.array(z.object({
    module_id: z.string(),
    table: z.string(),
    rows: z.number().int(),
  })).openapi({
    description: "Per owned table, the tenant's rows a purge deletes.",
  }),
}).openapi('UninstallPreview');

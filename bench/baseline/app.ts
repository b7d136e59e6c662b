/**
 * The settings merge as the `modules` function did it before the database merged settings
 * itself: read the row, merge in TypeScript (RFC 7396), then update only if `updated_at` is still
 * the value read, retrying after a jittered pause when another writer got there first. Kept only
 * as the benchmark's baseline, served like a function at `/functions/v1/modules-optimistic`; the
 * database checks the settings schema either way.
 */
import { Hono } from 'hono';
import { requireUser, type UserEnv } from '../../supabase/functions/_shared/auth.ts';
import { isJsonObject, type JsonObject } from '../../supabase/functions/_shared/json.ts';
import { upstreamError } from '../../supabase/functions/_shared/postgrest-errors.ts';
import { ApiError, problemResponse, toApiError } from '../../supabase/functions/_shared/problem.ts';
import { mergePatch } from './merge-patch.ts';

const ROW = 'tenant_id, module_id, enabled, settings, installed_at, updated_at';

/** How long a merge kept retrying before it gave up with 409. */
const MERGE_BUDGET_MS = 15_000;

/** Pause before attempt `n` (n ≥ 1): random, up to 5·2ⁿ ms capped at 250 ms. */
function backoff(attempt: number): Promise<void> {
  const ms = Math.random() * Math.min(250, 5 * 2 ** attempt);
  return new Promise((resolve) => setTimeout(resolve, ms));
}

export const app = new Hono<UserEnv>().basePath('/modules-optimistic');
app.use('*', requireUser);
app.patch('/tenants/:tenantId/:moduleId/settings', async (c) => {
  const { tenantId, moduleId } = c.req.param();
  const patch = await c.req.json();
  if (!isJsonObject(patch)) throw new ApiError('invalid_request', 'Send a JSON object.');
  const db = c.var.db;
  const deadline = Date.now() + MERGE_BUDGET_MS;
  for (let attempt = 0; attempt === 0 || Date.now() < deadline; attempt++) {
    if (attempt > 0) await backoff(attempt);
    const read = await db.from('tenant_modules').select(ROW)
      .eq('tenant_id', tenantId).eq('module_id', moduleId).maybeSingle();
    if (read.error) throw upstreamError(read.status, read.error);
    if (!read.data) throw new ApiError('module_not_installed', 'Not installed.');
    const merged = mergePatch(read.data.settings as JsonObject, patch);
    const write = await db.from('tenant_modules').update({ settings: merged as JsonObject })
      .eq('tenant_id', tenantId).eq('module_id', moduleId).eq('updated_at', read.data.updated_at)
      .select(ROW).maybeSingle();
    if (write.error) throw upstreamError(write.status, write.error);
    if (write.data) return c.json(write.data);
  }
  // Gave up: 409, which no code of today's API has (the database merge never gives up).
  const problem = new ApiError(
    'invalid_request',
    'The settings kept changing; nothing was changed.',
  );
  return c.json({ ...problem.toProblem(), status: 409 }, 409);
});
app.onError((err) => problemResponse(toApiError(err)));

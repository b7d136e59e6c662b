/**
 * The settings merge (RFC 7396): one call to `public.merge_tenant_module_settings`, which merges
 * the patch into the row in one statement under the row lock, as the caller (RLS decides), and
 * has the database validate the result against the module's settings schema. Concurrent merges
 * of one row queue behind each other; none is lost, none is retried.
 */
import type { Caller } from '../_shared/auth.ts';
import type { JsonObject } from '../_shared/json.ts';
import type { UserClient } from '../_shared/supabase-user-client.ts';
import { writtenRow } from './refusals.ts';
import { ROW, type TenantModule, toRow } from './rows.ts';

/**
 * Merges `patch` into the installed module's settings and returns the updated row. A refusal
 * for the caller (404 tenant, 403 not an admin) takes precedence over one for the settings
 * (413, 422), so a member learns nothing from trying.
 */
export async function mergeSettings(
  db: UserClient,
  caller: Caller,
  tenantId: string,
  moduleId: string,
  patch: JsonObject,
): Promise<TenantModule> {
  const merged = await db.rpc('merge_tenant_module_settings', {
    tenant_id: tenantId,
    module_id: moduleId,
    patch,
  }).select(ROW);
  return toRow(await writtenRow(db, caller, tenantId, moduleId, merged));
}

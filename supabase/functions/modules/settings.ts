/**
 * The settings merge (RFC 7396) without lost updates: read the row, merge and validate in
 * TypeScript, then write only if the row is still the version that was read. `updated_at`
 * strictly increases on every update (a trigger guarantees it), so it serves as the version; a
 * write that matches no row means another writer got there first, and the merge starts over
 * from a fresh read after a short jittered pause.
 */
import type { Caller } from '../_shared/auth.ts';
import { jsonBytes, type JsonObject } from '../_shared/json.ts';
import { mergePatch } from '../_shared/merge-patch.ts';
import { parseSettings } from '../_shared/modules/mod.ts';
import { upstreamError } from '../_shared/postgrest-errors.ts';
import { ApiError } from '../_shared/problem.ts';
import type { UserClient } from '../_shared/supabase-user-client.ts';
import { MAX_BODY_BYTES } from '../_shared/validation.ts';
import { explainRefusedWrite, notInstalled, requireAdmin, roleIn } from './refusals.ts';
import { ROW, type TenantModule } from './rows.ts';

/**
 * How long a merge keeps retrying before giving up with 409 `concurrent_update`: a time budget
 * rather than a count of attempts, so a client that keeps losing the race on a busy row is not
 * refused while it would have won a moment later (the edge runtime allows far longer requests).
 */
export const MERGE_BUDGET_MS = 15_000;

/** Pause before attempt `n` (n ≥ 1): random, up to 5·2ⁿ ms capped at 250 ms. */
function backoff(attempt: number): Promise<void> {
  const ms = Math.random() * Math.min(250, 5 * 2 ** attempt);
  return new Promise((resolve) => setTimeout(resolve, ms));
}

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
  let adminChecked = false;
  const deadline = Date.now() + MERGE_BUDGET_MS;
  for (let attempt = 0; attempt === 0 || Date.now() < deadline; attempt++) {
    if (attempt > 0) await backoff(attempt);
    const read = await db.from('tenant_modules').select(ROW)
      .eq('tenant_id', tenantId).eq('module_id', moduleId).maybeSingle();
    if (read.error) throw upstreamError(read.status, read.error);
    if (!read.data) {
      await roleIn(db, caller, tenantId);
      throw notInstalled(moduleId);
    }

    const merged = mergePatch(read.data.settings as JsonObject, patch) as JsonObject;
    if (jsonBytes(merged) > MAX_BODY_BYTES) {
      if (!adminChecked) await requireAdmin(db, caller, tenantId);
      throw new ApiError(
        413,
        'payload_too_large',
        `The merged settings would exceed ${MAX_BODY_BYTES} bytes (64 KiB).`,
      );
    }
    const parsed = parseSettings(moduleId, merged);
    if (!parsed.ok) {
      if (!adminChecked) await requireAdmin(db, caller, tenantId);
      throw new ApiError(
        422,
        'invalid_settings',
        `The merged settings do not fit the "${moduleId}" module's schema; nothing was changed.`,
        parsed.errors,
      );
    }

    const write = await db.from('tenant_modules').update({ settings: parsed.settings })
      .eq('tenant_id', tenantId).eq('module_id', moduleId).eq('updated_at', read.data.updated_at)
      .select(ROW).maybeSingle();
    if (write.error) {
      if (write.error.code === '42501') await explainRefusedWrite(db, caller, tenantId, moduleId);
      throw upstreamError(write.status, write.error);
    }
    if (write.data) return write.data;
    // No row written: RLS hides it from this caller's writes (a member), or another merge won.
    if (!adminChecked) {
      await requireAdmin(db, caller, tenantId);
      adminChecked = true;
    }
  }
  throw new ApiError(
    409,
    'concurrent_update',
    `The settings kept changing for ${
      MERGE_BUDGET_MS / 1000
    } s of attempts to merge; nothing was changed by this request. Retry.`,
  );
}

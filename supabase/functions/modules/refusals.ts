/**
 * Why a request that RLS refused or filtered out did not happen. The happy path never calls
 * these: each route makes its one write or read and only asks here when it got an error or
 * nothing back (`writtenRow`), so diagnosing costs round trips on the failure path only.
 */
import type { Caller } from '../_shared/auth.ts';
import { ruleVerdict, type UpstreamError, upstreamError } from '../_shared/postgrest-errors.ts';
import { ApiError } from '../_shared/problem.ts';
import type { UserClient } from '../_shared/supabase-user-client.ts';

export function tenantNotFound(): ApiError {
  return new ApiError('tenant_not_found', 'No such tenant, or you are not a member of it.');
}

export function notInstalled(moduleId: string): ApiError {
  return new ApiError('module_not_installed', `The tenant has not installed "${moduleId}".`);
}

function forbidden(): ApiError {
  return new ApiError('forbidden', "Only the tenant's owners and admins manage its modules.");
}

/** The caller's role in the tenant; 404 when the tenant is not visible to them. */
export async function roleIn(db: UserClient, caller: Caller, tenantId: string): Promise<string> {
  const { data, error, status } = await db.from('tenant_members').select('role')
    .eq('tenant_id', tenantId).eq('user_id', caller.userId).maybeSingle();
  if (error) throw upstreamError(status, error);
  if (!data) throw tenantNotFound();
  return data.role;
}

/** 404 unless the tenant is visible, 403 unless the caller owns or administers it. */
export async function requireAdmin(db: UserClient, caller: Caller, tenantId: string) {
  const role = await roleIn(db, caller, tenantId);
  if (role !== 'owner' && role !== 'admin') throw forbidden();
}

/**
 * 422 unless the module and every module it requires, directly or not, are in the catalog and
 * active (an install with dependencies writes those too). One read per level of requirements.
 */
async function requireActiveModules(db: UserClient, moduleId: string) {
  const neededBy = new Map<string, string | undefined>([[moduleId, undefined]]);
  let level = [moduleId];
  while (level.length) {
    const { data, error, status } = await db.from('modules').select('id, is_active, requires')
      .in('id', level);
    if (error) throw upstreamError(status, error);
    const next: string[] = [];
    for (const id of level) {
      const module = data.find((m) => m.id === id);
      const by = neededBy.get(id);
      const which = by === undefined ? `"${id}"` : `"${id}", which "${by}" requires,`;
      if (!module) {
        throw new ApiError('module_unavailable', `The module ${which} is not in the catalog.`);
      }
      if (!module.is_active) {
        throw new ApiError('module_unavailable', `The module ${which} is no longer active.`);
      }
      for (const required of Object.keys(module.requires ?? {})) {
        if (neededBy.has(required)) continue;
        neededBy.set(required, id);
        next.push(required);
      }
    }
    level = next;
  }
}

/**
 * After RLS refused a write (42501: an install, or an update whose new row fails the policy's
 * check) or a foreign key refused an install (23503, unknown module): 404 tenant, 403 not an
 * admin, 422 the module or one it requires unknown or inactive, else 403. Always throws.
 */
export async function explainRefusedWrite(
  db: UserClient,
  caller: Caller,
  tenantId: string,
  moduleId: string,
): Promise<never> {
  await requireAdmin(db, caller, tenantId);
  await requireActiveModules(db, moduleId);
  throw new ApiError('forbidden', 'Row Level Security refused the change.');
}

/**
 * After an update or delete matched no row: 404 tenant, 403 not an admin (RLS hides the row
 * from writes), else 404 not installed. Always throws.
 */
async function explainNoRow(
  db: UserClient,
  caller: Caller,
  tenantId: string,
  moduleId: string,
): Promise<never> {
  await requireAdmin(db, caller, tenantId);
  throw notInstalled(moduleId);
}

/**
 * After a write came back with an error, why, with the refusals about the caller first so that
 * a caller who may not write learns nothing about the data: 409 already installed (23505); for
 * the database's verdict on what was written (settings, dependencies, versions: see
 * `ruleVerdict`) 404 tenant, 403 not an admin, else that verdict; for RLS refusing the new row
 * (42501) or an unknown module (any other 23503) as `explainRefusedWrite`; else the upstream
 * error's own meaning. Always throws.
 */
async function explainFailedWrite(
  db: UserClient,
  caller: Caller,
  tenantId: string,
  moduleId: string,
  status: number,
  error: UpstreamError,
): Promise<never> {
  if (error.code === '23505') {
    throw new ApiError('already_installed', `The tenant already has "${moduleId}" installed.`);
  }
  const verdict = ruleVerdict(error);
  if (verdict) {
    await requireAdmin(db, caller, tenantId);
    throw verdict;
  }
  if (error.code === '42501' || error.code === '23503') {
    await explainRefusedWrite(db, caller, tenantId, moduleId);
  }
  throw upstreamError(status, error);
}

/** What a write returned, as supabase-js reports it: the rows it selected, or the error. */
export interface WriteResult<T> {
  data: T[] | null;
  error: UpstreamError | null;
  status: number;
}

/**
 * The module's own row among those a write returned (an install with dependencies or a cascade
 * returns more); when the write failed or matched no row, why (`explainFailedWrite`,
 * `explainNoRow`). Always returns the row or throws.
 */
export async function writtenRow<T extends { module_id: string }>(
  db: UserClient,
  caller: Caller,
  tenantId: string,
  moduleId: string,
  { data, error, status }: WriteResult<T>,
): Promise<T> {
  if (error) return await explainFailedWrite(db, caller, tenantId, moduleId, status, error);
  const row = data?.find((r) => r.module_id === moduleId);
  if (!row) return await explainNoRow(db, caller, tenantId, moduleId);
  return row;
}

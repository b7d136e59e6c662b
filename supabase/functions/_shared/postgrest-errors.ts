/**
 * The one place that turns what supabase-js reports from PostgREST/Postgres into API errors.
 * Routes first handle the codes whose meaning depends on the route (e.g. 42501 on install means
 * "diagnose why"), then hand the rest to `upstreamError`.
 */
import { ApiError, type Dependent, type FieldError, type MissingDependency } from './problem.ts';

/** The error half of a supabase-js result. */
export interface UpstreamError {
  code?: string;
  message?: string;
  details?: string | null;
  hint?: string | null;
}

/** Postgres codes meaning the database is down, restarting, or out of connections. */
const UNAVAILABLE_SQLSTATES = new Set([
  '08000',
  '08001',
  '08003',
  '08004',
  '08006',
  '53300',
  '57P01',
  '57P02',
  '57P03',
]);

/**
 * True when the failure is the upstream's, not the request's: no response at all (status 0,
 * a network error), a 5xx from the gateway or PostgREST, PostgREST's connection errors
 * (PGRST000–PGRST003), or Postgres going away.
 */
export function isUnavailable(status: number, error: UpstreamError): boolean {
  const code = error.code ?? '';
  return status === 0 || status >= 500 || /^PGRST00[0-3]$/.test(code) ||
    UNAVAILABLE_SQLSTATES.has(code);
}

/** 503: the database or the REST API cannot be reached, and nothing was written. */
export function unavailable(): ApiError {
  return new ApiError(
    'upstream_unavailable',
    'The database is unreachable right now; nothing was changed. Retry shortly.',
  );
}

type Item = Record<string, unknown>;

const isString = (value: unknown): value is string => typeof value === 'string';

/**
 * The items of a DETAIL that the database writes as a JSON array, each kept only when `pick`
 * recognises it; [] for a detail that is missing, not JSON or not an array.
 */
function detailItems<T>(error: UpstreamError, pick: (item: Item) => T | undefined): T[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(error.details ?? '');
  } catch {
    return [];
  }
  if (!Array.isArray(parsed)) return [];
  return parsed.flatMap((item) => {
    const picked = typeof item === 'object' && item !== null ? pick(item as Item) : undefined;
    return picked === undefined ? [] : [picked];
  });
}

const fieldError = (e: Item): FieldError | undefined =>
  isString(e.path) && isString(e.message) ? { path: e.path, message: e.message } : undefined;

const missingDependency = (e: Item): MissingDependency | undefined =>
  isString(e.module_id) && isString(e.range) &&
    (e.installed_version == null || isString(e.installed_version))
    ? { module_id: e.module_id, range: e.range, installed_version: e.installed_version ?? null }
    : undefined;

const dependent = (e: Item): Dependent | undefined =>
  isString(e.module_id) && isString(e.version) && isString(e.range)
    ? { module_id: e.module_id, version: e.version, range: e.range }
    : undefined;

/**
 * The database's refusals of a write that RLS let through, by SQLSTATE and message (PostgREST
 * passes on the message, the DETAIL and the HINT, not the constraint's name); each builds the
 * API's problem from the message's parts (`m`) and the DETAIL.
 */
const VERDICTS: {
  sqlstate: string;
  message: RegExp;
  problem: (m: RegExpExecArray, error: UpstreamError) => ApiError;
}[] = [
  {
    sqlstate: '23514',
    message: /tenant_modules_settings_size/,
    problem: () => new ApiError('payload_too_large', 'Settings may take at most 64 KiB.'),
  },
  {
    sqlstate: '23514',
    message: /^invalid settings for module "([^"]+)"$/,
    problem: ([, id], error) =>
      new ApiError(
        'invalid_settings',
        `The settings do not fit the "${id}" module's settings schema; nothing was changed.`,
        detailItems(error, fieldError),
      ),
  },
  {
    sqlstate: '23514',
    message:
      /^module "([^"]+)" cannot be upgraded to (\S+): the migrated settings do not fit its settings schema$/,
    problem: ([, id, target], error) =>
      new ApiError(
        'upgrade_blocked',
        `The settings of "${id}", migrated to ${target}, do not fit that version's settings ` +
          'schema; nothing was changed.',
        detailItems(error, fieldError),
      ),
  },
  {
    sqlstate: '23514',
    message: /^step (\d+) of the migration to (\S+) failed: /,
    problem: ([, step, target], error) =>
      new ApiError(
        'upgrade_blocked',
        `Step ${step} of the settings migration to ${target} failed on these settings; nothing ` +
          'was changed.',
        detailItems(error, fieldError),
      ),
  },
  {
    sqlstate: '23514',
    message: /^module "([^"]+)" cannot be downgraded from (\S+) to (\S+)$/,
    problem: ([, id, from, to]) =>
      new ApiError(
        'downgrade_not_supported',
        `"${id}" is installed at ${from} and cannot go back to ${to}: versions only move forward.`,
      ),
  },
  {
    sqlstate: '23503',
    message: /^module "([^"]+)" has no version (.+)$/,
    problem: ([, id, version]) =>
      new ApiError('unknown_version', `"${id}" has no published version ${version}.`),
  },
  {
    sqlstate: '23503',
    message:
      /^module "([^"]+)" (\S+) requires modules this tenant does not have enabled in range: (.+)$/,
    problem: ([, id, version, missing], error) =>
      new ApiError(
        'missing_dependencies',
        `"${id}" ${version} requires modules this tenant does not have enabled in range: ` +
          `${missing}. Install or enable them first; nothing was changed.`,
        undefined,
        undefined,
        { dependencies: detailItems(error, missingDependency) },
      ),
  },
  {
    sqlstate: '23503',
    message: /^module "([^"]+)" is required by enabled modules of this tenant: (.+)$/,
    problem: ([, id, dependents], error) =>
      new ApiError(
        'required_by',
        `"${id}" is required by enabled modules of this tenant: ${dependents}. Disable or ` +
          'uninstall them first, or together with it (cascade); nothing was changed.',
        undefined,
        undefined,
        { dependents: detailItems(error, dependent) },
      ),
  },
  {
    sqlstate: '23503',
    message: /^module "([^"]+)" cannot move to (\S+): (.+)$/,
    problem: ([, id, target, ranges], error) =>
      new ApiError(
        'upgrade_blocked',
        `"${id}" cannot move to ${target}: ${ranges}. Upgrade those modules first; nothing was ` +
          'changed.',
        undefined,
        undefined,
        { dependents: detailItems(error, dependent) },
      ),
  },
  {
    sqlstate: '42501',
    message: /^Row Level Security kept (\d+) of (\d+) rows of (.+) from being purged$/,
    problem: ([, kept, seen, table]) =>
      new ApiError(
        'purge_refused',
        `Row Level Security would keep ${kept} of the tenant's ${seen} rows of ${table} from ` +
          'being deleted, so nothing was purged or uninstalled. Uninstall without purge, or let ' +
          "the table's delete policy allow the tenant's owners and admins.",
      ),
  },
  {
    sqlstate: '22023',
    message: /^module "([^"]+)" cannot be purged while it is disabled$/,
    problem: ([, id]) =>
      new ApiError(
        'module_disabled',
        `"${id}" is disabled, which hides its rows from you, so a purge would delete none of them; ` +
          'enable it, then uninstall with purge. Nothing was changed.',
      ),
  },
];

/**
 * The database's verdict on a write that RLS let through, as the API's problem: settings that
 * break the installed version's schema or the 64 KiB cap (422, 413), a missing or standing
 * dependency (409), a blocked upgrade or a downgrade (409), an unknown version (422), a purge
 * that RLS would leave half done (403 `purge_refused`) or that the module's being disabled would
 * make empty (409 `module_disabled`). Undefined for any other error, which is then not a verdict
 * on the request's content.
 */
export function ruleVerdict(error: UpstreamError): ApiError | undefined {
  for (const verdict of VERDICTS) {
    if (verdict.sqlstate !== error.code) continue;
    const match = verdict.message.exec(error.message ?? '');
    if (match) return verdict.problem(match, error);
  }
  return undefined;
}

/** Maps an upstream error that the route had no more specific meaning for. */
export function upstreamError(status: number, error: UpstreamError): ApiError {
  const code = error.code ?? '';
  // The database's verdicts first, whatever status PostgREST gave them.
  const verdict = ruleVerdict(error);
  if (verdict) return verdict;
  if (isUnavailable(status, error)) return unavailable();
  switch (code) {
    case '42501':
      return new ApiError('forbidden', 'Row Level Security refused this change.');
    case '23505':
      return new ApiError('already_installed', 'The tenant already has this module.');
    case '23503':
      return new ApiError('module_unavailable', 'The module or tenant does not exist.');
    case '23514':
      return new ApiError('invalid_settings', 'The values break a database constraint.');
    case 'PGRST116':
      return new ApiError('not_found', 'No such row, or it is not visible to you.');
    case 'PGRST301':
    case 'PGRST302':
    case 'PGRST303':
      return new ApiError('unauthorized', 'The access token was refused by the REST API.');
  }
  // Class 22 (data exception) and 54 (limit exceeded): a value Postgres would not take.
  if (/^(22|54)/.test(code)) {
    return new ApiError('invalid_request', 'The database cannot store a value as sent.');
  }
  console.error('unexpected upstream error', status, error);
  return new ApiError('internal_error', 'Unexpected error; nothing was changed.');
}

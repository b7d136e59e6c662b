/**
 * The one place that turns what supabase-js reports from PostgREST/Postgres into API errors.
 * Routes first handle the codes whose meaning depends on the route (e.g. 42501 on install means
 * "diagnose why"), then hand the rest to `upstreamError`.
 */
import { ApiError, type FieldError } from './problem.ts';

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
    503,
    'upstream_unavailable',
    'The database is unreachable right now; nothing was changed. Retry shortly.',
    undefined,
    { 'retry-after': '1' },
  );
}

/** How the database names a settings write that breaks the module's settings schema. */
const INVALID_SETTINGS = /^invalid settings for module "([^"]+)"$/;

/**
 * The database's verdict on settings that break the module's schema (23514 from the
 * `tenant_modules_settings_schema` check, the failing paths as JSON in its detail) as a 422
 * listing each field; undefined for any other error.
 */
function invalidSettings(error: UpstreamError): ApiError | undefined {
  const moduleId = INVALID_SETTINGS.exec(error.message ?? '')?.[1];
  if (error.code !== '23514' || moduleId === undefined) return undefined;
  let errors: FieldError[] = [];
  try {
    const parsed = JSON.parse(error.details ?? '[]');
    if (Array.isArray(parsed)) {
      errors = parsed.filter((e) => typeof e?.path === 'string' && typeof e?.message === 'string')
        .map((e) => ({ path: e.path, message: e.message }));
    }
  } catch { /* a detail that is not JSON: report the refusal without fields */ }
  return new ApiError(
    422,
    'invalid_settings',
    `The settings do not fit the "${moduleId}" module's settings schema; nothing was changed.`,
    errors,
  );
}

/** Maps an upstream error that the route had no more specific meaning for. */
export function upstreamError(status: number, error: UpstreamError): ApiError {
  const code = error.code ?? '';
  if (isUnavailable(status, error)) return unavailable();
  switch (code) {
    case '42501':
      return new ApiError(403, 'forbidden', 'Row Level Security refused this change.');
    case '23505':
      return new ApiError(409, 'already_installed', 'The tenant already has this module.');
    case '23503':
      return new ApiError(422, 'module_unavailable', 'The module or tenant does not exist.');
    case '23514': {
      if (/settings_size/.test(error.message ?? '')) {
        return new ApiError(413, 'payload_too_large', 'Settings may take at most 64 KiB.');
      }
      const invalid = invalidSettings(error);
      if (invalid) return invalid;
      return new ApiError(422, 'invalid_settings', 'The values break a database constraint.');
    }
    case 'PGRST116':
      return new ApiError(404, 'not_found', 'No such row, or it is not visible to you.');
    case 'PGRST301':
    case 'PGRST302':
    case 'PGRST303':
      return new ApiError(401, 'unauthorized', 'The access token was refused by the REST API.');
  }
  // Class 22 (data exception) and 54 (limit exceeded): a value Postgres would not take.
  if (/^(22|54)/.test(code)) {
    return new ApiError(400, 'invalid_request', 'The database cannot store a value as sent.');
  }
  console.error('unexpected upstream error', status, error);
  return new ApiError(500, 'internal_error', 'Unexpected error; nothing was changed.');
}

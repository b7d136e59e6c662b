/**
 * One place that turns what supabase-js reports from PostgREST/Postgres into API errors.
 * Anything that means "the database or the REST API cannot be reached" becomes 503.
 */
import { ApiError } from './problem.ts';

/** The error half of a supabase-js result, plus the HTTP status it came with. */
export interface UpstreamError {
  code?: string;
  message?: string;
  details?: string | null;
  hint?: string | null;
}

/** True when the failure is the upstream's, not the request's. */
export function isUnavailable(status: number, error: UpstreamError): boolean {
  return status === 0 || status >= 500 || /^PGRST00\d$/.test(error.code ?? '') ||
    ['08000', '08003', '08006', '57P01', '57P02', '57P03', '53300'].includes(error.code ?? '');
}

export function unavailable(): ApiError {
  return new ApiError(
    503,
    'upstream_unavailable',
    'The database is unreachable right now; nothing was changed. Retry shortly.',
  );
}

/**
 * Maps an upstream error with no more specific meaning in its route. Routes handle the codes
 * that need context (42501, 23505, 23503) before falling back to this.
 */
export function upstreamError(status: number, error: UpstreamError): ApiError {
  if (isUnavailable(status, error)) return unavailable();
  switch (error.code) {
    case 'PGRST301':
    case 'PGRST302':
      return new ApiError(401, 'unauthorized', 'The access token was refused by the database API.');
    case '23514':
      if (/settings_size/.test(error.message ?? '')) {
        return new ApiError(413, 'payload_too_large', 'Settings may take at most 64 KiB.');
      }
      return new ApiError(422, 'invalid_settings', error.message ?? 'A constraint was violated.');
    case '22P02':
    case '22023':
    case '54001':
      return new ApiError(400, 'invalid_request', 'The request could not be processed as sent.');
  }
  console.error('unexpected upstream error', status, error);
  return new ApiError(500, 'internal_error', 'Unexpected error; nothing was changed.');
}

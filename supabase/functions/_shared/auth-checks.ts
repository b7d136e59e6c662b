/**
 * The verdicts `auth.ts` needs, without I/O: whether verified claims make a signed-in user of this
 * API, and whether a failure to verify a token is an Auth outage (503: the token may be good) or
 * the token's fault (401).
 */
import { isAuthError, isAuthRetryableFetchError } from '@supabase/supabase-js';
import type { JWTPayload } from 'jose';
import { ApiError } from './problem.ts';
import { UUID_PATTERN } from './validation.ts';

/** The audience, and the role, of a signed-in user's access token. */
export const USER_AUDIENCE = 'authenticated';

/**
 * What a token's claims say about its bearer, `now` in seconds since the epoch:
 * - `invalid`: no numeric `exp`, expired, not yet valid (`nbf`), or not for `authenticated`;
 * - `not_a_user`: valid, but not a signed-in user's: a `role` other than `authenticated` (an API
 *   key, `service_role`) or a `sub` that is not a UUID;
 * - `user`: a signed-in user's.
 * Only claims whose signature was verified may be taken as `user`; for unverified ones, anything
 * else is already a reason to refuse.
 */
export function judgeClaims(claims: JWTPayload, now: number): 'user' | 'invalid' | 'not_a_user' {
  const audience = [claims.aud ?? []].flat();
  if (typeof claims.exp !== 'number' || claims.exp <= now) return 'invalid';
  if (claims.nbf !== undefined && (typeof claims.nbf !== 'number' || claims.nbf > now)) {
    return 'invalid';
  }
  if (!audience.includes(USER_AUDIENCE)) return 'invalid';
  if (claims.role !== USER_AUDIENCE) return 'not_a_user';
  if (typeof claims.sub !== 'string' || !UUID_PATTERN.test(claims.sub)) return 'not_a_user';
  return 'user';
}

/**
 * True when supabase-js's Auth client failed for want of an answer rather than on the token: no
 * response at all (network error, timeout: `AuthRetryableFetchError` with status 0), a 5xx, or a
 * 429. Any other answer (401, 403, …) is the Auth server's verdict on the token.
 */
export function isAuthOutage(error: unknown): boolean {
  if (isAuthRetryableFetchError(error)) return true;
  if (!isAuthError(error)) return false;
  const status = error.status ?? 0;
  return status >= 500 || status === 429;
}

/** True for a JSON Web Key Set's shape: an object whose `keys` is an array of objects. */
export function isKeySet(value: unknown): boolean {
  if (typeof value !== 'object' || value === null) return false;
  const { keys } = value as { keys?: unknown };
  return Array.isArray(keys) &&
    keys.every((key) => typeof key === 'object' && key !== null && !Array.isArray(key));
}

/**
 * 503: the Auth server (or its key set) could not be reached, timed out or answered 5xx/429, so
 * the token could be neither accepted nor refused. Not `upstream_unavailable`: the database may
 * be fine.
 */
export function authUnavailable(): ApiError {
  return new ApiError(
    'auth_unavailable',
    'The Auth server is unreachable right now, so the access token could not be verified; ' +
      'nothing was changed. Retry shortly.',
  );
}

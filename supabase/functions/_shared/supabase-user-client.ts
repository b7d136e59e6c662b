/**
 * A supabase-js client acting as the caller: it forwards the caller's JWT to PostgREST, so Row
 * Level Security decides what the request may read and write. One per caller token (see
 * `requireUser` in auth.ts); it holds nothing but that token.
 */
import { createClient, type SupabaseClient } from '@supabase/supabase-js';
import type { Database } from '../../../packages/database/src/types/database.ts';

export type UserClient = SupabaseClient<Database>;

/**
 * The publishable key of `SUPABASE_PUBLISHABLE_KEYS` (a JSON map of name to key, as the edge
 * runtime gives it to projects on the new API keys): the one named `default`, else the first.
 */
function publishableKey(): string | undefined {
  const raw = Deno.env.get('SUPABASE_PUBLISHABLE_KEYS');
  if (!raw) return undefined;
  let keys: unknown;
  try {
    keys = JSON.parse(raw);
  } catch {
    throw new Error('SUPABASE_PUBLISHABLE_KEYS must be a JSON object of key names to keys');
  }
  const map = (typeof keys === 'object' && keys !== null ? keys : {}) as Record<string, unknown>;
  const key = map.default ?? Object.values(map)[0];
  return typeof key === 'string' && key ? key : undefined;
}

/**
 * The project's API gateway and the low-privilege key clients send it, as the edge runtime
 * provides them: the publishable key when the project has one, else the legacy anon key.
 */
export function projectApi(): { url: string; key: string } {
  const url = Deno.env.get('SUPABASE_URL');
  const key = publishableKey() ?? Deno.env.get('SUPABASE_ANON_KEY');
  if (!url || !key) {
    throw new Error('SUPABASE_URL and SUPABASE_PUBLISHABLE_KEYS or SUPABASE_ANON_KEY must be set');
  }
  return { url, key };
}

/** Upper bound for one call to the REST API; a hung upstream becomes a 503, not a hung client. */
const UPSTREAM_TIMEOUT_MS = 10_000;

/**
 * The user-scoped client for a verified token. `accessToken` hands supabase-js the token as is,
 * so it never starts its own auth client (no session storage, no lock per request); retries are
 * off because a caller waiting on a failing upstream should get its 503 now, not after seconds
 * of backoff.
 */
export function createUserClient(token: string): UserClient {
  const { url, key } = projectApi();
  return createClient<Database>(url, key, {
    accessToken: () => Promise.resolve(token),
    db: { retry: false },
    global: {
      fetch: (input, init) =>
        fetch(input, { ...init, signal: init?.signal ?? AbortSignal.timeout(UPSTREAM_TIMEOUT_MS) }),
    },
  });
}

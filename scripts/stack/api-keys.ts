/**
 * The project's API keys, as the gateway knows them: the legacy JWT keys (`anon`, `service_role`)
 * and the new opaque ones, `sb_publishable_…` and `sb_secret_…`, with the Supabase CLI's
 * well-known local values. A legacy key is itself the JWT forwarded to PostgREST; for a new key
 * the gateway mints a short-lived JWT for its role, signed with the stack's signing key, as
 * Supabase's API gateway does. A secret key is refused from a browser.
 */
import { ANON_KEY, SERVICE_ROLE_KEY, signJwt } from './jwt.ts';
import type { SigningKey } from './signing-keys.ts';

/** `supabase start`'s publishable key (the CLI's `defaultPublishableKey`). */
export const PUBLISHABLE_KEY = 'sb_publishable_ACJWlzQHlZjBrEguHvfOxg_3BJgxAaH';

/** `supabase start`'s secret key (the CLI's `defaultSecretKey`). Local development only. */
export const SECRET_KEY = 'sb_secret_N7UND0UgjKTVK-Uodkm0Hg_xSvEMPvz';

/** What an `apikey` the gateway accepts stands for. */
export interface ApiKey {
  /** The Postgres role the key grants. */
  role: 'anon' | 'service_role';
  /**
   * The token forwarded as `Authorization: Bearer` when the request carries no user token: the
   * legacy key itself, or a function minting a short-lived one.
   */
  jwt: string | (() => Promise<string>);
  /** A secret key: refused with 401 on a request from a browser. */
  serverOnly?: boolean;
}

/** How long a token the gateway mints for a new key lives (seconds); renewed at half-life. */
export const MINTED_TOKEN_SECONDS = 60;

/** A function returning a token for `role`, minted anew once half its life has gone. */
function mintedToken(role: ApiKey['role'], signingKey: SigningKey): () => Promise<string> {
  let current: { token: Promise<string>; renewAt: number } | undefined;
  return () => {
    const now = Math.floor(Date.now() / 1000);
    if (!current || now >= current.renewAt) {
      const token = signJwt(
        { iss: 'supabase-gateway', role, iat: now, exp: now + MINTED_TOKEN_SECONDS },
        { signingKey },
      );
      current = { token, renewAt: now + MINTED_TOKEN_SECONDS / 2 };
    }
    return current.token;
  };
}

/**
 * The project's API keys, as Kong's key-auth knows its consumers: only these are accepted as
 * `apikey`, not any token signed with the JWT secret. The new keys are there when the stack has a
 * signing key to mint their tokens with.
 */
export function projectApiKeys(signingKey?: SigningKey): Map<string, ApiKey> {
  const keys = new Map<string, ApiKey>([
    [ANON_KEY, { role: 'anon', jwt: ANON_KEY }],
    [SERVICE_ROLE_KEY, { role: 'service_role', jwt: SERVICE_ROLE_KEY }],
  ]);
  if (signingKey) {
    keys.set(PUBLISHABLE_KEY, { role: 'anon', jwt: mintedToken('anon', signingKey) });
    keys.set(SECRET_KEY, {
      role: 'service_role',
      jwt: mintedToken('service_role', signingKey),
      serverOnly: true,
    });
  }
  return keys;
}

/** True for a new-style opaque key (`sb_…`): never a JWT, so never forwarded as one. */
export function isOpaqueKey(value: string): boolean {
  return value.startsWith('sb_');
}

/**
 * True when the `User-Agent` is a browser's: every current browser's starts with `Mozilla/`
 * (curl, Node.js, Deno and the Supabase CLI send their own names).
 */
export function isBrowser(userAgent: string | null): boolean {
  return /^Mozilla\//.test(userAgent ?? '');
}

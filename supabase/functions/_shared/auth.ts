/**
 * Who is calling: verifies the bearer token and insists on a signed-in user: signature, expiry,
 * audience, role and a UUID `sub`. It does not rely on the platform's gateway (`verify_jwt`), so
 * the function is as safe served with `verify_jwt = false`, as projects on the new JWT signing
 * keys deploy it. An API key (`sb_publishable_…`, the anon key) is no user and gets 401.
 *
 * Keys, chosen by the token's `alg` (never the other way round: a public key is never used as an
 * HMAC secret):
 * - HS256 (the legacy JWT secret): against `SUPABASE_JWT_SECRET` when the function has it (the
 *   local stack), or `MODULES_JWT_SECRET` (a secret a project can set: the `SUPABASE_` prefix is
 *   reserved). Hosted projects do not give functions that secret, so without it the token goes to
 *   supabase-js's `auth.getClaims()`, which for an HS256 token asks the project's Auth server
 *   (`GET /auth/v1/user`); that also refuses a token whose session was signed out. Its answer is
 *   trusted for at most a minute.
 * - ES256/RS256 (asymmetric signing keys): with jose against `SUPABASE_JWKS` (the key set hosted
 *   projects give functions), else the one served at `${SUPABASE_URL}/auth/v1/.well-known/jwks.json`;
 *   a `kid` in the token must name a key of the set.
 * Anything else is refused, and so is a token whose header or payload repeats a member (other
 * readers, PostgREST among them, may read the other copy), before anything else is done with it.
 * An Auth server or key set that cannot be reached is a 503 `auth_unavailable`, not a 401.
 * Why not `getClaims()` for every token, or `@supabase/server`: see the README's _Authentication
 * details_.
 */
import { createClient, type SupabaseClient } from '@supabase/supabase-js';
import { createMiddleware } from 'hono/factory';
import {
  createLocalJWKSet,
  createRemoteJWKSet,
  customFetch,
  decodeJwt,
  decodeProtectedHeader,
  type FetchImplementation,
  type JSONWebKeySet,
  type JWTPayload,
  jwtVerify,
  type JWTVerifyOptions,
} from 'jose';
import {
  authUnavailable,
  isAuthOutage,
  isKeySet,
  judgeClaims,
  USER_AUDIENCE,
} from './auth-checks.ts';
import { duplicateKeyIn } from './jwt-json.ts';
import { ApiError } from './problem.ts';
import { createUserClient, projectApi, type UserClient } from './supabase-user-client.ts';

const ASYMMETRIC = ['ES256', 'RS256'];

/** The verified caller. */
export interface Caller {
  userId: string;
  /** The raw token, forwarded to PostgREST so RLS sees the same user. */
  token: string;
  claims: JWTPayload;
  /** Until when (ms) the token may be taken as verified without checking it again. */
  trustedUntil: number;
}

/** Hono variables set by `requireUser`. */
export type UserEnv = { Variables: { caller: Caller; db: UserClient } };

/** Upper bound for one call to the Auth server (its `/user` or its key set). */
const AUTH_TIMEOUT_MS = 5_000;

/** How long the Auth server's word on a token is trusted: its session may end at any time. */
export const AUTH_SERVER_TRUST_MS = 60_000;

/**
 * Fetches the project's key set for jose. Not getting one (no answer, a timeout, anything but
 * 200 with a key set) is the Auth server's outage, not the token's fault: a 503, never a 401.
 */
const fetchKeySet: FetchImplementation = async (url, options) => {
  let res: Response;
  try {
    res = await fetch(url, options);
  } catch {
    throw authUnavailable();
  }
  if (res.status !== 200) {
    await res.body?.cancel();
    throw authUnavailable();
  }
  let keySet: unknown;
  try {
    keySet = JSON.parse(await res.text());
  } catch {
    throw authUnavailable();
  }
  if (!isKeySet(keySet)) throw authUnavailable();
  return Response.json(keySet);
};

type KeySet = Parameters<typeof jwtVerify>[1];
let jwks: { source: string; keys: KeySet } | undefined;

/**
 * `SUPABASE_JWKS` when the runtime provides it, else the project's published key set, which jose
 * caches (10 minutes; fetched again for an unknown `kid` at most every 30 s).
 */
function projectJwks(): KeySet {
  const inline = Deno.env.get('SUPABASE_JWKS');
  const source = inline || `${Deno.env.get('SUPABASE_URL')}/auth/v1/.well-known/jwks.json`;
  if (jwks?.source !== source) {
    let keys: KeySet;
    try {
      keys = inline
        ? createLocalJWKSet(JSON.parse(inline) as JSONWebKeySet)
        : createRemoteJWKSet(new URL(source), {
          timeoutDuration: AUTH_TIMEOUT_MS,
          [customFetch]: fetchKeySet,
        });
    } catch (cause) {
      // The function's configuration, not the caller's token: a 500, logged, never a 401.
      throw new MisconfiguredError(
        'SUPABASE_JWKS must be a JSON Web Key Set, or SUPABASE_URL a URL',
        { cause },
      );
    }
    jwks = { source, keys };
  }
  return jwks.keys;
}

/** A setting of the function that cannot work, whatever the caller sends. */
class MisconfiguredError extends Error {
  override name = 'MisconfiguredError';
}

let authApi: { source: string; client: SupabaseClient } | undefined;

/**
 * A supabase-js client for the project's Auth server (no session of its own), each call bounded
 * by `AUTH_TIMEOUT_MS`.
 */
function authClient(): SupabaseClient {
  const { url, key } = projectApi();
  const source = `${url} ${key}`;
  if (authApi?.source !== source) {
    const client = createClient(url, key, {
      auth: { persistSession: false, autoRefreshToken: false, detectSessionInUrl: false },
      global: {
        fetch: (input, init) =>
          fetch(input, { ...init, signal: init?.signal ?? AbortSignal.timeout(AUTH_TIMEOUT_MS) }),
      },
    });
    authApi = { source, client };
  }
  return authApi.client;
}

/** Verified claims, and for how long they may be trusted without asking again (ms). */
interface Verified {
  claims: JWTPayload;
  trustMs?: number;
}

const INVALID = 'The access token is invalid, expired or not meant for this project.';
const NOT_A_USER = "This API needs a signed-in user's access token.";

function unauthorized(detail: string): ApiError {
  return new ApiError('unauthorized', detail);
}

/** Refuses claims that do not make a signed-in user of this API, verified or not. */
function requireUserClaims(claims: JWTPayload): void {
  const verdict = judgeClaims(claims, Math.floor(Date.now() / 1000));
  if (verdict !== 'user') throw unauthorized(verdict === 'invalid' ? INVALID : NOT_A_USER);
}

/**
 * HS256 without the secret: `auth.getClaims()` shows the token to the project's Auth server,
 * which says whether it is genuine and its session alive. Claims this API would refuse anyway
 * are refused first, without asking. The Auth server unreachable, slow, failing or rate limiting
 * is a 503: the token may well be good.
 */
async function verifyWithAuthServer(token: string): Promise<JWTPayload> {
  requireUserClaims(decodeJwt(token));
  const { data, error } = await authClient().auth.getClaims(token);
  if (error) {
    if (isAuthOutage(error)) throw authUnavailable();
    throw error;
  }
  if (!data) throw new Error('no claims');
  return data.claims as JWTPayload;
}

async function verify(token: string): Promise<Verified> {
  const duplicate = duplicateKeyIn(token);
  if (duplicate !== undefined) throw new Error(`the token repeats "${duplicate}"`);
  const options: JWTVerifyOptions = { audience: USER_AUDIENCE, requiredClaims: ['exp', 'sub'] };
  const { alg } = decodeProtectedHeader(token);
  if (alg === 'HS256') {
    const secret = Deno.env.get('SUPABASE_JWT_SECRET') || Deno.env.get('MODULES_JWT_SECRET');
    if (!secret) {
      return { claims: await verifyWithAuthServer(token), trustMs: AUTH_SERVER_TRUST_MS };
    }
    const key = new TextEncoder().encode(secret);
    const { payload } = await jwtVerify(token, key, { ...options, algorithms: ['HS256'] });
    return { claims: payload };
  }
  if (alg && ASYMMETRIC.includes(alg)) {
    const { payload } = await jwtVerify(token, projectJwks(), {
      ...options,
      algorithms: ASYMMETRIC,
    });
    return { claims: payload };
  }
  throw new Error(`unsupported alg ${alg}`);
}

/**
 * Verifies `Authorization: Bearer <jwt>`; throws a 401 ApiError otherwise, or a 503 one
 * (`auth_unavailable`) when the Auth server that must vouch for the token cannot be reached.
 */
export async function authenticate(authorization: string | undefined): Promise<Caller> {
  const match = /^Bearer +([A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+)$/i.exec(
    authorization?.trim() ?? '',
  );
  if (!match) throw unauthorized('Send a user access token as "Authorization: Bearer <jwt>".');
  const token = match[1];
  let verified: Verified;
  try {
    verified = await verify(token);
  } catch (error) {
    if (error instanceof ApiError || error instanceof MisconfiguredError) throw error;
    throw unauthorized(INVALID);
  }
  const { claims } = verified;
  requireUserClaims(claims);
  const expires = (claims.exp ?? 0) * 1000;
  const trustedUntil = Math.min(expires, Date.now() + (verified.trustMs ?? Infinity));
  return { userId: claims.sub as string, token, claims, trustedUntil };
}

/** Callers seen recently, by token: a client app sends the same token for up to an hour. */
const recent = new Map<string, { caller: Caller; db: UserClient }>();
const RECENT_MAX = 500;

/**
 * The caller and their client for an Authorization header. A token verified before is not
 * verified again while it is trusted (unexpired; for a token the Auth server vouched for, at most
 * a minute), the token being the cache key, signature included: this spares the signature check
 * and the client construction on most requests.
 */
async function session(authorization: string | undefined) {
  const token = /^Bearer +(\S+)$/i.exec(authorization?.trim() ?? '')?.[1];
  const hit = token === undefined ? undefined : recent.get(token);
  if (hit && hit.caller.trustedUntil > Date.now()) {
    recent.delete(hit.caller.token);
    recent.set(hit.caller.token, hit);
    return hit;
  }
  if (hit) recent.delete(hit.caller.token);
  const caller = await authenticate(authorization);
  const fresh = { caller, db: createUserClient(caller.token) };
  recent.set(caller.token, fresh);
  if (recent.size > RECENT_MAX) recent.delete(recent.keys().next().value!);
  return fresh;
}

/**
 * Middleware: authenticates the caller and gives the handlers `c.var.caller` and `c.var.db`, a
 * supabase-js client that acts as the caller (so RLS applies).
 */
export const requireUser = createMiddleware<UserEnv>(async (c, next) => {
  const { caller, db } = await session(c.req.header('authorization'));
  c.set('caller', caller);
  c.set('db', db);
  await next();
});

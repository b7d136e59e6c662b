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
 *   reserved). Hosted projects do not give functions that
 *   secret, so without it the token is shown to the project's Auth server (`GET /auth/v1/user`),
 *   which also refuses a token whose session was signed out; the claims are then checked here,
 *   and the answer is trusted for at most a minute.
 * - ES256/RS256 (asymmetric signing keys): against `SUPABASE_JWKS` (the key set hosted projects
 *   give functions), else the one served at `${SUPABASE_URL}/auth/v1/.well-known/jwks.json`; the
 *   token's `kid` must name a key of the set.
 * Anything else is refused, and so is a token whose header or payload repeats a member (other
 * readers, PostgREST among them, may read the other copy).
 */
import { createMiddleware } from 'hono/factory';
import {
  createLocalJWKSet,
  createRemoteJWKSet,
  decodeJwt,
  decodeProtectedHeader,
  type JSONWebKeySet,
  type JWTPayload,
  jwtVerify,
  type JWTVerifyOptions,
} from 'jose';
import { duplicateKeyIn } from './jwt-json.ts';
import { unavailable } from './postgrest-errors.ts';
import { ApiError } from './problem.ts';
import { createUserClient, projectApi, type UserClient } from './supabase-user-client.ts';
import { UUID_PATTERN } from './validation.ts';

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

type KeySet = Parameters<typeof jwtVerify>[1];
let jwks: { source: string; keys: KeySet } | undefined;

/** `SUPABASE_JWKS` when the runtime provides it, else the project's published key set. */
function projectJwks(): KeySet {
  const inline = Deno.env.get('SUPABASE_JWKS');
  const source = inline || `${Deno.env.get('SUPABASE_URL')}/auth/v1/.well-known/jwks.json`;
  if (jwks?.source !== source) {
    const keys = inline
      ? createLocalJWKSet(JSON.parse(inline) as JSONWebKeySet)
      : createRemoteJWKSet(new URL(source));
    jwks = { source, keys };
  }
  return jwks.keys;
}

/** Upper bound for asking the Auth server about a token. */
const AUTH_TIMEOUT_MS = 10_000;

/** How long the Auth server's word on a token is trusted: its session may end at any time. */
export const AUTH_SERVER_TRUST_MS = 60_000;

/** Verified claims, and for how long they may be trusted without asking again (ms). */
interface Verified {
  claims: JWTPayload;
  trustMs?: number;
}

/**
 * HS256 without the secret: the project's Auth server says whether the token is genuine and its
 * session alive (200) or not (401/403). It being unreachable is a 503, not a 401: the token may
 * well be good.
 */
async function verifyWithAuthServer(token: string, options: JWTVerifyOptions): Promise<JWTPayload> {
  const { url, key } = projectApi();
  let res: Response;
  try {
    res = await fetch(`${url}/auth/v1/user`, {
      headers: { apikey: key, authorization: `Bearer ${token}` },
      signal: AbortSignal.timeout(AUTH_TIMEOUT_MS),
    });
  } catch {
    throw unavailable();
  }
  await res.body?.cancel();
  if (res.status >= 500 || res.status === 429) throw unavailable();
  if (res.status !== 200) throw new Error(`the Auth server refused the token (${res.status})`);
  // Genuine; the claims still have to be what this API expects.
  const claims = decodeJwt(token);
  const now = Math.floor(Date.now() / 1000);
  const audience = [claims.aud ?? []].flat();
  if (typeof claims.exp !== 'number' || claims.exp <= now) throw new Error('expired');
  if (typeof claims.nbf === 'number' && claims.nbf > now) throw new Error('not yet valid');
  if (!audience.includes(options.audience as string)) throw new Error('wrong audience');
  return claims;
}

function unauthorized(detail: string): ApiError {
  return new ApiError('unauthorized', detail, undefined, {
    'www-authenticate': 'Bearer realm="modules"',
  });
}

async function verify(token: string): Promise<Verified> {
  const duplicate = duplicateKeyIn(token);
  if (duplicate !== undefined) throw new Error(`the token repeats "${duplicate}"`);
  const options: JWTVerifyOptions = { audience: 'authenticated', requiredClaims: ['exp', 'sub'] };
  const { alg } = decodeProtectedHeader(token);
  if (alg === 'HS256') {
    const secret = Deno.env.get('SUPABASE_JWT_SECRET') || Deno.env.get('MODULES_JWT_SECRET');
    if (!secret) {
      return { claims: await verifyWithAuthServer(token, options), trustMs: AUTH_SERVER_TRUST_MS };
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

/** Verifies `Authorization: Bearer <jwt>`; throws a 401 ApiError otherwise. */
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
    if (error instanceof ApiError) throw error;
    throw unauthorized('The access token is invalid, expired or not meant for this project.');
  }
  const { claims } = verified;
  if (
    claims.role !== 'authenticated' || typeof claims.sub !== 'string' ||
    !UUID_PATTERN.test(claims.sub)
  ) {
    throw unauthorized("This API needs a signed-in user's access token.");
  }
  const expires = (claims.exp ?? 0) * 1000;
  const trustedUntil = Math.min(expires, Date.now() + (verified.trustMs ?? Infinity));
  return { userId: claims.sub, token, claims, trustedUntil };
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

/**
 * Who is calling: verifies the bearer token and insists on a signed-in user. The platform's
 * gateway (`verify_jwt`) checks the signature too; this adds expiry, audience, role and a UUID
 * `sub`, and keeps the function safe if it is ever served with `verify_jwt = false`.
 *
 * Keys, chosen by the token's `alg`: HS256 tokens are checked against `SUPABASE_JWT_SECRET` (the
 * local stack, projects on the legacy JWT secret); ES256/RS256 tokens against the project's JWKS
 * at `${SUPABASE_URL}/auth/v1/.well-known/jwks.json` (asymmetric signing keys). Anything else is
 * refused.
 */
import { createMiddleware } from 'hono/factory';
import {
  createRemoteJWKSet,
  decodeProtectedHeader,
  type JWTPayload,
  jwtVerify,
  type JWTVerifyOptions,
} from 'jose';
import { ApiError } from './problem.ts';
import { createUserClient, type UserClient } from './supabase-user-client.ts';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const ASYMMETRIC = ['ES256', 'RS256'];

/** The verified caller. */
export interface Caller {
  userId: string;
  /** The raw token, forwarded to PostgREST so RLS sees the same user. */
  token: string;
  claims: JWTPayload;
}

/** Hono variables set by `requireUser`. */
export type UserEnv = { Variables: { caller: Caller; db: UserClient } };

let jwks: { url: string; keys: ReturnType<typeof createRemoteJWKSet> } | undefined;

function projectJwks(): ReturnType<typeof createRemoteJWKSet> {
  const url = `${Deno.env.get('SUPABASE_URL')}/auth/v1/.well-known/jwks.json`;
  if (jwks?.url !== url) jwks = { url, keys: createRemoteJWKSet(new URL(url)) };
  return jwks.keys;
}

function unauthorized(detail: string): ApiError {
  return new ApiError(401, 'unauthorized', detail, undefined, {
    'www-authenticate': 'Bearer realm="modules"',
  });
}

async function verify(token: string): Promise<JWTPayload> {
  const options: JWTVerifyOptions = { audience: 'authenticated', requiredClaims: ['exp', 'sub'] };
  const { alg } = decodeProtectedHeader(token);
  if (alg === 'HS256') {
    const secret = Deno.env.get('SUPABASE_JWT_SECRET');
    if (!secret) throw new Error('no JWT secret configured for HS256 tokens');
    const key = new TextEncoder().encode(secret);
    return (await jwtVerify(token, key, { ...options, algorithms: ['HS256'] })).payload;
  }
  if (alg && ASYMMETRIC.includes(alg)) {
    return (await jwtVerify(token, projectJwks(), { ...options, algorithms: ASYMMETRIC })).payload;
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
  let claims: JWTPayload;
  try {
    claims = await verify(token);
  } catch {
    throw unauthorized('The access token is invalid, expired or not meant for this project.');
  }
  if (claims.role !== 'authenticated' || typeof claims.sub !== 'string' || !UUID.test(claims.sub)) {
    throw unauthorized("This API needs a signed-in user's access token.");
  }
  return { userId: claims.sub, token, claims };
}

/** Callers seen recently, by token: a client app sends the same token for up to an hour. */
const recent = new Map<string, { caller: Caller; db: UserClient }>();
const RECENT_MAX = 500;

/**
 * The caller and their client for an Authorization header. A token verified before is not
 * verified again while it is unexpired (it is the cache key, signature included), which spares
 * the signature check and the client construction on most requests.
 */
async function session(authorization: string | undefined) {
  const token = /^Bearer +(\S+)$/i.exec(authorization?.trim() ?? '')?.[1];
  const hit = token === undefined ? undefined : recent.get(token);
  if (hit && (hit.caller.claims.exp ?? 0) * 1000 > Date.now()) {
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

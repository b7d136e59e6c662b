/**
 * Who is calling: verifies the bearer token and insists on a signed-in user. The platform's
 * gateway (`verify_jwt`) checks the signature too; this adds the audience, the role and a `sub`,
 * and keeps the function safe if it is ever served with `verify_jwt = false`.
 *
 * Keys: HS256 with `SUPABASE_JWT_SECRET` when it is set (the local stack, legacy projects),
 * otherwise the project's JWKS at `${SUPABASE_URL}/auth/v1/.well-known/jwks.json`
 * (asymmetric signing keys).
 */
import { createRemoteJWKSet, type JWTPayload, jwtVerify } from 'jose';
import { ApiError } from './problem.ts';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The verified caller. */
export interface Caller {
  userId: string;
  /** The raw token, forwarded to PostgREST so RLS sees the same user. */
  token: string;
  claims: JWTPayload;
}

let jwks: ReturnType<typeof createRemoteJWKSet> | undefined;

function unauthorized(detail: string): ApiError {
  return new ApiError(401, 'unauthorized', detail);
}

/** Verifies `Authorization: Bearer <jwt>`; throws a 401 ApiError otherwise. */
export async function authenticate(authorization: string | undefined): Promise<Caller> {
  const match = /^Bearer\s+([A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*)$/.exec(
    authorization?.trim() ?? '',
  );
  if (!match) throw unauthorized('Send a user access token as "Authorization: Bearer <jwt>".');
  const token = match[1];
  let claims: JWTPayload;
  try {
    const secret = Deno.env.get('SUPABASE_JWT_SECRET');
    const options = { audience: 'authenticated', algorithms: secret ? ['HS256'] : undefined };
    if (secret) {
      ({ payload: claims } = await jwtVerify(token, new TextEncoder().encode(secret), options));
    } else {
      jwks ??= createRemoteJWKSet(
        new URL(`${Deno.env.get('SUPABASE_URL')}/auth/v1/.well-known/jwks.json`),
      );
      ({ payload: claims } = await jwtVerify(token, jwks, options));
    }
  } catch {
    throw unauthorized('The access token is invalid, expired or not meant for this project.');
  }
  if (claims.role !== 'authenticated' || typeof claims.sub !== 'string' || !UUID.test(claims.sub)) {
    throw unauthorized("This API needs a signed-in user's access token.");
  }
  return { userId: claims.sub, token, claims };
}

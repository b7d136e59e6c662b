/**
 * Supabase's well-known local development JWT secret and legacy API keys, and minting and verifying
 * tokens as the local stack's stand-in for Auth: HS256 with that secret, or ES256 with the stack's
 * signing key (signing-keys.ts).
 */
import {
  createLocalJWKSet,
  decodeProtectedHeader,
  type JSONWebKeySet,
  type JWTPayload,
  jwtVerify,
  SignJWT,
} from 'jose';
import { duplicateKeyIn } from '../../supabase/functions/_shared/jwt-json.ts';
import type { SigningKey } from './signing-keys.ts';

/** The JWT secret `supabase start` uses. Never use it anywhere but on your own machine. */
export const JWT_SECRET = 'super-secret-jwt-token-with-at-least-32-characters-long';

/** `supabase start`'s anon key: `{"iss":"supabase-demo","role":"anon","exp":1983812996}`. */
export const ANON_KEY =
  'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJpc3MiOiJzdXBhYmFzZS1kZW1vIiwicm9sZSI6ImFub24iLCJleHAiOjE5ODM4MTI5OTZ9.CRXP1A7WOeoJeXxjNni43kdQwgnWNReilDMblYTn_I0';

/** `supabase start`'s service-role key: `{"iss":"supabase-demo","role":"service_role",...}`. */
export const SERVICE_ROLE_KEY =
  'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJpc3MiOiJzdXBhYmFzZS1kZW1vIiwicm9sZSI6InNlcnZpY2Vfcm9sZSIsImV4cCI6MTk4MzgxMjk5Nn0.EGIM96RAZx35lJzdJsyH-qQwv8Hdp7fsn3W0YpN81IU';

const key = (secret: string) => new TextEncoder().encode(secret);

export interface MintOptions {
  /** The user id (`sub`). */
  sub: string;
  role?: string;
  aud?: string;
  email?: string;
  /** Lifetime in seconds (default one hour); negative for an already expired token. */
  expiresIn?: number;
  /** HS256 with this secret (default the local JWT secret) when there is no `signingKey`. */
  secret?: string;
  /** Sign with this asymmetric key (ES256/RS256, its `kid` in the header) instead of a secret. */
  signingKey?: SigningKey;
  /** Extra claims merged into the payload. */
  claims?: Record<string, unknown>;
}

/** Signs `claims` with the signing key when given, else HS256 with the secret. */
export async function signJwt(
  claims: JWTPayload,
  options: { secret?: string; signingKey?: SigningKey } = {},
): Promise<string> {
  const { signingKey } = options;
  const jwt = new SignJWT(claims);
  if (!signingKey) {
    return await jwt.setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
      .sign(key(options.secret ?? JWT_SECRET));
  }
  return await jwt.setProtectedHeader({ alg: signingKey.alg, kid: signingKey.kid, typ: 'JWT' })
    .sign(signingKey.privateKey);
}

/** Mints a user access token shaped like Supabase Auth's (HS256, or ES256 with `signingKey`). */
export async function mintUserJwt(options: MintOptions): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  return await signJwt({
    iss: 'http://127.0.0.1:54321/auth/v1',
    sub: options.sub,
    role: options.role ?? 'authenticated',
    aud: options.aud ?? 'authenticated',
    email: options.email,
    aal: 'aal1',
    session_id: crypto.randomUUID(),
    is_anonymous: false,
    iat: now,
    exp: now + (options.expiresIn ?? 3600),
    ...options.claims,
  }, options);
}

/** Verifies an HS256 token against the local secret; throws when it is invalid or expired. */
export async function verifyJwt(
  token: string,
  secret = JWT_SECRET,
): Promise<Record<string, unknown>> {
  const { payload } = await jwtVerify(token, key(secret), { algorithms: ['HS256'] });
  return payload;
}

/** Checks a token's signature and times, or throws. */
export type TokenVerifier = (token: string) => Promise<JWTPayload>;

/**
 * Verifies tokens the project signed, as the edge runtime's `verify_jwt` does locally: HS256
 * against the JWT secret, ES256/RS256 against the public keys (by `kid`); the key is chosen by
 * the algorithm, never the other way round, so no public key is ever used as an HMAC secret.
 * A header or payload with a duplicate member is refused, since readers disagree on which wins.
 */
export function projectTokenVerifier(secret: string, jwks: JSONWebKeySet): TokenVerifier {
  const publicKeys = createLocalJWKSet(jwks);
  return async (token) => {
    const duplicate = duplicateKeyIn(token);
    if (duplicate !== undefined) throw new Error(`duplicate member "${duplicate}"`);
    const { alg } = decodeProtectedHeader(token);
    if (alg === 'HS256') {
      return (await jwtVerify(token, key(secret), { algorithms: ['HS256'] })).payload;
    }
    if (alg !== 'ES256' && alg !== 'RS256') throw new Error(`unsupported alg ${alg}`);
    return (await jwtVerify(token, publicKeys, { algorithms: ['ES256', 'RS256'] })).payload;
  };
}

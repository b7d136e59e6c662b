/**
 * Supabase's well-known local development keys, and minting/verifying HS256 tokens with the same
 * secret, since the local stack has no auth server.
 */
import { jwtVerify, SignJWT } from 'jose';

/** The JWT secret `supabase start` uses. Never use it anywhere but on your own machine. */
export const JWT_SECRET = 'super-secret-jwt-token-with-at-least-32-characters-long';

/** `supabase start`'s anon key: `{"iss":"supabase-demo","role":"anon","exp":1983812996}`. */
export const ANON_KEY =
  'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJpc3MiOiJzdXBhYmFzZS1kZW1vIiwicm9sZSI6ImFub24iLCJleHAiOjE5ODM4MTI5OTZ9.CRXP1A7WOeoJeXxjNni43kdQwgnWNReilDMblYTn_I0';

/** `supabase start`'s service-role key: `{"iss":"supabase-demo","role":"service_role",...}`. */
export const SERVICE_ROLE_KEY =
  'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJpc3MiOiJzdXBhYmFzZS1kZW1vIiwicm9sZSI6InNlcnZpY2Vfcm9sZSIsImV4cCI6MTk4MzgxMjk5Nn0.EGIM96RAZx35lJzdJsyH-qQwv8Hdp7fsn3W0YpN81IU';

/** What an `apikey` the gateway accepts stands for. */
export interface ApiKey {
  /** The Postgres role the key grants. */
  role: 'anon' | 'service_role';
  /** The token forwarded as `Authorization: Bearer` when the request carries none. */
  jwt: string;
}

/**
 * The project's API keys, as Kong's key-auth knows its consumers: only these are accepted as
 * `apikey`, not any token signed with the JWT secret. Supabase's newer `sb_publishable_…` and
 * `sb_secret_…` keys would be added here, each mapped to its role and the JWT it stands for.
 */
export function projectApiKeys(
  anonKey = ANON_KEY,
  serviceRoleKey = SERVICE_ROLE_KEY,
): Map<string, ApiKey> {
  return new Map([
    [anonKey, { role: 'anon', jwt: anonKey }],
    [serviceRoleKey, { role: 'service_role', jwt: serviceRoleKey }],
  ]);
}

const key = (secret: string) => new TextEncoder().encode(secret);

export interface MintOptions {
  /** The user id (`sub`). */
  sub: string;
  role?: string;
  aud?: string;
  email?: string;
  /** Lifetime in seconds (default one hour); negative for an already expired token. */
  expiresIn?: number;
  secret?: string;
  /** Extra claims merged into the payload. */
  claims?: Record<string, unknown>;
}

/** Mints a user access token shaped like Supabase Auth's (HS256). */
export async function mintUserJwt(options: MintOptions): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  return await new SignJWT({
    role: options.role ?? 'authenticated',
    aud: options.aud ?? 'authenticated',
    email: options.email,
    aal: 'aal1',
    session_id: crypto.randomUUID(),
    is_anonymous: false,
    ...options.claims,
  })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setSubject(options.sub)
    .setIssuer('http://127.0.0.1:54321/auth/v1')
    .setIssuedAt(now)
    .setExpirationTime(now + (options.expiresIn ?? 3600))
    .sign(key(options.secret ?? JWT_SECRET));
}

/** Verifies an HS256 token against the local secret; throws when it is invalid or expired. */
export async function verifyJwt(
  token: string,
  secret = JWT_SECRET,
): Promise<Record<string, unknown>> {
  const { payload } = await jwtVerify(token, key(secret), { algorithms: ['HS256'] });
  return payload;
}

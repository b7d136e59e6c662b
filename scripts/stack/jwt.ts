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

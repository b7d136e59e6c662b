/**
 * The local stack a test run talks to. `deno task test` starts a fresh stack on free ports and
 * passes its coordinates through these variables; running `deno test` by hand against a stack
 * started with `deno task dev` works too, with the same variables exported.
 */
import { ANON_KEY, JWT_SECRET, SERVICE_ROLE_KEY } from '../../scripts/stack/jwt.ts';

function required(name: string): string {
  const value = Deno.env.get(name);
  if (!value) {
    throw new Error(
      `${name} is not set: run the tests with \`deno task test\` (it starts its own stack), ` +
        'or export SUPABASE_URL and SUPABASE_DB_URL of a running `deno task dev` stack.',
    );
  }
  return value;
}

/** Coordinates of the stack under test. */
export const stack = {
  /** The gateway: `${apiUrl}/rest/v1`, `${apiUrl}/functions/v1/<name>`. */
  apiUrl: required('SUPABASE_URL'),
  /** Superuser connection string of the stack's Postgres. */
  dbUrl: required('SUPABASE_DB_URL'),
  anonKey: Deno.env.get('SUPABASE_ANON_KEY') ?? ANON_KEY,
  serviceRoleKey: Deno.env.get('SUPABASE_SERVICE_ROLE_KEY') ?? SERVICE_ROLE_KEY,
  jwtSecret: Deno.env.get('SUPABASE_JWT_SECRET') ?? JWT_SECRET,
};

/**
 * The local stack a test run talks to. `deno task test` starts a fresh stack on free ports and
 * passes its coordinates through these variables; running `deno test` by hand against a stack
 * started with `deno task dev` works too, with the same variables exported.
 *
 * `STACK_KEYS` says which key system the run's clients use: `legacy` (default: the anon and
 * service_role JWT keys, HS256 user tokens) or `new` (the publishable and secret keys, ES256 user
 * tokens signed with the stack's signing key, whose file `STACK_SIGNING_KEYS` names).
 */
import { PUBLISHABLE_KEY, SECRET_KEY } from '../../scripts/stack/api-keys.ts';
import { ANON_KEY, JWT_SECRET, SERVICE_ROLE_KEY } from '../../scripts/stack/jwt.ts';
import { devLocations } from '../../scripts/stack/project.ts';

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

const keys = Deno.env.get('STACK_KEYS') === 'new' ? 'new' : 'legacy';

/** Coordinates of the stack under test. */
export const stack = {
  /** The gateway: `${apiUrl}/rest/v1`, `${apiUrl}/functions/v1/<name>`. */
  apiUrl: required('SUPABASE_URL'),
  /** Superuser connection string of the stack's Postgres. */
  dbUrl: required('SUPABASE_DB_URL'),
  /** The key system this run's clients use (see above). */
  keys: keys as 'legacy' | 'new',
  /** The low-privilege key an app ships: the anon key, or the publishable key with `new`. */
  anonKey: keys === 'new' ? PUBLISHABLE_KEY : Deno.env.get('SUPABASE_ANON_KEY') ?? ANON_KEY,
  /** The key that bypasses RLS: the service_role key, or the secret key with `new`. */
  serviceRoleKey: keys === 'new'
    ? SECRET_KEY
    : Deno.env.get('SUPABASE_SERVICE_ROLE_KEY') ?? SERVICE_ROLE_KEY,
  jwtSecret: Deno.env.get('SUPABASE_JWT_SECRET') ?? JWT_SECRET,
  /** The stack's JWT signing keys file (private keys), to mint ES256 tokens. */
  signingKeysPath: Deno.env.get('STACK_SIGNING_KEYS') ??
    `${devLocations().state}/dev/signing_keys.json`,
};

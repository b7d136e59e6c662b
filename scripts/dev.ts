/**
 * `deno task dev`: starts the local stack in the foreground and prints its coordinates like
 * `supabase start`, plus an access token for each demo user. Its database is kept in
 * `<state>/dev/` from one start to the next (pending migrations are applied at start); function
 * code is reloaded when it changes. Ctrl-C (SIGINT), SIGTERM or SIGHUP (the terminal closing) stops
 * everything it started; so does the death of the npm wrapper that started it (`onLifelineLost`).
 *
 * Ports: API_PORT (default 54321), DB_PORT (default 54322). State (lock, cluster, logs,
 * dev.env): STACK_STATE_DIR (default .stack/). Project (the folder holding `supabase/`):
 * STACK_PROJECT_DIR (default this repository).
 */
import { mintUserJwt } from './stack/jwt.ts';
import { ROOT, type Stack, StackError, startStack } from './stack/mod.ts';
import { publishModuleFiles } from './stack/database.ts';
import { onLifelineLost } from './stack/process.ts';
import { devLocations } from './stack/project.ts';
import { releaseLock, takeLock } from './stack/state.ts';

const { state: STATE, project: PROJECT } = devLocations();
const ENV_FILE = `${STATE}/dev.env`;

/** The demo tenant of supabase/seeds/demo.sql. */
const DEMO_TENANT_ID = 'de000000-0000-4000-8000-000000000000';
/** How long the printed demo tokens stay valid: a week, Supabase's longest `jwt_expiry`. */
const DEMO_TOKEN_SECONDS = 7 * 24 * 3600;

function port(name: string, fallback: number): number {
  const raw = Deno.env.get(name);
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 1 || value > 65535) {
    throw new StackError(`${name} must be a port number, got "${raw}".`);
  }
  return value;
}

interface DemoMember {
  role: string;
  id: string;
  email: string;
}

/** The demo tenant's members (owner, admin, member first) as the database has them now. */
async function demoMembers(stack: Stack): Promise<DemoMember[]> {
  const sql = stack.postgres.connect({ max: 1 });
  try {
    return await sql<DemoMember[]>`
      select m.role, u.id, coalesce(u.email, '') as email
      from public.tenant_members as m join auth.users as u on u.id = m.user_id
      where m.tenant_id = ${DEMO_TENANT_ID}
      order by array_position(array['owner', 'admin', 'member'], m.role), u.email`;
  } finally {
    await sql.end();
  }
}

/** The demo lines of the banner, and `dev.env` for `. .stack/dev.env`. */
async function demo(stack: Stack): Promise<string> {
  const members = await demoMembers(stack);
  const vars: Record<string, string> = {
    API_URL: stack.apiUrl,
    DB_URL: stack.dbUrl,
    ANON_KEY: stack.anonKey,
    SERVICE_ROLE_KEY: stack.serviceRoleKey,
    PUBLISHABLE_KEY: stack.publishableKey,
    SECRET_KEY: stack.secretKey,
  };
  const lines: string[] = [];
  if (members.length) {
    vars.TENANT_ID = DEMO_TENANT_ID;
    lines.push(`Demo tenant id: ${DEMO_TENANT_ID}`);
    for (const { role, id, email } of members) {
      const mint = { sub: id, email, expiresIn: DEMO_TOKEN_SECONDS };
      const token = await mintUserJwt({ ...mint, signingKey: stack.signingKeys[0] });
      vars[`${role.toUpperCase()}_TOKEN`] ??= token;
      vars[`${role.toUpperCase()}_TOKEN_HS256`] ??= await mintUserJwt(mint);
      lines.push(`${role} token (${email}): ${token}`);
    }
    lines.push(
      "Demo tokens are ES256, signed with the stack's signing key, and valid for 7 days. " +
        `\`. ${ENV_FILE.replace(`${ROOT}/`, '')}\` exports them with the URLs and keys, and ` +
        'HS256 ones (legacy JWT secret) as OWNER_TOKEN_HS256, ….',
    );
  } else {
    lines.push('Demo tenant: none (`npm run db:reset` brings the seed back)');
  }
  const exports = Object.entries(vars).map(([k, v]) => `export ${k}=${v}`);
  await Deno.writeTextFile(
    ENV_FILE,
    `# Written by \`npm run dev\` and removed when it stops.\n${exports.join('\n')}\n`,
  );
  return lines.join('\n');
}

async function main(): Promise<void> {
  const apiPort = port('API_PORT', 54321);
  const dbPort = port('DB_PORT', 54322);
  await takeLock(STATE, 'dev');
  const starting = new AbortController();
  let stack: Stack | undefined;
  let stopping = false;
  const finish = async () => {
    await stack?.stop();
    await Deno.remove(ENV_FILE).catch(() => {});
    await releaseLock(STATE);
    console.log('Stopped.');
    Deno.exit(0);
  };
  const shutdown = async () => {
    if (stopping) return;
    stopping = true;
    console.log('\nStopping the local stack…');
    starting.abort(); // a start in progress stops what it started and main() finishes
    if (stack) await finish();
  };
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    Deno.addSignalListener(signal, shutdown);
  }
  onLifelineLost(shutdown);
  // A saved module file is published at once; a refusal is said and the catalog stays as it was.
  const publishOnSave = async (paths: string[]) => {
    if (!stack) return;
    const names = paths.map((p) => p.replace(/^.*\//, '')).join(', ');
    try {
      await publishModuleFiles(stack.dbUrl, PROJECT, (line) => console.log(line));
      console.log(`supabase/modules changed (${names}): published`);
    } catch (error) {
      console.log(`supabase/modules changed (${names}): ${(error as Error).message}`);
    }
  };
  try {
    stack = await startStack({
      apiPort,
      dbPort,
      dir: `${STATE}/dev`,
      keep: true,
      project: PROJECT,
      watch: true,
      signal: starting.signal,
      log: (line) => console.log(line),
      logRequests: true,
      onModulesChange: publishOnSave,
    });
  } catch (error) {
    if (stopping) await finish();
    await releaseLock(STATE);
    throw error;
  }
  if (stopping) await finish();
  const banner = await demo(stack).catch((error) => {
    if (stopping) return new Promise<never>(() => {}); // finish() exits
    throw error;
  });
  console.log(`
Local stack is running (Ctrl-C to stop).

API URL: ${stack.apiUrl}
DB URL: ${stack.dbUrl}
anon key: ${stack.anonKey}
service_role key: ${stack.serviceRoleKey}
JWT secret: ${stack.jwtSecret}
Publishable key: ${stack.publishableKey}
Secret key: ${stack.secretKey}

${banner}

REST:      ${stack.apiUrl}/rest/v1/
Functions: ${stack.apiUrl}/functions/v1/<name> (reloaded when their code changes)
JWKS:      ${stack.apiUrl}/auth/v1/.well-known/jwks.json (signing key: ${stack.signingKeysPath})
Logs:      ${STATE}/dev/
`);
}

try {
  await main();
} catch (error) {
  if (error instanceof StackError) {
    console.error(`error: ${error.message}`);
    Deno.exit(1);
  }
  throw error;
}

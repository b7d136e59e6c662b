/**
 * `deno task dev`: starts the local stack in the foreground and prints its coordinates like
 * `supabase start`. Ctrl-C (SIGINT) or SIGTERM stops everything it started.
 *
 * Ports: API_PORT (default 54321), DB_PORT (default 54322). State (lock, cluster, logs):
 * STACK_STATE_DIR (default .stack/).
 */
import { ROOT, type Stack, StackError, startStack } from './stack/mod.ts';
import { run } from './stack/process.ts';

const STATE = Deno.env.get('STACK_STATE_DIR') || `${ROOT}/.stack`;
const LOCK = `${STATE}/dev.pid`;

function port(name: string, fallback: number): number {
  const raw = Deno.env.get(name);
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 1 || value > 65535) {
    throw new StackError(`${name} must be a port number, got "${raw}".`);
  }
  return value;
}

async function alive(pid: number): Promise<boolean> {
  try {
    await run(['kill', '-0', String(pid)]);
    return true;
  } catch {
    return false;
  }
}

async function takeLock(): Promise<void> {
  await Deno.mkdir(STATE, { recursive: true });
  try {
    const pid = Number((await Deno.readTextFile(LOCK)).trim());
    if (pid && pid !== Deno.pid && (await alive(pid))) {
      throw new StackError(
        `the local stack is already running (pid ${pid}): stop it with Ctrl-C in its terminal ` +
          `or \`kill ${pid}\`.`,
      );
    }
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
  }
  await Deno.writeTextFile(LOCK, String(Deno.pid));
}

async function main(): Promise<void> {
  const apiPort = port('API_PORT', 54321);
  const dbPort = port('DB_PORT', 54322);
  await takeLock();
  let stack: Stack | undefined;
  let stopping = false;
  const shutdown = async () => {
    if (stopping) return;
    stopping = true;
    console.log('\nStopping the local stack…');
    await stack?.stop();
    await Deno.remove(LOCK).catch(() => {});
    console.log('Stopped.');
    Deno.exit(0);
  };
  Deno.addSignalListener('SIGINT', shutdown);
  Deno.addSignalListener('SIGTERM', shutdown);
  try {
    stack = await startStack({
      apiPort,
      dbPort,
      dir: `${STATE}/dev`,
      log: (line) => console.log(line),
    });
  } catch (error) {
    await Deno.remove(LOCK).catch(() => {});
    throw error;
  }
  if (stopping) return;
  console.log(`
Local stack is running (Ctrl-C to stop).

API URL: ${stack.apiUrl}
DB URL: ${stack.dbUrl}
anon key: ${stack.anonKey}
service_role key: ${stack.serviceRoleKey}
JWT secret: ${stack.jwtSecret}

REST:      ${stack.apiUrl}/rest/v1/
Functions: ${stack.apiUrl}/functions/v1/<name>
Logs:      ${STATE}/dev/`);
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

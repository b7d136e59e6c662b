/**
 * `deno task db:reset`: rebuilds the dev database from supabase/migrations and the seed files, as
 * `supabase db reset` does. While `deno task dev` runs, its database is rebuilt in place: its
 * connections are terminated, the new database takes the old one's name, and its PostgREST reloads
 * the schema, so the running stack keeps serving. Otherwise the kept cluster in `<state>/dev/`
 * is started on a free port, rebuilt and stopped.
 *
 * STACK_STATE_DIR and STACK_PROJECT_DIR as for `deno task dev`.
 */
import { reloadSchemaCache, resetDatabase } from './stack/database.ts';
import { SERVICE_ROLE_KEY } from './stack/jwt.ts';
import { StackError } from './stack/mod.ts';
import { LocalPostgres } from './stack/postgres.ts';
import { freePort, Watchdog } from './stack/process.ts';
import { devLocations } from './stack/project.ts';
import { lockHolder, readState, releaseLock, stopLeftovers, takeLock } from './stack/state.ts';

const STATE = devLocations().state;
const DEV = `${STATE}/dev`;
const log = (line: string) => console.log(line);

async function resetRunning(pid: number): Promise<void> {
  const state = await readState(DEV);
  if (!state || state.owner !== pid) {
    throw new StackError(
      `the local stack (pid ${pid}) is still starting: run db:reset again once it is up.`,
    );
  }
  log(`resetting the database of the running local stack (pid ${pid})…`);
  await resetDatabase(state.dbUrl, state.project, log);
  log('reloading the schema cache of PostgREST…');
  await reloadSchemaCache(state.dbUrl, state.apiUrl, SERVICE_ROLE_KEY);
}

async function resetStopped(): Promise<void> {
  await takeLock(STATE, 'db:reset');
  const watchdog = new Watchdog();
  try {
    await stopLeftovers(DEV, log);
    const postgres = await LocalPostgres.start({
      dir: `${DEV}/postgres`,
      port: freePort(),
      watchdog,
      log,
    });
    try {
      log(`resetting the database in ${DEV}/postgres…`);
      await resetDatabase(postgres.url, devLocations().project, log);
    } finally {
      await postgres.stop();
    }
  } finally {
    await watchdog.close();
    await releaseLock(STATE);
  }
}

try {
  const holder = await lockHolder(STATE);
  if (holder?.task === 'dev') await resetRunning(holder.pid);
  else await resetStopped();
  log('db:reset: the database holds the migrations and the seed, nothing else.');
} catch (error) {
  if (!(error instanceof StackError)) throw error;
  console.error(`error: ${error.message}`);
  Deno.exit(1);
}

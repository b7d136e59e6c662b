/**
 * `deno task gen:types`: generates `packages/database/src/types/database.ts` with the official
 * generator (`supabase gen types typescript`) from a throwaway database built from the migrations.
 * With `--check`, writes nothing and exits 1 when the committed file differs (drift).
 * With `--db-url <url>`, uses that database instead of starting one.
 */
import { parseArgs } from 'node:util';
import { freePort } from './stack/process.ts';
import { ROOT, StackError, startDatabase, supabaseCli } from './stack/mod.ts';

export const TYPES_FILE = `${ROOT}/packages/database/src/types/database.ts`;

/** Runs the official generator against `dbUrl` and returns its output. */
export async function generateTypes(dbUrl: string): Promise<string> {
  return await supabaseCli([
    'gen',
    'types',
    'typescript',
    `--remote=${dbUrl}`,
    '--schema',
    'public',
  ]);
}

/** Compares a fresh generation with the committed file; returns a message when they differ. */
export async function typesDrift(dbUrl: string): Promise<string | undefined> {
  const fresh = await generateTypes(dbUrl);
  let committed = '';
  try {
    committed = await Deno.readTextFile(TYPES_FILE);
  } catch { /* missing counts as drift */ }
  if (fresh === committed) return undefined;
  return `${TYPES_FILE} differs from \`supabase gen types typescript\` on the migrations: ` +
    'run `deno task gen:types` and commit the result.';
}

if (import.meta.main) {
  const { values } = parseArgs({
    args: Deno.args,
    options: { check: { type: 'boolean', default: false }, 'db-url': { type: 'string' } },
  });
  try {
    let dbUrl = values['db-url'];
    const db = dbUrl ? undefined : await startDatabase({
      dir: `${ROOT}/.stack/gen-types-${Deno.pid}`,
      dbPort: freePort(),
      fast: true,
      seed: false,
    });
    dbUrl ??= db!.url;
    try {
      if (values.check) {
        const drift = await typesDrift(dbUrl);
        if (drift) throw new StackError(drift);
        console.log('types: up to date');
      } else {
        await Deno.mkdir(`${ROOT}/packages/database/src/types`, { recursive: true });
        await Deno.writeTextFile(TYPES_FILE, await generateTypes(dbUrl));
        console.log(`wrote ${TYPES_FILE}`);
      }
    } finally {
      await db?.stop({ remove: true });
      await Deno.remove(`${ROOT}/.stack/gen-types-${Deno.pid}`, { recursive: true }).catch(
        () => {},
      );
    }
  } catch (error) {
    if (!(error instanceof StackError)) throw error;
    console.error(`error: ${error.message}`);
    Deno.exit(1);
  }
}

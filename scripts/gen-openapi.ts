/**
 * `deno task gen:openapi`: writes the `modules` function's OpenAPI 3.1 document, generated from
 * its route definitions, to `packages/client/openapi.json` (what the typed client and the contract
 * tests read). No stack needed: the app is asked in-process. With `--check`, writes nothing and
 * exits 1 when the committed file differs (drift); the tests also compare it with what the
 * function serves over HTTP.
 */
import { parseArgs } from 'node:util';
import { app } from '../supabase/functions/modules/app.ts';
import { ROOT } from './stack/mod.ts';

export const OPENAPI_FILE = `${ROOT}/packages/client/openapi.json`;

/** The document as the committed file holds it: two-space JSON and a final newline. */
export async function generateOpenApi(): Promise<string> {
  const res = await app.request('/modules/openapi.json');
  if (res.status !== 200) throw new Error(`GET /modules/openapi.json answered ${res.status}`);
  return `${JSON.stringify(await res.json(), null, 2)}\n`;
}

if (import.meta.main) {
  const { values } = parseArgs({
    args: Deno.args,
    options: { check: { type: 'boolean', default: false } },
  });
  const fresh = await generateOpenApi();
  if (values.check) {
    const committed = await Deno.readTextFile(OPENAPI_FILE).catch(() => '');
    if (committed !== fresh) {
      console.error(`${OPENAPI_FILE} is out of date: run \`deno task gen:openapi\` and commit it.`);
      Deno.exit(1);
    }
    console.log(`${OPENAPI_FILE} is up to date.`);
  } else {
    await Deno.writeTextFile(OPENAPI_FILE, fresh);
    console.log(`wrote ${OPENAPI_FILE}`);
  }
}

/** Unit test of scripts/gen-openapi.ts: the committed document is what the routes generate. */
import assert from 'node:assert/strict';
import { generateOpenApi, OPENAPI_FILE } from '../../../scripts/gen-openapi.ts';

Deno.test('packages/client/openapi.json is what the route definitions generate', async () => {
  assert.equal(
    await Deno.readTextFile(OPENAPI_FILE),
    await generateOpenApi(),
    'run `deno task gen:openapi` and commit packages/client/openapi.json',
  );
});

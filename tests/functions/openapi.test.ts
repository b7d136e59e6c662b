/**
 * `GET /modules/openapi.json`: the function's OpenAPI 3.1 document, served to the project's API
 * key alone, valid for the OpenAPI 3.1 schema, and the same as the committed
 * `packages/client/openapi.json` (the typed client and the contract check read that file).
 */
import assert from 'node:assert/strict';
import { Validator } from '@seriousme/openapi-schema-validator';
import { app } from '../../supabase/functions/modules/app.ts';
import { PROBLEMS } from '../../supabase/functions/_shared/problem.ts';
import { document, templateFor } from '../_support/contract.ts';
import { api, assertProblem, withWorld } from '../_support/fixtures.ts';
import { stack } from '../_support/env.ts';

Deno.test('openapi.json is served to the API key alone and matches the committed document', async () => {
  const res = await api('GET', '/openapi.json', { token: stack.anonKey });
  assert.equal(res.status, 200, JSON.stringify(res.body));
  assert.match(res.headers.get('content-type') ?? '', /^application\/json/);
  assert.deepEqual(
    res.body,
    document,
    'packages/client/openapi.json is out of date: run `deno task gen:openapi` and commit it',
  );
});

Deno.test('openapi.json is served to a signed-in user too', async () => {
  await withWorld(async (w) => {
    const res = await api('GET', '/openapi.json', { token: w.users.member.token });
    assert.equal(res.status, 200);
    assert.equal(res.body.openapi, '3.1.0');
  });
});

Deno.test('openapi.json refuses other methods with 405', async () => {
  const res = await api('POST', '/openapi.json', { token: stack.anonKey, body: {} });
  assertProblem(res, 405, 'method_not_allowed');
  assert.equal(res.headers.get('allow'), 'GET, HEAD, OPTIONS');
});

Deno.test('openapi.json is a valid OpenAPI 3.1 document', async () => {
  const validator = new Validator();
  const result = await validator.validate(
    structuredClone(document) as unknown as Parameters<Validator['validate']>[0],
  );
  assert.equal(validator.version, '3.1');
  assert.deepEqual(result, { valid: true });
});

Deno.test('openapi.json documents every route of the function', () => {
  const documented = new Set<string>();
  for (const [path, operations] of Object.entries(document.paths)) {
    for (const method of Object.keys(operations)) documented.add(`${method.toUpperCase()} ${path}`);
  }
  const routes = new Set(
    app.routes
      .filter((r) => r.method !== 'ALL' && !r.path.endsWith('*'))
      .map((r) => `${r.method} ${r.path.replace(/:([A-Za-z]+)/g, '{$1}')}`),
  );
  assert.deepEqual([...routes].sort(), [...documented].sort());
});

Deno.test('openapi.json gives every operation an id, a 2xx answer and only known codes', () => {
  const ids = new Set<string>();
  for (const [path, operations] of Object.entries(document.paths)) {
    assert.equal(templateFor(`/functions/v1${path}`), path);
    for (const [method, operation] of Object.entries(operations)) {
      assert.ok(operation.operationId, `${method} ${path} has an operationId`);
      assert.ok(!ids.has(operation.operationId), `${operation.operationId} is unique`);
      ids.add(operation.operationId);
      const statuses = Object.keys(operation.responses).map(Number);
      assert.ok(statuses.some((s) => s >= 200 && s < 300), `${operation.operationId} has a 2xx`);
      for (const [status, response] of Object.entries(operation.responses)) {
        const schema = response.content?.['application/problem+json']?.schema as
          | { allOf: [unknown, { properties: { code: { enum: string[] } } }] }
          | undefined;
        if (Number(status) < 400) continue;
        assert.ok(schema, `${operation.operationId} ${status} is a problem`);
        for (const code of schema.allOf[1].properties.code.enum) {
          assert.equal(
            PROBLEMS[code as keyof typeof PROBLEMS]?.status,
            Number(status),
            `${operation.operationId}: ${code} comes with ${status}`,
          );
        }
      }
    }
  }
});

Deno.test('a catalog module whose settings schema is true is listed as the document says', async () => {
  await withWorld(async (w) => {
    const moduleId = await w.catalogModule({ settingsSchema: true });
    // api() checks the answer against the document.
    const res = await api('GET', '', { token: w.users.member.token });
    assert.equal(res.status, 200);
    const listed = res.body.find((m: { id: string }) => m.id === moduleId);
    assert.equal(listed.settings_schema, true);
  });
});

/** Unit tests of supabase/functions/_shared/openapi.ts: no stack needed. */
import assert from 'node:assert/strict';
import { createRoute, z } from '@hono/zod-openapi';
import {
  JSON_BODY,
  PARAMS,
  problems,
  validatedRoutes,
} from '../../../../supabase/functions/_shared/openapi.ts';
import { problemResponse, toApiError } from '../../../../supabase/functions/_shared/problem.ts';

/** The codes a `problems()` response declares for its status. */
function codesOf(response: { content: Record<string, unknown> }): string[] {
  const { schema } = response.content['application/problem+json'] as {
    schema: z.ZodObject<{ code: z.ZodEnum }>;
  };
  return schema.shape.code.options as string[];
}

Deno.test('problems groups codes by the status each comes with, and adds 401, 500 and 503', () => {
  const responses = problems(...PARAMS, ...JSON_BODY, 'forbidden', 'purge_refused');
  assert.deepEqual(Object.keys(responses).map(Number), [400, 401, 403, 413, 415, 500, 503]);
  assert.deepEqual(codesOf(responses[400]), ['invalid_json', 'invalid_request']);
  assert.deepEqual(codesOf(responses[403]), ['forbidden', 'purge_refused']);
  assert.deepEqual(codesOf(responses[503]), ['auth_unavailable', 'upstream_unavailable']);
  assert.match(responses[403].description, /`forbidden`: Not allowed; `purge_refused`/);
});

Deno.test('problems lists a code given twice once', () => {
  assert.deepEqual(codesOf(problems('invalid_request', ...PARAMS)[400]), ['invalid_request']);
});

const route = createRoute({
  method: 'post',
  path: '/things/{id}',
  request: {
    params: z.object({ id: z.string().regex(/^[0-9]+$/, 'must be digits') }),
    query: z.strictObject({ flag: z.enum(['true', 'false']).optional() }),
    body: {
      required: true,
      content: { 'application/json': { schema: z.strictObject({ name: z.string() }) } },
    },
  },
  responses: { 200: { description: 'ok' } },
});

function app() {
  const routes = validatedRoutes();
  routes.openapi(route, (c) => c.json({ ...c.req.valid('json'), ...c.req.valid('param') }, 200));
  routes.onError((err) => problemResponse(toApiError(err)));
  return routes;
}

function post(path: string, body: string) {
  return app().request(path, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body,
  });
}

Deno.test('validatedRoutes passes a valid request to the handler', async () => {
  const res = await post('/things/12', '{"name": "a"}');
  assert.equal(res.status, 200);
  assert.deepEqual(await res.json(), { name: 'a', id: '12' });
});

Deno.test('validatedRoutes answers a bad path, query or body with a 400 naming the field', async () => {
  for (
    const [path, body, errorPath, detail] of [
      ['/things/x', '{"name": "a"}', 'params.id', /invalid tenant or module id/],
      ['/things/1?flag=yes', '{"name": "a"}', 'query.flag', /query string/],
      ['/things/1?other=1', '{"name": "a"}', 'query', /query string/],
      ['/things/1', '{"name": 1}', 'body.name', /expected shape/],
      ['/things/1', '{"name": "a", "x": 1}', 'body', /expected shape/],
    ] as const
  ) {
    const res = await post(path, body);
    assert.equal(res.status, 400, path);
    assert.equal(res.headers.get('content-type'), 'application/problem+json');
    const problem = await res.json();
    assert.equal(problem.code, 'invalid_request');
    assert.match(problem.detail, detail);
    assert.deepEqual(problem.errors.map((e: { path: string }) => e.path), [errorPath], path);
  }
});

Deno.test('validatedRoutes answers malformed JSON with 400 invalid_json', async () => {
  const res = await post('/things/1', '{"name": ');
  assert.equal(res.status, 400);
  assert.equal((await res.json()).code, 'invalid_json');
});

Deno.test('validatedRoutes answers a body of another media type with 415', async () => {
  const res = await app().request('/things/1', {
    method: 'POST',
    headers: { 'content-type': 'text/plain' },
    body: '{"name": "a"}',
  });
  assert.equal(res.status, 415);
  assert.equal((await res.json()).code, 'unsupported_media_type');
});

Deno.test('problems declares the headers every code of a status carries', () => {
  const responses = problems('forbidden') as Record<number, { headers?: Record<string, unknown> }>;
  assert.deepEqual(Object.keys(responses[401].headers ?? {}), ['www-authenticate']);
  assert.deepEqual(Object.keys(responses[503].headers ?? {}), ['retry-after']);
  assert.equal(responses[403].headers, undefined);
  assert.equal(responses[500].headers, undefined);
});

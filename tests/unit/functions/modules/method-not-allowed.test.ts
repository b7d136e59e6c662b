/**
 * The catch-all after a path's routes (supabase/functions/modules/method-not-allowed.ts): any
 * other method gets 405 with `Allow`, answered through the app's one error handler.
 */
import assert from 'node:assert/strict';
import { Hono } from 'hono';
import { methodNotAllowed } from '../../../../supabase/functions/modules/method-not-allowed.ts';
import { problemResponse, toApiError } from '../../../../supabase/functions/_shared/problem.ts';

/** An app with `GET /catalog` and `POST, DELETE /things`, and the function's error handler. */
function app(): Hono {
  return new Hono()
    .get('/catalog', (c) => c.json([]))
    .all('/catalog', methodNotAllowed('GET'))
    .post('/things', (c) => c.body(null, 201))
    .delete('/things', (c) => c.body(null, 204))
    .all('/things', methodNotAllowed('POST', 'DELETE'))
    .onError((err) => problemResponse(toApiError(err)));
}

Deno.test('methodNotAllowed answers 405 problem+json naming the methods to use', async () => {
  const res = await app().request('/catalog', { method: 'DELETE' });
  assert.equal(res.status, 405);
  assert.equal(res.headers.get('content-type'), 'application/problem+json');
  const body = await res.json();
  assert.equal(body.code, 'method_not_allowed');
  assert.equal(body.status, 405);
  assert.equal(body.detail, 'DELETE is not supported here; use GET.');
});

Deno.test('methodNotAllowed lists HEAD in Allow when GET is allowed, and always OPTIONS', async () => {
  for (const method of ['POST', 'PUT', 'PATCH', 'DELETE']) {
    const res = await app().request('/catalog', { method });
    await res.body?.cancel();
    assert.equal(res.status, 405, method);
    assert.equal(res.headers.get('allow'), 'GET, HEAD, OPTIONS', method);
  }
});

Deno.test('methodNotAllowed leaves HEAD out of Allow when GET is not allowed', async () => {
  for (const method of ['GET', 'HEAD', 'PUT', 'PATCH']) {
    const res = await app().request('/things', { method });
    assert.equal(res.status, 405, method);
    assert.equal(res.headers.get('allow'), 'POST, DELETE, OPTIONS', method);
    if (method !== 'HEAD') {
      assert.match((await res.json()).detail, new RegExp(`^${method} .*; use POST or DELETE\\.$`));
    }
  }
});

Deno.test('methodNotAllowed lets the methods of the path through to their routes', async () => {
  const a = app();
  assert.equal((await a.request('/catalog')).status, 200);
  assert.equal((await a.request('/things', { method: 'POST' })).status, 201);
  assert.equal((await a.request('/things', { method: 'DELETE' })).status, 204);
});

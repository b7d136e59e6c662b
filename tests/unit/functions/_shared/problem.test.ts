/** Problems (supabase/functions/_shared/problem.ts): the codes, ApiError and the response. */
import assert from 'node:assert/strict';
import { HTTPException } from 'hono/http-exception';
import {
  ApiError,
  problemResponse,
  toApiError,
} from '../../../../supabase/functions/_shared/problem.ts';

Deno.test('toApiError turns hono exceptions into problems and keeps ApiErrors', () => {
  const original = new ApiError('already_installed', 'x');
  assert.equal(toApiError(original), original);
  const malformed = toApiError(
    new HTTPException(400, { message: 'Malformed JSON in request body' }),
  );
  assert.equal(malformed.status, 400);
  assert.equal(malformed.code, 'invalid_json');
  assert.equal(toApiError(new HTTPException(413)).code, 'payload_too_large');
});

Deno.test('problemResponse writes RFC 9457 problem+json with the extra headers', async () => {
  const res = problemResponse(
    new ApiError('invalid_request', 'Bad.', [{ path: 'body.a', message: 'wrong' }], {
      'x-extra': '1',
    }),
  );
  assert.equal(res.status, 400);
  assert.equal(res.headers.get('content-type'), 'application/problem+json');
  assert.equal(res.headers.get('x-extra'), '1');
  assert.deepEqual(await res.json(), {
    type: 'urn:module-registry:problem:invalid_request',
    title: 'Invalid request',
    status: 400,
    detail: 'Bad.',
    code: 'invalid_request',
    errors: [{ path: 'body.a', message: 'wrong' }],
  });
});

Deno.test('problemResponse leaves errors out when there are none', async () => {
  const body = await problemResponse(new ApiError('not_found', 'No.')).json();
  assert.equal('errors' in body, false);
});

Deno.test('problemResponse writes extension members after the standard ones', async () => {
  const dependents = [{ module_id: 'agency', version: '1.0.0', range: '^1.2.0' }];
  const res = problemResponse(
    new ApiError('required_by', 'Needed.', undefined, undefined, { dependents }),
  );
  const text = await res.text();
  assert.deepEqual(Object.keys(JSON.parse(text)), [
    'type',
    'title',
    'status',
    'detail',
    'code',
    'dependents',
  ]);
  assert.deepEqual(JSON.parse(text).dependents, dependents);
});

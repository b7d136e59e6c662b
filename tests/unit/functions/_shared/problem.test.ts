/** Problems (supabase/functions/_shared/problem.ts): the codes, ApiError and the response. */
import assert from 'node:assert/strict';
import { HTTPException } from 'hono/http-exception';
import {
  ApiError,
  type ProblemCode,
  problemResponse,
  PROBLEMS,
  toApiError,
} from '../../../../supabase/functions/_shared/problem.ts';

const CODES = Object.keys(PROBLEMS) as ProblemCode[];

/** `fn`'s result, with console.error silenced (toApiError logs what it does not know). */
function quietly<T>(fn: () => T): { result: T; logged: unknown[][] } {
  const log = console.error;
  const logged: unknown[][] = [];
  console.error = (...args: unknown[]) => logged.push(args);
  try {
    return { result: fn(), logged };
  } finally {
    console.error = log;
  }
}

Deno.test('every problem code is snake_case with an error status and a title', () => {
  assert.ok(CODES.length > 0);
  for (const code of CODES) {
    const { status, title } = PROBLEMS[code];
    assert.match(code, /^[a-z]+(_[a-z]+)*$/, code);
    assert.ok(Number.isInteger(status) && status >= 400 && status <= 599, `${code}: ${status}`);
    assert.ok(typeof title === 'string' && title.trim().length > 0, `${code} has a title`);
  }
});

Deno.test('ApiError takes its status and title from its code, for every code', () => {
  for (const code of CODES) {
    const error = new ApiError(code, `about ${code}`);
    assert.equal(error.status, PROBLEMS[code].status, code);
    assert.deepEqual(error.toProblem(), {
      type: `urn:module-registry:problem:${code}`,
      title: PROBLEMS[code].title,
      status: PROBLEMS[code].status,
      detail: `about ${code}`,
      code,
    });
    assert.equal(error.message, `about ${code}`);
    assert.ok(error instanceof Error);
  }
  assert.equal(new ApiError('method_not_allowed', 'x').status, 405);
  assert.equal(new ApiError('upstream_unavailable', 'x').status, 503);
});

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

Deno.test('toApiError maps other hono exceptions to 400 invalid_request with their message', () => {
  const refused = toApiError(new HTTPException(409, { message: 'Use JSON.' }));
  assert.deepEqual([refused.status, refused.code, refused.detail], [
    400,
    'invalid_request',
    'Use JSON.',
  ]);
  const mediaType = toApiError(new HTTPException(415, { message: 'Unsupported Media Type' }));
  assert.deepEqual([mediaType.status, mediaType.code], [415, 'unsupported_media_type']);
  const silent = toApiError(new HTTPException(404));
  assert.deepEqual([silent.code, silent.detail], ['invalid_request', 'The request was refused.']);
  const tooLarge = toApiError(new HTTPException(413, { message: 'Body over 1 MiB' }));
  assert.deepEqual([tooLarge.status, tooLarge.detail], [413, 'The body is too large.']);
});

Deno.test('toApiError reports anything else as a logged 500 that does not echo it', () => {
  for (
    const thrown of [new Error('secret: db password'), new TypeError('x is undefined'), 'boom']
  ) {
    const { result, logged } = quietly(() => toApiError(thrown));
    assert.equal(result.status, 500);
    assert.equal(result.code, 'internal_error');
    assert.equal(result.detail, 'Unexpected error.');
    assert.doesNotMatch(JSON.stringify(result.toProblem()), /secret|undefined|boom/);
    assert.deepEqual(logged, [['unhandled error', thrown]], 'the cause goes to the log');
  }
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
  const empty = await problemResponse(new ApiError('invalid_request', 'No.', [])).json();
  assert.equal('errors' in empty, false, 'an empty list is left out too');
});

Deno.test('problemResponse always says application/problem+json, whatever the extra headers', async () => {
  const res = problemResponse(
    new ApiError('unauthorized', 'Who?', undefined, {
      'Content-Type': 'text/plain',
      'WWW-Authenticate': 'Bearer',
    }),
  );
  assert.equal(res.status, 401);
  assert.equal(res.headers.get('content-type'), 'application/problem+json');
  assert.equal(res.headers.get('www-authenticate'), 'Bearer');
  assert.equal((await res.json()).title, PROBLEMS.unauthorized.title);
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

Deno.test('problemResponse carries the headers of its code, which an error may override', () => {
  const unavailable = problemResponse(new ApiError('upstream_unavailable', 'Down.'));
  assert.equal(unavailable.headers.get('retry-after'), '1');
  const unauthorized = problemResponse(new ApiError('unauthorized', 'Who?'));
  assert.equal(unauthorized.headers.get('www-authenticate'), 'Bearer realm="modules"');
  const later = problemResponse(
    new ApiError('auth_unavailable', 'Down.', undefined, { 'Retry-After': '5' }),
  );
  assert.equal(later.headers.get('retry-after'), '5');
  assert.equal(problemResponse(new ApiError('forbidden', 'No.')).headers.has('retry-after'), false);
});

import assert from 'node:assert/strict';
import {
  isApiProblem,
  networkFailure,
  readBody,
  toResult,
} from '../../../../../packages/client/src/result.ts';

const PROBLEM = {
  type: 'urn:module-registry:problem:forbidden',
  title: 'Not allowed',
  status: 403,
  detail: "Only the tenant's owners and admins manage its modules.",
  code: 'forbidden',
};

Deno.test('readBody parses JSON media types and keeps anything else as text', () => {
  assert.deepEqual(readBody('application/json', '{"a":1}'), { json: { a: 1 } });
  assert.deepEqual(readBody('application/json; charset=utf-8', '[1]'), {
    json: [1],
  });
  assert.deepEqual(readBody('application/problem+json', '{"a":1}'), {
    json: { a: 1 },
  });
  assert.deepEqual(readBody('application/json', '{"a":'), { text: '{"a":' });
  assert.deepEqual(readBody('application/json', ''), { text: '' });
  assert.deepEqual(readBody('text/html', '<p>'), { text: '<p>' });
  assert.deepEqual(readBody(null, '{}'), { text: '{}' });
  assert.deepEqual(readBody('application/jsonx', '{}'), { text: '{}' });
});

Deno.test('isApiProblem wants every member the API always sends', () => {
  assert.equal(isApiProblem(PROBLEM), true);
  assert.equal(isApiProblem({ ...PROBLEM, status: '403' }), false);
  assert.equal(isApiProblem({ code: 401, message: 'Invalid JWT' }), false);
  assert.equal(isApiProblem([PROBLEM]), false);
  assert.equal(isApiProblem(null), false);
});

Deno.test('toResult: a 2xx is its JSON body, or null for a route that answers 204', () => {
  assert.deepEqual(toResult({ status: 200, body: { json: [1] } }, 'json'), {
    data: [1],
    error: null,
  });
  assert.deepEqual(
    toResult({ status: 201, body: { json: { a: 1 } } }, 'json'),
    {
      data: { a: 1 },
      error: null,
    },
  );
  assert.deepEqual(toResult({ status: 204, body: { text: '' } }, 'none'), {
    data: null,
    error: null,
  });
});

Deno.test('toResult: a problem body is the error as sent, extension members included', () => {
  const problem = {
    ...PROBLEM,
    dependents: [{ module_id: 'x', version: '1.0.0', range: '^1' }],
  };
  assert.deepEqual(toResult({ status: 403, body: { json: problem } }, 'json'), {
    data: null,
    error: problem,
  });
});

Deno.test('toResult: a 2xx without JSON or a failure without a problem is unexpected_response', () => {
  const html = { status: 502, body: { text: '<html>Bad Gateway</html>' } };
  const { data, error } = toResult(html, 'json');
  assert.equal(data, null);
  assert.equal(error?.code, 'unexpected_response');
  assert.equal(error?.status, 502);
  assert.equal(error?.type, 'urn:module-registry:problem:unexpected_response');
  assert.equal(error?.body, '<html>Bad Gateway</html>');
  assert.match(
    error?.detail ?? '',
    /^HTTP 502, a failure without a problem body: <html>/,
  );

  const boot = toResult(
    { status: 503, body: { json: { code: 'BOOT_ERROR' } } },
    'json',
  );
  assert.equal(boot.error?.code, 'unexpected_response');
  assert.equal(boot.error?.body, '{"code":"BOOT_ERROR"}');

  const portal = toResult({ status: 200, body: { text: '<html>' } }, 'json');
  assert.equal(portal.error?.code, 'unexpected_response');
  assert.match(
    portal.error?.detail ?? '',
    /a success without the expected JSON body/,
  );

  const long = toResult(
    { status: 500, body: { text: 'x'.repeat(5000) } },
    'json',
  );
  assert.equal(
    long.error?.body?.length,
    2001,
    'the body is cut at 2,000 characters',
  );
});

Deno.test("toResult: the gateway's own 401 is unauthorized", () => {
  const { error } = toResult({
    status: 401,
    body: { json: { code: 401, message: 'Invalid JWT' } },
  }, 'json');
  assert.equal(error?.code, 'unauthorized');
  assert.equal(error?.status, 401);
  assert.equal(error?.body, '{"code":401,"message":"Invalid JWT"}');
});

Deno.test('networkFailure is network_error with status 0 and the cause, aborts said so', () => {
  const cause = new TypeError('error sending request: connection refused');
  const { data, error } = networkFailure(cause);
  assert.equal(data, null);
  assert.equal(error?.code, 'network_error');
  assert.equal(error?.status, 0);
  assert.equal(error?.cause, cause);
  assert.match(
    error?.detail ?? '',
    /^No answer from the server: error sending request/,
  );
  const aborted = networkFailure(
    new DOMException('The signal has been aborted', 'AbortError'),
  );
  assert.match(aborted.error?.detail ?? '', /^The request was aborted/);
  assert.equal(
    networkFailure('offline').error?.detail,
    'No answer from the server: offline',
  );
});

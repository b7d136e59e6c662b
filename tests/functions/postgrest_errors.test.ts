import assert from 'node:assert/strict';
import { HTTPException } from 'hono/http-exception';
import { upstreamError } from '../../supabase/functions/_shared/postgrest-errors.ts';
import { ApiError, problemResponse, toApiError } from '../../supabase/functions/_shared/problem.ts';

const CASES: [string, number, { code?: string; message?: string }, number, string][] = [
  [
    'a network failure (status 0)',
    0,
    { code: '', message: 'TypeError: fetch failed' },
    503,
    'upstream_unavailable',
  ],
  ['a 502 from the gateway', 502, { message: 'bad gateway' }, 503, 'upstream_unavailable'],
  [
    'PostgREST unable to connect (PGRST000)',
    503,
    { code: 'PGRST000' },
    503,
    'upstream_unavailable',
  ],
  [
    'PostgREST schema cache loading (PGRST002)',
    503,
    { code: 'PGRST002' },
    503,
    'upstream_unavailable',
  ],
  ['PGRST003 pool timeout even with a 504', 504, { code: 'PGRST003' }, 503, 'upstream_unavailable'],
  ['Postgres shutting down (57P01)', 503, { code: '57P01' }, 503, 'upstream_unavailable'],
  ['too many connections (53300)', 400, { code: '53300' }, 503, 'upstream_unavailable'],
  ['RLS refusal (42501)', 403, { code: '42501' }, 403, 'forbidden'],
  ['unique violation (23505)', 409, { code: '23505' }, 409, 'already_installed'],
  ['foreign key violation (23503)', 409, { code: '23503' }, 422, 'module_unavailable'],
  [
    'check violation (23514)',
    400,
    { code: '23514', message: 'tenant_modules_settings_object' },
    422,
    'invalid_settings',
  ],
  [
    'the settings size check (23514)',
    400,
    { code: '23514', message: 'violates check constraint "tenant_modules_settings_size"' },
    413,
    'payload_too_large',
  ],
  ['no row for .single() (PGRST116)', 406, { code: 'PGRST116' }, 404, 'not_found'],
  ['JWT refused by PostgREST (PGRST301)', 401, { code: 'PGRST301' }, 401, 'unauthorized'],
  ['JWT expired at PostgREST (PGRST303)', 401, { code: 'PGRST303' }, 401, 'unauthorized'],
  ['an unsupported Unicode escape (22P05)', 400, { code: '22P05' }, 400, 'invalid_request'],
  ['invalid JSON text (22P02)', 400, { code: '22P02' }, 400, 'invalid_request'],
  ['statement too complex (54001)', 400, { code: '54001' }, 400, 'invalid_request'],
];

for (const [what, status, error, expected, code] of CASES) {
  Deno.test(`upstreamError maps ${what} to ${expected} ${code}`, () => {
    const mapped = upstreamError(status, error);
    assert.equal(mapped.status, expected);
    assert.equal(mapped.code, code);
  });
}

Deno.test('upstreamError asks the client to retry a 503 after a second', () => {
  assert.deepEqual(upstreamError(0, { message: 'fetch failed' }).headers, { 'retry-after': '1' });
});

Deno.test('upstreamError reports an unknown upstream code as a 500 internal_error', () => {
  const log = console.error;
  console.error = () => {};
  try {
    const mapped = upstreamError(400, { code: 'XX999', message: 'surprise' });
    assert.equal(mapped.status, 500);
    assert.equal(mapped.code, 'internal_error');
    assert.doesNotMatch(mapped.detail, /surprise/, 'upstream messages are not echoed to clients');
  } finally {
    console.error = log;
  }
});

Deno.test('toApiError turns hono exceptions into problems and keeps ApiErrors', () => {
  const original = new ApiError(409, 'already_installed', 'x');
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
    new ApiError(400, 'invalid_request', 'Bad.', [{ path: 'body.a', message: 'wrong' }], {
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
  const body = await problemResponse(new ApiError(404, 'not_found', 'No.')).json();
  assert.equal('errors' in body, false);
});

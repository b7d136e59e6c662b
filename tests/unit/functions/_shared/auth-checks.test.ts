import assert from 'node:assert/strict';
import {
  AuthApiError,
  AuthInvalidJwtError,
  AuthRetryableFetchError,
  AuthSessionMissingError,
  AuthUnknownError,
} from '@supabase/supabase-js';
import {
  authUnavailable,
  isAuthOutage,
  isKeySet,
  judgeClaims,
} from '../../../../supabase/functions/_shared/auth-checks.ts';

const NOW = 1_700_000_000;
const user = {
  sub: '6f1c2b1e-8a43-4c8e-9b1e-2f0a7d3c5e91',
  aud: 'authenticated',
  role: 'authenticated',
  exp: NOW + 3600,
};

Deno.test('judgeClaims takes a signed-in user for one', () => {
  assert.equal(judgeClaims(user, NOW), 'user');
  assert.equal(judgeClaims({ ...user, aud: ['other', 'authenticated'] }, NOW), 'user');
  assert.equal(judgeClaims({ ...user, nbf: NOW }, NOW), 'user');
});

Deno.test('judgeClaims calls expired, premature or foreign tokens invalid', () => {
  const cases: [string, Record<string, unknown>][] = [
    ['no exp', { ...user, exp: undefined }],
    ['exp not a number', { ...user, exp: String(NOW + 3600) }],
    ['exp now', { ...user, exp: NOW }],
    ['exp past', { ...user, exp: NOW - 1 }],
    ['nbf in the future', { ...user, nbf: NOW + 1 }],
    ['nbf not a number', { ...user, nbf: 'soon' }],
    ['no aud', { ...user, aud: undefined }],
    ['another aud', { ...user, aud: 'another-project' }],
    ['aud list without authenticated', { ...user, aud: ['a', 'b'] }],
  ];
  for (const [what, claims] of cases) assert.equal(judgeClaims(claims, NOW), 'invalid', what);
});

Deno.test('judgeClaims tells a valid token that is no user', () => {
  const cases: [string, Record<string, unknown>][] = [
    ['the anon role', { ...user, role: 'anon' }],
    ['the service_role', { ...user, role: 'service_role' }],
    ['no role', { ...user, role: undefined }],
    ['no sub', { ...user, sub: undefined }],
    ['a sub that is no UUID', { ...user, sub: 'admin' }],
    ['a sub that is a number', { ...user, sub: 42 }],
  ];
  for (const [what, claims] of cases) {
    assert.equal(judgeClaims(claims, NOW), 'not_a_user', what);
  }
});

Deno.test('isAuthOutage is true when Auth gave no answer, a 5xx or a 429', () => {
  assert.equal(isAuthOutage(new AuthRetryableFetchError('fetch failed', 0)), true);
  assert.equal(isAuthOutage(new AuthRetryableFetchError('bad gateway', 502)), true);
  assert.equal(isAuthOutage(new AuthApiError('too many requests', 429, undefined)), true);
  assert.equal(isAuthOutage(new AuthApiError('http version', 505, undefined)), true);
});

Deno.test("isAuthOutage is false for Auth's verdicts on the token and for other errors", () => {
  assert.equal(isAuthOutage(new AuthApiError('invalid JWT', 401, 'bad_jwt')), false);
  assert.equal(isAuthOutage(new AuthApiError('user not found', 403, 'user_not_found')), false);
  assert.equal(isAuthOutage(new AuthApiError('no route', 404, undefined)), false);
  assert.equal(isAuthOutage(new AuthSessionMissingError()), false);
  assert.equal(isAuthOutage(new AuthInvalidJwtError('JWT has expired')), false);
  assert.equal(isAuthOutage(new AuthUnknownError('not JSON', new SyntaxError())), false);
  assert.equal(isAuthOutage(new Error('anything else')), false);
  assert.equal(isAuthOutage(undefined), false);
});

Deno.test('isKeySet accepts an object holding an array of keys, and nothing else', () => {
  assert.equal(isKeySet({ keys: [] }), true);
  assert.equal(isKeySet({ keys: [{ kty: 'EC' }, { kty: 'RSA' }] }), true);
  for (const value of [null, [], 'keys', { keys: {} }, { keys: [1] }, { keys: [[]] }, {}]) {
    assert.equal(isKeySet(value), false, JSON.stringify(value));
  }
});

Deno.test('authUnavailable is a 503 auth_unavailable to retry, not the database', () => {
  const error = authUnavailable();
  assert.deepEqual([error.status, error.code], [503, 'auth_unavailable']);
  assert.equal(error.headers?.['retry-after'], '1');
  assert.match(error.detail, /Auth server is unreachable/);
  assert.doesNotMatch(error.detail, /database/i);
});

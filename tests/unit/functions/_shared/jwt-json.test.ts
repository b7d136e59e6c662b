/** The duplicate-member check of supabase/functions/_shared/jwt-json.ts, without a stack. */
import assert from 'node:assert/strict';
import {
  duplicateKeyIn,
  duplicateMember,
} from '../../../../supabase/functions/_shared/jwt-json.ts';

const b64url = (text: string) =>
  btoa(String.fromCharCode(...new TextEncoder().encode(text))).replace(/=+$/, '')
    .replace(/\+/g, '-').replace(/\//g, '_');

Deno.test('duplicateMember finds a member named twice in one object, at any depth', () => {
  const cases: [string, string | undefined][] = [
    ['{"a":1,"b":2}', undefined],
    ['{"a":1,"a":2}', 'a'],
    ['{"role":"service_role","sub":"x","role":"authenticated"}', 'role'],
    ['{"r\\u006fle":"a","role":"b"}', 'role'],
    ['{"a":{"b":1,"b":2}}', 'b'],
    ['{"a":[{"b":1},{"b":2}]}', undefined],
    ['{"a":{"b":1},"b":{"a":1}}', undefined],
    ['{"a":"{\\"a\\":1,","b":"\\"a\\""}', undefined],
    ['{"a":["a","a"],"b":"a"}', undefined],
    ['{"__proto__":1,"__proto__":2}', '__proto__'],
    ['{"":1,"":2}', ''],
    ['{"a":{},"c":[],"a":0}', 'a'],
    ['[1,{"x":1,"x":1}]', 'x'],
    ['"just a string"', undefined],
  ];
  for (const [json, expected] of cases) {
    JSON.parse(json);
    assert.equal(duplicateMember(json), expected, json);
  }
});

Deno.test('duplicateKeyIn reads the header and the payload of a compact JWT', () => {
  const token = (header: string, payload: string) => `${b64url(header)}.${b64url(payload)}.sig`;
  assert.equal(duplicateKeyIn(token('{"alg":"HS256"}', '{"sub":"é","role":"x"}')), undefined);
  assert.equal(duplicateKeyIn(token('{"alg":"none","alg":"HS256"}', '{}')), 'alg');
  assert.equal(duplicateKeyIn(token('{"alg":"HS256"}', '{"role":"a","role":"b"}')), 'role');
  for (const bad of ['a.b.c', `${b64url('{"alg":1}')}.${b64url('not json')}.x`, 'only-one']) {
    assert.throws(() => duplicateKeyIn(bad), bad);
  }
});

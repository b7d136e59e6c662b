/** Checks on untrusted JSON and number-keeping parsing (supabase/functions/_shared/json.ts). */
import assert from 'node:assert/strict';
import {
  isJsonObject,
  jsonProblem,
  MAX_DEPTH,
  parseExactJson,
} from '../../../../supabase/functions/_shared/json.ts';

/** `levels` arrays or objects (alternating), one inside the other, around `inner`. */
function nested(levels: number, inner: unknown = 1): unknown {
  let value = inner;
  for (let i = 0; i < levels; i++) value = i % 2 ? [value] : { a: value };
  return value;
}

Deno.test('isJsonObject is true for objects only, not for null, arrays or scalars', () => {
  assert.equal(isJsonObject({}), true);
  assert.equal(isJsonObject(JSON.parse('{"a": [1]}')), true);
  assert.equal(isJsonObject(Object.create(null)), true);
  for (const value of [null, undefined, [], [{}], 'x', '{}', 0, 1, true, false]) {
    assert.equal(isJsonObject(value), false, JSON.stringify(value) ?? String(value));
  }
});

Deno.test('jsonProblem accepts what JSON.parse gives for ordinary settings', () => {
  for (
    const value of [
      null,
      true,
      0,
      -1.5,
      '',
      'é 😀 \t',
      [],
      {},
      JSON.parse('{"a": {"b": [1, "two", null, false, {"c": 1e300}]}, "": 0}'),
    ]
  ) {
    assert.equal(jsonProblem(value), undefined, JSON.stringify(value));
  }
});

Deno.test(`jsonProblem accepts ${MAX_DEPTH} levels of nesting and refuses one more`, () => {
  assert.equal(MAX_DEPTH, 32);
  const message = `nesting deeper than ${MAX_DEPTH} levels`;
  assert.equal(jsonProblem(nested(MAX_DEPTH)), undefined);
  assert.equal(jsonProblem(nested(MAX_DEPTH, 'a deep scalar is no level')), undefined);
  assert.equal(jsonProblem(nested(MAX_DEPTH + 1)), message);
  assert.equal(jsonProblem(nested(MAX_DEPTH + 1, {})), message, 'an empty object counts');
  assert.equal(jsonProblem({ shallow: 1, deep: nested(MAX_DEPTH) }), message);
  assert.equal(jsonProblem([1, [2, nested(MAX_DEPTH - 2)]]), undefined, 'arrays are levels');
  assert.equal(jsonProblem([1, [2, nested(MAX_DEPTH - 1)]]), message, 'arrays are levels');
});

Deno.test('jsonProblem walks hostile nesting without recursion', () => {
  const deep = nested(200_000);
  assert.equal(jsonProblem(deep), `nesting deeper than ${MAX_DEPTH} levels`);
});

Deno.test('jsonProblem refuses numbers JSON cannot carry back, at any place', () => {
  for (
    const value of [
      Infinity,
      -Infinity,
      NaN,
      JSON.parse('1e400'),
      JSON.parse('{"a": [1, {"b": -1e999}]}'),
      { ok: 1, bad: NaN },
    ]
  ) {
    assert.equal(jsonProblem(value), 'numbers must be finite', String(value));
  }
});

Deno.test('jsonProblem refuses what jsonb refuses: NUL and lone surrogates, in values and keys', () => {
  const nul = 'strings must not contain NUL (\\u0000) characters';
  const surrogate = 'strings must not contain lone UTF-16 surrogates';
  const cases: [unknown, string | undefined][] = [
    ['a\u0000b', nul],
    [JSON.parse('{"a": ["x", "\\u0000"]}'), nul],
    [{ 'key\u0000': 1 }, nul],
    [{ a: { '\u0000': null } }, nul],
    ['\ud800', surrogate],
    ['x\udc00y', surrogate],
    ['\ude00\ud83d', surrogate],
    [JSON.parse('{"a": "\\ud83d"}'), surrogate],
    [{ '\udfff': 1 }, surrogate],
    [{ a: [{ ['b\ud800']: 'fine' }] }, surrogate],
    ['\ud83d\ude00', undefined],
    [{ '\ud83d\ude00': '\ud83d\ude00' }, undefined],
  ];
  for (const [value, expected] of cases) {
    assert.equal(jsonProblem(value), expected, JSON.stringify(value));
  }
});

Deno.test('parseExactJson writes every number back through JSON.stringify as it was written', () => {
  const text = '{"big":12345678901234567890,"price":1.10,"tiny":0.000001000,"exp":1e2,"neg":-0.0,' +
    '"list":[12345678901234567890,1.10,3,2.5],"plain":42,"s":"1.10"}';
  assert.equal(JSON.stringify(parseExactJson(text)), text);
  assert.notEqual(JSON.stringify(JSON.parse(text)), text, 'plain JSON.parse would change them');
});

Deno.test('parseExactJson keeps numbers a double holds exactly as plain numbers', () => {
  const parsed = parseExactJson('{"a": 42, "b": 2.5, "c": -7, "d": [0, 1e-7]}') as {
    a: number;
    b: number;
    c: number;
    d: number[];
  };
  assert.deepEqual(parsed, { a: 42, b: 2.5, c: -7, d: [0, 1e-7] });
  assert.equal(parsed.a + 1, 43);
});

Deno.test('parseExactJson gives objects, arrays, strings and null as JSON.parse does', () => {
  const text = '{"a": {"b": [null, true, "x"]}, "c": "12345678901234567890"}';
  assert.deepEqual(parseExactJson(text), JSON.parse(text));
  assert.throws(() => parseExactJson('{"a": 1,}'), SyntaxError);
  assert.throws(() => parseExactJson(''), SyntaxError);
});

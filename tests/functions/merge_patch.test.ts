import assert from 'node:assert/strict';
import { mergePatch } from '../../supabase/functions/_shared/merge-patch.ts';
import type { JsonValue } from '../../supabase/functions/_shared/json.ts';

// RFC 7396, Appendix A: every example, target + patch = result.
const RFC_EXAMPLES: [JsonValue, JsonValue, JsonValue][] = [
  [{ a: 'b' }, { a: 'c' }, { a: 'c' }],
  [{ a: 'b' }, { b: 'c' }, { a: 'b', b: 'c' }],
  [{ a: 'b' }, { a: null }, {}],
  [{ a: 'b', b: 'c' }, { a: null }, { b: 'c' }],
  [{ a: ['b'] }, { a: 'c' }, { a: 'c' }],
  [{ a: 'c' }, { a: ['b'] }, { a: ['b'] }],
  [{ a: { b: 'c' } }, { a: { b: 'd', c: null } }, { a: { b: 'd' } }],
  [{ a: [{ b: 'c' }] }, { a: [1] }, { a: [1] }],
  [['a', 'b'], ['c', 'd'], ['c', 'd']],
  [{ a: 'b' }, ['c'], ['c']],
  [{ a: 'foo' }, null, null],
  [{ a: 'foo' }, 'bar', 'bar'],
  [{ e: null }, { a: 1 }, { e: null, a: 1 }],
  [[1, 2], { a: 'b', c: null }, { a: 'b' }],
  [{}, { a: { bb: { ccc: null } } }, { a: { bb: {} } }],
];

for (const [i, [target, patch, expected]] of RFC_EXAMPLES.entries()) {
  Deno.test(`mergePatch matches RFC 7396 appendix example ${i + 1}`, () => {
    assert.deepEqual(mergePatch(target, patch), expected);
  });
}

Deno.test('mergePatch merges nested objects and keeps untouched keys', () => {
  const target = { branding: { primary_color: '#000000', logo: 'a.png' }, currency: 'USD' };
  assert.deepEqual(mergePatch(target, { branding: { primary_color: '#FFFFFF' } }), {
    branding: { primary_color: '#FFFFFF', logo: 'a.png' },
    currency: 'USD',
  });
});

Deno.test('mergePatch leaves its arguments unchanged', () => {
  const target = { a: { b: 1 }, list: [1, 2] };
  const patch = { a: { b: null, c: 2 }, list: [3] };
  const before = JSON.stringify([target, patch]);
  mergePatch(target, patch);
  assert.equal(JSON.stringify([target, patch]), before);
});

Deno.test('mergePatch treats __proto__ and constructor as plain keys without polluting prototypes', () => {
  const patch = JSON.parse(
    '{"__proto__": {"polluted": true}, "constructor": {"prototype": {"x": 1}}}',
  );
  const result = mergePatch({ a: 1 }, patch) as Record<string, unknown>;
  assert.equal(({} as Record<string, unknown>).polluted, undefined);
  assert.equal(Object.getPrototypeOf(result), Object.prototype);
  assert.deepEqual(Object.keys(result), ['a', '__proto__', 'constructor']);
  assert.deepEqual(JSON.parse(JSON.stringify(result)), {
    a: 1,
    ['__proto__']: { polluted: true },
    constructor: { prototype: { x: 1 } },
  });
});

Deno.test('mergePatch removes a __proto__ key with null like any other', () => {
  const target = JSON.parse('{"__proto__": {"x": 1}, "b": 2}');
  assert.deepEqual(Object.keys(mergePatch(target, JSON.parse('{"__proto__": null}')) as object), [
    'b',
  ]);
});

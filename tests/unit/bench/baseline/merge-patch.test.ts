/** The bench's baseline JavaScript merge (bench/baseline/merge-patch.ts). */
import assert from 'node:assert/strict';
import { mergePatch } from '../../../../bench/baseline/merge-patch.ts';
import { RFC_EXAMPLES } from '../../../_support/rfc7396.ts';

Deno.test('baseline mergePatch matches every RFC 7396 appendix example', () => {
  for (const [i, [target, patch, expected]] of RFC_EXAMPLES.entries()) {
    assert.deepEqual(mergePatch(target, patch), expected, `example ${i + 1}`);
  }
});

Deno.test('baseline mergePatch leaves its arguments as they were', () => {
  const target = { a: { b: 1, c: 2 }, d: [1] };
  const patch = { a: { b: null, e: 3 }, d: [2] };
  const before = structuredClone([target, patch]);
  assert.deepEqual(mergePatch(target, patch), { a: { c: 2, e: 3 }, d: [2] });
  assert.deepEqual([target, patch], before);
});

Deno.test('baseline mergePatch keeps a __proto__ key as plain data, in the patch and the target', () => {
  const patch = JSON.parse('{"__proto__": {"polluted": true}, "a": {"__proto__": {"x": 1}}}');
  const merged = mergePatch({}, patch) as Record<string, unknown>;
  assert.deepEqual(Object.keys(merged), ['__proto__', 'a']);
  assert.equal(Object.getPrototypeOf(merged), Object.prototype);
  assert.equal(({} as Record<string, unknown>).polluted, undefined);
  assert.deepEqual(JSON.parse(JSON.stringify(merged)), patch);
  const kept = mergePatch(JSON.parse('{"__proto__": {"t": 1}}'), { a: 1 }) as object;
  assert.deepEqual(Object.keys(kept), ['__proto__', 'a'], 'a target key too');
  assert.equal(Object.getPrototypeOf(kept), Object.prototype);
});

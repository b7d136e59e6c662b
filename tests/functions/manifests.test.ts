import assert from 'node:assert/strict';
import { type JsonObject, jsonProblem } from '../../supabase/functions/_shared/json.ts';
import { manifestOf, parseSettings } from '../../supabase/functions/_shared/modules/mod.ts';

Deno.test('agency manifest applies every default to empty settings', () => {
  assert.deepEqual(parseSettings('agency', {}), {
    ok: true,
    settings: { timezone: 'UTC', currency: 'USD', max_clients: 100 },
  });
});

Deno.test('agency manifest keeps valid values and branding', () => {
  const settings = {
    timezone: 'Europe/Paris',
    currency: 'EUR',
    max_clients: 10_000,
    branding: { primary_color: '#1a2B3c' },
  };
  assert.deepEqual(parseSettings('agency', settings), { ok: true, settings });
});

const BAD: [string, JsonObject, string][] = [
  ['an unknown time zone', { timezone: 'Mars/Olympus_Mons' }, 'settings.timezone'],
  ['a time zone that is not a string', { timezone: 1 }, 'settings.timezone'],
  ['a lowercase currency', { currency: 'eur' }, 'settings.currency'],
  ['a four-letter currency', { currency: 'EURO' }, 'settings.currency'],
  ['a made-up currency', { currency: 'ZZZ' }, 'settings.currency'],
  ['zero max_clients', { max_clients: 0 }, 'settings.max_clients'],
  ['too many max_clients', { max_clients: 10_001 }, 'settings.max_clients'],
  ['fractional max_clients', { max_clients: 1.5 }, 'settings.max_clients'],
  ['max_clients as a string', { max_clients: '100' }, 'settings.max_clients'],
  ['a short color', { branding: { primary_color: '#fff' } }, 'settings.branding.primary_color'],
  ['a named color', { branding: { primary_color: 'red' } }, 'settings.branding.primary_color'],
  ['branding without a color', { branding: {} }, 'settings.branding.primary_color'],
  [
    'an unknown branding key',
    { branding: { primary_color: '#FFFFFF', logo: 'x' } },
    'settings.branding',
  ],
  ['an unknown key', { theme: 'dark' }, 'settings'],
  ['a __proto__ key', JSON.parse('{"__proto__": {"x": 1}}'), 'settings'],
];

for (const [what, settings, path] of BAD) {
  Deno.test(`agency manifest refuses ${what}`, () => {
    const result = parseSettings('agency', settings);
    assert.equal(result.ok, false);
    if (!result.ok) {
      assert.ok(result.errors.some((e) => e.path === path), JSON.stringify(result.errors));
    }
  });
}

Deno.test('agency manifest accepts time-zone aliases Intl knows and refuses Intl oddities', () => {
  for (
    const timezone of ['UTC', 'Etc/GMT+1', 'US/Eastern', 'America/Port-au-Prince', 'Asia/Kolkata']
  ) {
    assert.equal(parseSettings('agency', { timezone }).ok, true, timezone);
  }
  for (
    const timezone of ['', 'utc', 'europe/paris', '+01:00', 'Europe/Paris ', 'Local', 'Mars/Base']
  ) {
    assert.equal(parseSettings('agency', { timezone }).ok, false, JSON.stringify(timezone));
  }
});

Deno.test('a module without a manifest accepts any JSON object unchanged', () => {
  assert.equal(manifestOf('no-manifest'), undefined);
  const settings = { anything: [1, { nested: true }], n: null };
  assert.deepEqual(parseSettings('no-manifest', settings), { ok: true, settings });
});

Deno.test('jsonProblem refuses strings and keys that jsonb cannot store', () => {
  assert.match(jsonProblem({ a: 'x\u0000y' }) ?? '', /NUL/);
  assert.match(jsonProblem({ ['k\u0000']: 1 }) ?? '', /NUL/);
  assert.match(jsonProblem({ a: ['\ud800'] }) ?? '', /surrogate/);
  assert.match(jsonProblem({ ['\udc00']: 1 }) ?? '', /surrogate/);
  assert.equal(jsonProblem({ emoji: '💥', accents: 'éà', cjk: '漢字' }), undefined);
});

Deno.test('jsonProblem refuses non-finite numbers and deep nesting, iteratively', () => {
  assert.equal(jsonProblem({ a: 1, b: [1, { c: 'x' }] }), undefined);
  assert.match(jsonProblem({ a: Infinity }) ?? '', /finite/);
  assert.match(
    jsonProblem(JSON.parse('{"a":' + '['.repeat(40) + ']'.repeat(40) + '}')) ?? '',
    /nesting/,
  );
  assert.match(jsonProblem(JSON.parse('['.repeat(100_000) + ']'.repeat(100_000))) ?? '', /nesting/);
});

/**
 * `POST /modules/tenants/{tenantId}`: install with validated settings, over HTTP against the
 * local stack. Every refusal is checked against the database: nothing is written.
 */
import assert from 'node:assert/strict';
import { api, ROW_KEYS, withWorld, type World } from '../_support/fixtures.ts';

const AGENCY_DEFAULTS = { timezone: 'UTC', currency: 'USD', max_clients: 100 };
const agencyVersion: string = JSON.parse(
  await Deno.readTextFile(new URL('../../supabase/modules/agency.json', import.meta.url)),
).version;

function install(
  w: World,
  body: unknown,
  options: { raw?: BodyInit; headers?: Record<string, string> } = {},
) {
  return api('POST', `/tenants/${w.tenantId}`, {
    token: w.users.admin.token,
    body: options.raw === undefined ? body : undefined,
    ...options,
  });
}

/** Asserts a problem response and that tenant A still has no module installed. */
async function assertRefused(
  w: World,
  res: { status: number; body: { code: string; status: number }; headers: Headers },
  status: number,
  code: string,
) {
  assert.equal(res.status, status, JSON.stringify(res.body));
  assert.match(res.headers.get('content-type') ?? '', /^application\/problem\+json/);
  assert.equal(res.body.code, code);
  assert.equal(res.body.status, status);
  assert.equal(await w.state(), '[]', 'nothing was installed');
}

Deno.test('install stores agency defaults', async () => {
  await withWorld(async (w) => {
    const res = await install(w, { module_id: 'agency' });
    assert.equal(res.status, 201, JSON.stringify(res.body));
    assert.deepEqual(res.body.settings, AGENCY_DEFAULTS);
    assert.equal(res.body.enabled, true);
    assert.equal(res.body.tenant_id, w.tenantId);
    assert.equal(res.body.module_id, 'agency');
    assert.deepEqual(Object.keys(res.body).sort(), ROW_KEYS);
    assert.equal(res.body.version, agencyVersion);
    assert.deepEqual((await w.row('agency'))?.settings, AGENCY_DEFAULTS);
  });
});

Deno.test('install keeps given agency settings and fills in the missing defaults', async () => {
  await withWorld(async (w) => {
    const res = await install(w, {
      module_id: 'agency',
      settings: { timezone: 'Europe/Paris', branding: { primary_color: '#1A2b3C' } },
      enabled: false,
    });
    assert.equal(res.status, 201, JSON.stringify(res.body));
    const expected = {
      ...AGENCY_DEFAULTS,
      timezone: 'Europe/Paris',
      branding: { primary_color: '#1A2b3C' },
    };
    assert.deepEqual(res.body.settings, expected);
    assert.equal(res.body.enabled, false);
    const row = await w.row('agency');
    assert.deepEqual(row?.settings, expected);
    assert.equal(row?.enabled, false);
  });
});

Deno.test('install of a module without a settings schema stores any JSON object as sent', async () => {
  await withWorld(async (w) => {
    const moduleId = await w.catalogModule();
    const settings = { nested: { list: [1, 'two', null, { three: true }] }, empty: {}, n: 1.5 };
    const res = await install(w, { module_id: moduleId, settings });
    assert.equal(res.status, 201, JSON.stringify(res.body));
    assert.deepEqual(res.body.settings, settings);
    assert.deepEqual((await w.row(moduleId))?.settings, settings);
  });
});

Deno.test('install refuses settings that break the agency schema with 422 naming the field', async (t) => {
  const bad: [string, Record<string, unknown>, string][] = [
    ['an unknown time zone', { timezone: 'Mars/Olympus_Mons' }, 'settings.timezone'],
    ['a lowercase currency', { currency: 'usd' }, 'settings.currency'],
    ['a currency that is not ISO 4217', { currency: 'ZZZ' }, 'settings.currency'],
    ['max_clients of 0', { max_clients: 0 }, 'settings.max_clients'],
    ['max_clients over 10000', { max_clients: 10_001 }, 'settings.max_clients'],
    ['a fractional max_clients', { max_clients: 2.5 }, 'settings.max_clients'],
    ['a bad color', { branding: { primary_color: 'blue' } }, 'settings.branding.primary_color'],
    [
      'an unknown branding key',
      { branding: { primary_color: '#000000', logo: 'x' } },
      'settings.branding',
    ],
    ['an unknown key', { theme: 'dark' }, 'settings'],
  ];
  await withWorld(async (w) => {
    for (const [what, settings, path] of bad) {
      await t.step(what, async () => {
        const res = await install(w, { module_id: 'agency', settings });
        await assertRefused(w, res, 422, 'invalid_settings');
        assert.ok(
          res.body.errors.some((e: { path: string }) => e.path === path),
          JSON.stringify(res.body.errors),
        );
      });
    }
  });
});

Deno.test('install of a module already installed is 409 and keeps the first install', async () => {
  await withWorld(async (w) => {
    assert.equal(
      (await install(w, { module_id: 'agency', settings: { currency: 'EUR' } })).status,
      201,
    );
    const before = await w.state();
    const res = await install(w, { module_id: 'agency', settings: { currency: 'GBP' } });
    assert.equal(res.status, 409);
    assert.equal(res.body.code, 'already_installed');
    assert.equal(await w.state(), before);
  });
});

Deno.test('install of a module missing from the catalog is 422 module_unavailable', async () => {
  await withWorld(async (w) => {
    const res = await install(w, { module_id: 'no-such-module' });
    await assertRefused(w, res, 422, 'module_unavailable');
  });
});

Deno.test('install of an inactive module is 422 module_unavailable', async () => {
  await withWorld(async (w) => {
    const moduleId = await w.catalogModule({ active: false });
    const res = await install(w, { module_id: moduleId });
    await assertRefused(w, res, 422, 'module_unavailable');
  });
});

Deno.test('install refuses bodies of the wrong shape with 400 listing the fields', async (t) => {
  const bad: [string, unknown, string][] = [
    ['no module_id', {}, 'body.module_id'],
    ['a module_id that is not a slug', { module_id: 'Agency!' }, 'body.module_id'],
    ['settings that are an array', { module_id: 'agency', settings: [1] }, 'body.settings'],
    ['settings that are a string', { module_id: 'agency', settings: 'x' }, 'body.settings'],
    ['enabled that is not a boolean', { module_id: 'agency', enabled: 'yes' }, 'body.enabled'],
    ['an unknown key', { module_id: 'agency', extra: 1 }, 'body'],
    ['an array body', [{ module_id: 'agency' }], 'body'],
    ['a null body', null, 'body'],
  ];
  await withWorld(async (w) => {
    for (const [what, body, path] of bad) {
      await t.step(what, async () => {
        const res = await install(w, body, {
          raw: JSON.stringify(body),
          headers: { 'content-type': 'application/json' },
        });
        await assertRefused(w, res, 400, 'invalid_request');
        assert.ok(
          res.body.errors.some((e: { path: string }) => e.path === path),
          JSON.stringify(res.body.errors),
        );
      });
    }
  });
});

Deno.test('install refuses values Postgres cannot store with 400', async (t) => {
  const bad: [string, string][] = [
    ['a NUL character in a string', '{"module_id":"MOD","settings":{"a":"x\\u0000y"}}'],
    ['a NUL character in a key', '{"module_id":"MOD","settings":{"a\\u0000":1}}'],
    ['a lone surrogate', '{"module_id":"MOD","settings":{"a":"\\ud800"}}'],
    ['a number too large for JSON', '{"module_id":"MOD","settings":{"a":1e400}}'],
    [
      'nesting deeper than 32 levels',
      `{"module_id":"MOD","settings":${'{"a":'.repeat(40)}1${'}'.repeat(40)}}`,
    ],
  ];
  await withWorld(async (w) => {
    const moduleId = await w.catalogModule();
    for (const [what, raw] of bad) {
      await t.step(what, async () => {
        const res = await install(w, undefined, {
          raw: raw.replace('MOD', moduleId),
          headers: { 'content-type': 'application/json' },
        });
        await assertRefused(w, res, 400, 'invalid_request');
      });
    }
  });
});

Deno.test('install refuses malformed JSON with 400 invalid_json', async () => {
  await withWorld(async (w) => {
    const res = await install(w, undefined, {
      raw: '{"module_id": "agency",',
      headers: { 'content-type': 'application/json' },
    });
    await assertRefused(w, res, 400, 'invalid_json');
  });
});

Deno.test('install refuses a body that is not sent as JSON with 415', async (t) => {
  await withWorld(async (w) => {
    for (
      const type of [
        'text/plain',
        'application/x-www-form-urlencoded',
        'application/json; charset=utf-16',
      ]
    ) {
      await t.step(type, async () => {
        const res = await install(w, undefined, {
          raw: JSON.stringify({ module_id: 'agency' }),
          headers: { 'content-type': type },
        });
        await assertRefused(w, res, 415, 'unsupported_media_type');
      });
    }
    await t.step('no content type at all', async () => {
      const res = await install(w, undefined, {
        raw: new Blob([JSON.stringify({ module_id: 'agency' })]),
      });
      await assertRefused(w, res, 415, 'unsupported_media_type');
    });
  });
});

Deno.test('install accepts application/json with charset and +json media types', async () => {
  await withWorld(async (w) => {
    const res = await install(w, undefined, {
      raw: JSON.stringify({ module_id: 'agency' }),
      headers: { 'content-type': 'application/json; charset=UTF-8' },
    });
    assert.equal(res.status, 201, JSON.stringify(res.body));
  });
});

Deno.test('install refuses a body over 64 KiB with 413, by Content-Length and when streamed', async (t) => {
  await withWorld(async (w) => {
    const moduleId = await w.catalogModule();
    const big = JSON.stringify({ module_id: moduleId, settings: { blob: 'x'.repeat(64 * 1024) } });
    await t.step('with Content-Length', async () => {
      const res = await install(w, undefined, {
        raw: big,
        headers: { 'content-type': 'application/json' },
      });
      await assertRefused(w, res, 413, 'payload_too_large');
    });
    await t.step('chunked, without Content-Length', async () => {
      const bytes = new TextEncoder().encode(big);
      const stream = new ReadableStream<Uint8Array>({
        start(controller) {
          for (let i = 0; i < bytes.length; i += 8192) controller.enqueue(bytes.slice(i, i + 8192));
          controller.close();
        },
      });
      const res = await install(w, undefined, {
        raw: stream,
        headers: { 'content-type': 'application/json' },
      });
      await assertRefused(w, res, 413, 'payload_too_large');
    });
    await t.step('just under the limit is accepted', async () => {
      const settings = { blob: 'x'.repeat(60 * 1024) };
      const res = await install(w, { module_id: moduleId, settings });
      assert.equal(res.status, 201, JSON.stringify(res.body).slice(0, 300));
      assert.equal((await w.row(moduleId))?.settings.blob, settings.blob);
    });
  });
});

Deno.test('install treats __proto__ in settings as plain data', async () => {
  await withWorld(async (w) => {
    const moduleId = await w.catalogModule();
    const raw =
      `{"module_id":"${moduleId}","settings":{"__proto__":{"polluted":true},"constructor":{"prototype":{"x":1}}}}`;
    const res = await install(w, undefined, {
      raw,
      headers: { 'content-type': 'application/json' },
    });
    assert.equal(res.status, 201, JSON.stringify(res.body));
    assert.equal(({} as Record<string, unknown>).polluted, undefined);
    const [{ keys }] = await w.sql<{ keys: string[] }[]>`
      select array(select jsonb_object_keys(settings) order by 1) as keys
      from public.tenant_modules where tenant_id = ${w.tenantId} and module_id = ${moduleId}`;
    assert.deepEqual(keys, ['__proto__', 'constructor']);
  });
});

Deno.test('install refuses __proto__ in agency settings as an unknown key', async () => {
  await withWorld(async (w) => {
    const res = await install(w, undefined, {
      raw: '{"module_id":"agency","settings":{"__proto__":{"max_clients":5}}}',
      headers: { 'content-type': 'application/json' },
    });
    await assertRefused(w, res, 422, 'invalid_settings');
  });
});

Deno.test('install with bad settings answers who may not install before what is wrong', async (t) => {
  await withWorld(async (w) => {
    const body = { module_id: 'agency', settings: { currency: 'nope' } };
    for (
      const [who, status, code] of [
        ['member', 403, 'forbidden'],
        ['otherAdmin', 404, 'tenant_not_found'],
        ['stranger', 404, 'tenant_not_found'],
        ['owner', 422, 'invalid_settings'],
      ] as const
    ) {
      await t.step(`${who} gets ${status}`, async () => {
        const res = await api('POST', `/tenants/${w.tenantId}`, { token: w.token(who), body });
        await assertRefused(w, res, status, code);
      });
    }
  });
});

/**
 * `PATCH /modules/tenants/{tenantId}/{moduleId}/settings`: JSON Merge Patch (RFC 7396) of the
 * settings, validated by the database against the module's settings schema, without losing
 * concurrent merges.
 */
import assert from 'node:assert/strict';
import { api, withWorld, type World } from '../_support/fixtures.ts';

function merge(w: World, moduleId: string, patch: unknown, token = w.users.admin.token) {
  return api('PATCH', `/tenants/${w.tenantId}/${moduleId}/settings`, { token, body: patch });
}

Deno.test('settings merge recurses into objects and keeps untouched keys', async () => {
  await withWorld(async (w) => {
    const moduleId = await w.catalogModule();
    await w.install(moduleId, { settings: { a: { b: 1, c: 2 }, keep: 'me' } });
    const res = await merge(w, moduleId, { a: { c: 3, d: 4 } });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    const expected = { a: { b: 1, c: 3, d: 4 }, keep: 'me' };
    assert.deepEqual(res.body.settings, expected);
    assert.deepEqual((await w.row(moduleId))?.settings, expected);
  });
});

Deno.test('settings merge removes keys patched with null, nested too', async () => {
  await withWorld(async (w) => {
    const moduleId = await w.catalogModule();
    await w.install(moduleId, { settings: { a: 1, b: { c: 2, d: 3 } } });
    const res = await merge(w, moduleId, { a: null, b: { c: null }, missing: null });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.deepEqual((await w.row(moduleId))?.settings, { b: { d: 3 } });
  });
});

Deno.test('settings merge replaces arrays instead of merging them', async () => {
  await withWorld(async (w) => {
    const moduleId = await w.catalogModule();
    await w.install(moduleId, { settings: { list: [1, 2, 3], obj: { x: 1 } } });
    const res = await merge(w, moduleId, { list: [4], obj: [5] });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.deepEqual((await w.row(moduleId))?.settings, { list: [4], obj: [5] });
  });
});

Deno.test('settings merge returns the row with a newer updated_at', async () => {
  await withWorld(async (w) => {
    await w.install('agency');
    const before = await w.row('agency');
    const res = await merge(w, 'agency', { currency: 'EUR' });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.equal(res.body.tenant_id, w.tenantId);
    assert.equal(res.body.module_id, 'agency');
    assert.ok(new Date(res.body.updated_at) > before!.updated_at);
    assert.equal(new Date(res.body.installed_at).getTime(), before!.installed_at.getTime());
  });
});

Deno.test('settings merge on agency applies the defaults and validates the result', async () => {
  await withWorld(async (w) => {
    await w.install('agency', { settings: {} });
    const res = await merge(w, 'agency', { branding: { primary_color: '#ABCDEF' } });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.deepEqual((await w.row('agency'))?.settings, {
      timezone: 'UTC',
      currency: 'USD',
      max_clients: 100,
      branding: { primary_color: '#ABCDEF' },
    });
  });
});

Deno.test('settings merge removing an optional agency key with null', async () => {
  await withWorld(async (w) => {
    await w.install('agency', {
      settings: {
        timezone: 'UTC',
        currency: 'USD',
        max_clients: 5,
        branding: { primary_color: '#000000' },
      },
    });
    const res = await merge(w, 'agency', { branding: null, max_clients: null });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    // max_clients removed, then restored to its default by the schema.
    assert.deepEqual((await w.row('agency'))?.settings, {
      timezone: 'UTC',
      currency: 'USD',
      max_clients: 100,
    });
  });
});

Deno.test('settings merge that breaks the agency schema is 422 and changes nothing', async (t) => {
  const bad: [string, Record<string, unknown>, string][] = [
    ['a time zone that does not exist', { timezone: 'Europe/Atlantis' }, 'settings.timezone'],
    ['a currency of four letters', { currency: 'EURO' }, 'settings.currency'],
    ['max_clients as a string', { max_clients: '10' }, 'settings.max_clients'],
    ['max_clients negative', { max_clients: -1 }, 'settings.max_clients'],
    [
      'a color without #',
      { branding: { primary_color: 'ABCDEF' } },
      'settings.branding.primary_color',
    ],
    ['an unknown key', { colour: 'red' }, 'settings'],
  ];
  await withWorld(async (w) => {
    await w.install('agency', { settings: { timezone: 'UTC', currency: 'USD', max_clients: 100 } });
    for (const [what, patch, path] of bad) {
      await t.step(what, async () => {
        const before = await w.state();
        const res = await merge(w, 'agency', patch);
        assert.equal(res.status, 422, JSON.stringify(res.body));
        assert.equal(res.body.code, 'invalid_settings');
        assert.ok(
          res.body.errors.some((e: { path: string }) => e.path === path),
          JSON.stringify(res.body),
        );
        assert.equal(await w.state(), before, 'nothing changed');
      });
    }
  });
});

Deno.test('settings merge refuses a body that is not a JSON object with 400', async (t) => {
  await withWorld(async (w) => {
    await w.install('agency');
    for (const body of [[1, 2], 'text', 42, null, true]) {
      await t.step(JSON.stringify(body), async () => {
        const before = await w.state();
        const res = await api('PATCH', `/tenants/${w.tenantId}/agency/settings`, {
          token: w.users.admin.token,
          raw: JSON.stringify(body),
          headers: { 'content-type': 'application/json' },
        });
        assert.equal(res.status, 400, JSON.stringify(res.body));
        assert.equal(res.body.code, 'invalid_request');
        assert.equal(await w.state(), before);
      });
    }
  });
});

Deno.test('settings merge accepts application/merge-patch+json', async () => {
  await withWorld(async (w) => {
    await w.install('agency');
    const res = await api('PATCH', `/tenants/${w.tenantId}/agency/settings`, {
      token: w.users.owner.token,
      body: { currency: 'JPY' },
      headers: { 'content-type': 'application/merge-patch+json' },
    });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.equal((await w.row('agency'))?.settings.currency, 'JPY');
  });
});

Deno.test('settings merge of a module that is not installed is 404 module_not_installed', async () => {
  await withWorld(async (w) => {
    const res = await merge(w, 'agency', { currency: 'EUR' });
    assert.equal(res.status, 404);
    assert.equal(res.body.code, 'module_not_installed');
    assert.equal(await w.state(), '[]');
  });
});

Deno.test('settings merge whose result would exceed 64 KiB is 413 and changes nothing', async () => {
  await withWorld(async (w) => {
    const moduleId = await w.catalogModule();
    await w.install(moduleId, { settings: { a: 'x'.repeat(40 * 1024) } });
    const before = await w.state();
    const res = await merge(w, moduleId, { b: 'y'.repeat(40 * 1024) });
    assert.equal(res.status, 413, JSON.stringify(res.body).slice(0, 300));
    assert.equal(res.body.code, 'payload_too_large');
    assert.equal(await w.state(), before);
  });
});

Deno.test('settings merge on a deactivated module is 422 module_unavailable', async () => {
  await withWorld(async (w) => {
    const moduleId = await w.catalogModule();
    await w.install(moduleId, { settings: { a: 1 } });
    await w.sql`update public.modules set is_active = false where id = ${moduleId}`;
    const before = await w.state();
    const res = await merge(w, moduleId, { a: 2 });
    assert.equal(res.status, 422, JSON.stringify(res.body));
    assert.equal(res.body.code, 'module_unavailable');
    assert.equal(await w.state(), before);
  });
});

Deno.test('settings merge by 25 concurrent clients keeps every key', async () => {
  await withWorld(async (w) => {
    const moduleId = await w.catalogModule();
    await w.install(moduleId, { settings: { base: true } });
    const tokens = [w.users.owner.token, w.users.admin.token];
    const results = await Promise.all(
      Array.from(
        { length: 25 },
        (_, i) => merge(w, moduleId, { [`k${i}`]: i, nested: { [`n${i}`]: i } }, tokens[i % 2]),
      ),
    );
    for (const [i, res] of results.entries()) {
      assert.equal(res.status, 200, `client ${i}: ${JSON.stringify(res.body)}`);
    }
    const settings = (await w.row(moduleId))!.settings as Record<string, unknown>;
    const expected: Record<string, unknown> = { base: true, nested: {} };
    for (let i = 0; i < 25; i++) {
      expected[`k${i}`] = i;
      (expected.nested as Record<string, number>)[`n${i}`] = i;
    }
    assert.deepEqual(settings, expected);
  });
});

Deno.test('settings merge by 25 concurrent clients on agency keeps the last write of each key', async () => {
  await withWorld(async (w) => {
    await w.install('agency', { settings: { timezone: 'UTC', currency: 'USD', max_clients: 1 } });
    const patches = [
      ...Array.from({ length: 12 }, (_, i) => ({ max_clients: i + 2 })),
      ...Array.from({ length: 12 }, () => ({ currency: 'EUR' })),
      { branding: { primary_color: '#123456' } },
    ];
    const results = await Promise.all(patches.map((p) => merge(w, 'agency', p)));
    assert.ok(results.every((r) => r.status === 200), JSON.stringify(results.map((r) => r.status)));
    const settings = (await w.row('agency'))!.settings;
    assert.equal(settings.currency, 'EUR');
    assert.deepEqual(settings.branding, { primary_color: '#123456' });
    assert.ok((settings.max_clients as number) >= 2, 'one of the max_clients writes won');
    assert.equal(settings.timezone, 'UTC');
  });
});

Deno.test('settings merge with bad settings answers who may not merge before what is wrong', async (t) => {
  await withWorld(async (w) => {
    await w.install('agency');
    for (
      const [who, status, code] of [
        ['member', 403, 'forbidden'],
        ['otherAdmin', 404, 'tenant_not_found'],
        ['stranger', 404, 'tenant_not_found'],
        ['admin', 422, 'invalid_settings'],
      ] as const
    ) {
      await t.step(`${who} gets ${status}`, async () => {
        const before = await w.state();
        const res = await merge(w, 'agency', { max_clients: 0 }, w.token(who));
        assert.equal(res.status, status, JSON.stringify(res.body));
        assert.equal(res.body.code, code);
        assert.equal(await w.state(), before);
      });
    }
  });
});

/**
 * Reading, enabling/disabling and uninstalling installed modules, and the catalog, over HTTP.
 */
import assert from 'node:assert/strict';
import { api, ROW_KEYS, withWorld } from '../_support/fixtures.ts';

const AGENCY_DEFAULTS = { timezone: 'UTC', currency: 'USD', max_clients: 100 };
const agencyFile = JSON.parse(
  await Deno.readTextFile(new URL('../../supabase/modules/agency.json', import.meta.url)),
);

Deno.test('catalog lists the active modules with their settings schemas, agency included', async () => {
  await withWorld(async (w) => {
    const inactive = await w.catalogModule({ active: false });
    const active = await w.catalogModule();
    const res = await api('GET', '', { token: w.users.stranger.token });
    assert.equal(res.status, 200);
    const agency = res.body.find((m: { id: string }) => m.id === 'agency');
    assert.deepEqual(Object.keys(agency).sort(), [
      'description',
      'id',
      'is_active',
      'name',
      'requires',
      'settings_schema',
      'version',
    ]);
    assert.equal(agency.version, agencyFile.version);
    assert.deepEqual(agency.settings_schema, agencyFile.settings_schema);
    assert.ok(res.body.every((m: { is_active: boolean }) => m.is_active));
    assert.ok(res.body.some((m: { id: string }) => m.id === active));
    assert.ok(!res.body.some((m: { id: string }) => m.id === inactive));
  });
});

Deno.test("tenant's modules lists that tenant's rows only, sorted by module", async () => {
  await withWorld(async (w) => {
    const other = await w.catalogModule();
    await w.install('agency', { settings: { currency: 'EUR' } });
    await w.install(other, { enabled: false });
    await w.install('agency', { tenantId: w.otherTenantId, settings: { currency: 'GBP' } });
    const res = await api('GET', `/tenants/${w.tenantId}`, { token: w.users.member.token });
    assert.equal(res.status, 200);
    assert.deepEqual(res.body.map((r: { module_id: string }) => r.module_id), ['agency', other]);
    assert.deepEqual(Object.keys(res.body[0]).sort(), ROW_KEYS);
    assert.ok(res.body.every((r: { tenant_id: string }) => r.tenant_id === w.tenantId));
    assert.deepEqual(res.body[0].settings, { ...AGENCY_DEFAULTS, currency: 'EUR' });
    assert.equal(res.body[1].enabled, false);
  });
});

Deno.test("tenant's modules is an empty list for a visible tenant with none installed", async () => {
  await withWorld(async (w) => {
    const res = await api('GET', `/tenants/${w.tenantId}`, { token: w.users.owner.token });
    assert.equal(res.status, 200);
    assert.deepEqual(res.body, []);
  });
});

Deno.test('tenant that does not exist is 404 like one that is not visible', async () => {
  await withWorld(async (w) => {
    const missing = crypto.randomUUID();
    const a = await api('GET', `/tenants/${missing}`, { token: w.users.owner.token });
    const b = await api('GET', `/tenants/${w.otherTenantId}`, { token: w.users.owner.token });
    assert.equal(a.status, 404);
    assert.equal(b.status, 404);
    assert.equal(a.body.code, 'tenant_not_found');
    assert.deepEqual({ ...a.body }, { ...b.body }, 'the two answers cannot be told apart');
  });
});

Deno.test('one installed module is returned to a member', async () => {
  await withWorld(async (w) => {
    await w.install('agency', { settings: { currency: 'CHF' } });
    const res = await api('GET', `/tenants/${w.tenantId}/agency`, { token: w.users.member.token });
    assert.equal(res.status, 200);
    assert.deepEqual(Object.keys(res.body).sort(), ROW_KEYS);
    assert.deepEqual(res.body.settings, { ...AGENCY_DEFAULTS, currency: 'CHF' });
  });
});

Deno.test('one module that is not installed is 404 module_not_installed', async () => {
  await withWorld(async (w) => {
    const res = await api('GET', `/tenants/${w.tenantId}/agency`, { token: w.users.member.token });
    assert.equal(res.status, 404);
    assert.equal(res.body.code, 'module_not_installed');
  });
});

Deno.test('disable then enable flips enabled and nothing else', async () => {
  await withWorld(async (w) => {
    await w.install('agency', { settings: { currency: 'EUR' } });
    const path = `/tenants/${w.tenantId}/agency`;
    const off = await api('PATCH', path, { token: w.users.admin.token, body: { enabled: false } });
    assert.equal(off.status, 200, JSON.stringify(off.body));
    assert.equal(off.body.enabled, false);
    assert.deepEqual(off.body.settings, { ...AGENCY_DEFAULTS, currency: 'EUR' });
    assert.equal((await w.row('agency'))?.enabled, false);
    const on = await api('PATCH', path, { token: w.users.owner.token, body: { enabled: true } });
    assert.equal(on.status, 200);
    assert.equal(on.body.enabled, true);
    assert.equal((await w.row('agency'))?.enabled, true);
  });
});

Deno.test('enable refuses a body that is not {enabled: boolean} with 400', async (t) => {
  await withWorld(async (w) => {
    await w.install('agency');
    for (
      const body of [{}, { enabled: 'false' }, { enabled: 0 }, { enabled: true, settings: {} }]
    ) {
      await t.step(JSON.stringify(body), async () => {
        const before = await w.state();
        const res = await api('PATCH', `/tenants/${w.tenantId}/agency`, {
          token: w.users.admin.token,
          body,
        });
        assert.equal(res.status, 400, JSON.stringify(res.body));
        assert.equal(res.body.code, 'invalid_request');
        assert.ok(res.body.errors.length > 0);
        assert.equal(await w.state(), before);
      });
    }
  });
});

Deno.test('enable of a module that is not installed is 404 module_not_installed', async () => {
  await withWorld(async (w) => {
    const res = await api('PATCH', `/tenants/${w.tenantId}/agency`, {
      token: w.users.admin.token,
      body: { enabled: true },
    });
    assert.equal(res.status, 404);
    assert.equal(res.body.code, 'module_not_installed');
  });
});

Deno.test('enable of a module the catalog deactivated is 422 and changes nothing', async () => {
  await withWorld(async (w) => {
    const moduleId = await w.catalogModule();
    await w.install(moduleId, { enabled: false });
    await w.sql`update public.modules set is_active = false where id = ${moduleId}`;
    const before = await w.state();
    const res = await api('PATCH', `/tenants/${w.tenantId}/${moduleId}`, {
      token: w.users.owner.token,
      body: { enabled: true },
    });
    assert.equal(res.status, 422, JSON.stringify(res.body));
    assert.equal(res.body.code, 'module_unavailable');
    assert.equal(await w.state(), before);
  });
});

Deno.test('uninstall deletes the row, and a second uninstall is 404', async () => {
  await withWorld(async (w) => {
    await w.install('agency');
    const path = `/tenants/${w.tenantId}/agency`;
    const first = await api('DELETE', path, { token: w.users.owner.token });
    assert.equal(first.status, 204);
    assert.equal(first.body, null);
    assert.equal(await w.row('agency'), undefined);
    const second = await api('DELETE', path, { token: w.users.owner.token });
    assert.equal(second.status, 404);
    assert.equal(second.body.code, 'module_not_installed');
  });
});

Deno.test('uninstall of a deactivated module is allowed', async () => {
  await withWorld(async (w) => {
    const moduleId = await w.catalogModule();
    await w.install(moduleId);
    await w.sql`update public.modules set is_active = false where id = ${moduleId}`;
    const res = await api('DELETE', `/tenants/${w.tenantId}/${moduleId}`, {
      token: w.users.admin.token,
    });
    assert.equal(res.status, 204);
    assert.equal(await w.row(moduleId), undefined);
  });
});

Deno.test('install, read, merge, disable, uninstall: the whole lifecycle', async () => {
  await withWorld(async (w) => {
    const token = w.users.owner.token;
    const base = `/tenants/${w.tenantId}`;
    assert.equal((await api('POST', base, { token, body: { module_id: 'agency' } })).status, 201);
    const merged = await api('PATCH', `${base}/agency/settings`, {
      token,
      body: { timezone: 'America/New_York', branding: { primary_color: '#00FF00' } },
    });
    assert.equal(merged.status, 200);
    assert.equal(
      (await api('PATCH', `${base}/agency`, { token, body: { enabled: false } })).status,
      200,
    );
    const one = await api('GET', `${base}/agency`, { token });
    assert.deepEqual(one.body.settings, {
      timezone: 'America/New_York',
      currency: 'USD',
      max_clients: 100,
      branding: { primary_color: '#00FF00' },
    });
    assert.equal(one.body.enabled, false);
    const [{ has }] = await w.sql<{ has: boolean }[]>`
      select public.tenant_has_module(${w.tenantId}, 'agency') as has`;
    assert.equal(has, false, 'a disabled module does not count as installed for other modules');
    assert.equal((await api('DELETE', `${base}/agency`, { token })).status, 204);
    assert.deepEqual((await api('GET', base, { token })).body, []);
  });
});

/**
 * Reading, enabling/disabling and uninstalling installed modules, and the catalog, over HTTP,
 * through the typed client (packages/client); malformed requests through `api`.
 */
import assert from 'node:assert/strict';
import { api, ROW_KEYS, withWorld } from '../_support/fixtures.ts';
import { modulesClient } from '../_support/modules-client.ts';

const AGENCY_DEFAULTS = { timezone: 'UTC', currency: 'USD', max_clients: 100 };
const agencyFile = JSON.parse(
  await Deno.readTextFile(new URL('../../supabase/modules/agency.json', import.meta.url)),
);

Deno.test('catalog lists the active modules with their settings schemas, agency included', async () => {
  await withWorld(async (w) => {
    const inactive = await w.catalogModule({ active: false });
    const active = await w.catalogModule();
    const { data: catalog, error } = await modulesClient('stranger', w).listCatalog();
    assert.equal(error, null);
    const agency = catalog!.find((m) => m.id === 'agency')!;
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
    assert.ok(catalog!.every((m) => m.is_active));
    assert.ok(catalog!.some((m) => m.id === active));
    assert.ok(!catalog!.some((m) => m.id === inactive));
  });
});

Deno.test("tenant's modules lists that tenant's rows only, sorted by module", async () => {
  await withWorld(async (w) => {
    const other = await w.catalogModule();
    await w.install('agency', { settings: { currency: 'EUR' } });
    await w.install(other, { enabled: false });
    await w.install('agency', { tenantId: w.otherTenantId, settings: { currency: 'GBP' } });
    const { data: rows, error } = await modulesClient('member', w).listTenantModules(w.tenantId);
    assert.equal(error, null);
    assert.deepEqual(rows!.map((r) => r.module_id), ['agency', other]);
    assert.deepEqual(Object.keys(rows![0]).sort(), ROW_KEYS);
    assert.ok(rows!.every((r) => r.tenant_id === w.tenantId));
    assert.deepEqual(rows![0].settings, { ...AGENCY_DEFAULTS, currency: 'EUR' });
    assert.equal(rows![1].enabled, false);
  });
});

Deno.test("tenant's modules is an empty list for a visible tenant with none installed", async () => {
  await withWorld(async (w) => {
    const res = await modulesClient('owner', w).listTenantModules(w.tenantId);
    assert.deepEqual(res, { data: [], error: null });
  });
});

Deno.test('tenant that does not exist is 404 like one that is not visible', async () => {
  await withWorld(async (w) => {
    const client = modulesClient('owner', w);
    const a = await client.listTenantModules(crypto.randomUUID());
    const b = await client.listTenantModules(w.otherTenantId);
    assert.equal(a.error?.status, 404);
    assert.equal(b.error?.status, 404);
    assert.equal(a.error?.code, 'tenant_not_found');
    assert.deepEqual(a, b, 'the two answers cannot be told apart');
  });
});

Deno.test('one installed module is returned to a member', async () => {
  await withWorld(async (w) => {
    await w.install('agency', { settings: { currency: 'CHF' } });
    const { data, error } = await modulesClient('member', w).getTenantModule(w.tenantId, 'agency');
    assert.equal(error, null);
    assert.deepEqual(Object.keys(data!).sort(), ROW_KEYS);
    assert.deepEqual(data!.settings, { ...AGENCY_DEFAULTS, currency: 'CHF' });
  });
});

Deno.test('one module that is not installed is 404 module_not_installed', async () => {
  await withWorld(async (w) => {
    const { error } = await modulesClient('member', w).getTenantModule(w.tenantId, 'agency');
    assert.equal(error?.status, 404);
    assert.equal(error?.code, 'module_not_installed');
  });
});

Deno.test('disable then enable flips enabled and nothing else', async () => {
  await withWorld(async (w) => {
    await w.install('agency', { settings: { currency: 'EUR' } });
    const off = await modulesClient('admin', w).setModuleEnabled(w.tenantId, 'agency', false);
    assert.equal(off.error, null, JSON.stringify(off.error));
    assert.equal(off.data?.enabled, false);
    assert.deepEqual(off.data?.settings, { ...AGENCY_DEFAULTS, currency: 'EUR' });
    assert.equal((await w.row('agency'))?.enabled, false);
    const on = await modulesClient('owner', w).setModuleEnabled(w.tenantId, 'agency', true);
    assert.equal(on.error, null);
    assert.equal(on.data?.enabled, true);
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
    const { error } = await modulesClient('admin', w).setModuleEnabled(w.tenantId, 'agency', true);
    assert.equal(error?.status, 404);
    assert.equal(error?.code, 'module_not_installed');
  });
});

Deno.test('enable of a module the catalog deactivated is 422 and changes nothing', async () => {
  await withWorld(async (w) => {
    const moduleId = await w.catalogModule();
    await w.install(moduleId, { enabled: false });
    await w.sql`update public.modules set is_active = false where id = ${moduleId}`;
    const before = await w.state();
    const { error } = await modulesClient('owner', w).setModuleEnabled(w.tenantId, moduleId, true);
    assert.equal(error?.status, 422, JSON.stringify(error));
    assert.equal(error?.code, 'module_unavailable');
    assert.equal(await w.state(), before);
  });
});

Deno.test('uninstall deletes the row, and a second uninstall is 404', async () => {
  await withWorld(async (w) => {
    await w.install('agency');
    const client = modulesClient('owner', w);
    const first = await client.uninstallModule(w.tenantId, 'agency');
    assert.deepEqual(first, { data: null, error: null });
    assert.equal(await w.row('agency'), undefined);
    const second = await client.uninstallModule(w.tenantId, 'agency');
    assert.equal(second.error?.status, 404);
    assert.equal(second.error?.code, 'module_not_installed');
  });
});

Deno.test('uninstall of a deactivated module is allowed', async () => {
  await withWorld(async (w) => {
    const moduleId = await w.catalogModule();
    await w.install(moduleId);
    await w.sql`update public.modules set is_active = false where id = ${moduleId}`;
    const res = await modulesClient('admin', w).uninstallModule(w.tenantId, moduleId);
    assert.deepEqual(res, { data: null, error: null });
    assert.equal(await w.row(moduleId), undefined);
  });
});

Deno.test('install, read, merge, disable, uninstall: the whole lifecycle', async () => {
  await withWorld(async (w) => {
    const client = modulesClient('owner', w);
    const tenant = w.tenantId;
    assert.equal((await client.installModule(tenant, 'agency')).error, null);
    const merged = await client.mergeSettings(tenant, 'agency', {
      timezone: 'America/New_York',
      branding: { primary_color: '#00FF00' },
    });
    assert.equal(merged.error, null);
    assert.equal((await client.setModuleEnabled(tenant, 'agency', false)).error, null);
    const one = await client.getTenantModule(tenant, 'agency');
    assert.deepEqual(one.data?.settings, {
      timezone: 'America/New_York',
      currency: 'USD',
      max_clients: 100,
      branding: { primary_color: '#00FF00' },
    });
    assert.equal(one.data?.enabled, false);
    const [{ has }] = await w.sql<{ has: boolean }[]>`
      select public.tenant_has_module(${w.tenantId}, 'agency') as has`;
    assert.equal(has, false, 'a disabled module does not count as installed for other modules');
    assert.deepEqual(await client.uninstallModule(tenant, 'agency'), { data: null, error: null });
    assert.deepEqual(await client.listTenantModules(tenant), { data: [], error: null });
  });
});

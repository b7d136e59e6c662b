/**
 * How clients meet the API: `supabase.functions.invoke` from @supabase/supabase-js, used as a
 * web or mobile app would, and a client that skips the function and writes
 * `/rest/v1/tenant_modules` directly, which Row Level Security holds to the same rules.
 */
import assert from 'node:assert/strict';
import { FunctionsHttpError } from '@supabase/supabase-js';
import { clientFor, withWorld } from '../_support/fixtures.ts';

Deno.test('functions.invoke reads the catalog and installs, merges, disables, uninstalls', async () => {
  await withWorld(async (w) => {
    const supabase = clientFor(w.users.owner.token);
    const base = `modules/tenants/${w.tenantId}`;

    const catalog = await supabase.functions.invoke('modules', { method: 'GET' });
    assert.equal(catalog.error, null);
    assert.ok(catalog.data.some((m: { id: string }) => m.id === 'agency'));

    const installed = await supabase.functions.invoke(base, {
      body: { module_id: 'agency', settings: { currency: 'EUR' } },
    });
    assert.equal(installed.error, null);
    assert.equal(installed.response?.status, 201);
    assert.equal(installed.data.settings.currency, 'EUR');

    const merged = await supabase.functions.invoke(`${base}/agency/settings`, {
      method: 'PATCH',
      body: { max_clients: 250 },
    });
    assert.equal(merged.error, null);
    assert.equal(merged.data.settings.max_clients, 250);

    const disabled = await supabase.functions.invoke(`${base}/agency`, {
      method: 'PATCH',
      body: { enabled: false },
    });
    assert.equal(disabled.error, null);
    assert.equal(disabled.data.enabled, false);

    const list = await supabase.functions.invoke(base, { method: 'GET' });
    assert.deepEqual(list.data.map((r: { module_id: string }) => r.module_id), ['agency']);

    const removed = await supabase.functions.invoke(`${base}/agency`, { method: 'DELETE' });
    assert.equal(removed.error, null);
    assert.equal(removed.response?.status, 204);
    assert.equal(await w.row('agency'), undefined);
  });
});

Deno.test('functions.invoke surfaces a refusal as FunctionsHttpError with the problem body', async () => {
  await withWorld(async (w) => {
    const supabase = clientFor(w.users.member.token);
    const { data, error } = await supabase.functions.invoke(`modules/tenants/${w.tenantId}`, {
      body: { module_id: 'agency' },
    });
    assert.equal(data, null);
    assert.ok(error instanceof FunctionsHttpError);
    const response = error.context as Response;
    assert.equal(response.status, 403);
    assert.match(response.headers.get('content-type') ?? '', /^application\/problem\+json/);
    const problem = await response.json();
    assert.equal(problem.code, 'forbidden');
    assert.equal(await w.state(), '[]');
  });
});

Deno.test('functions.invoke with the anon key only is 401', async () => {
  await withWorld(async (w) => {
    const anon = clientFor(w.token('anon'));
    const { error } = await anon.functions.invoke(`modules/tenants/${w.tenantId}`, {
      body: { module_id: 'agency' },
    });
    assert.ok(error instanceof FunctionsHttpError);
    const response = error.context as Response;
    assert.equal(response.status, 401);
    assert.equal((await response.json()).code, 'unauthorized');
    assert.equal(await w.state(), '[]');
  });
});

Deno.test('REST writes to tenant_modules that skip the function are held by RLS', async (t) => {
  await withWorld(async (w) => {
    await w.install('agency', { settings: { currency: 'USD' } });
    await w.install('agency', { tenantId: w.otherTenantId, settings: { currency: 'USD' } });
    const inactive = await w.catalogModule({ active: false });
    const spare = await w.catalogModule();
    const before = async () => await w.state() + await w.state(w.otherTenantId);
    const snapshot = await before();

    await t.step('a member cannot install', async () => {
      const { error } = await clientFor(w.users.member.token).from('tenant_modules')
        .insert({ tenant_id: w.tenantId, module_id: spare });
      assert.equal(error?.code, '42501');
    });
    await t.step('an admin of another tenant cannot install into this one', async () => {
      const { error } = await clientFor(w.users.otherAdmin.token).from('tenant_modules')
        .insert({ tenant_id: w.tenantId, module_id: spare });
      assert.equal(error?.code, '42501');
    });
    await t.step('an admin cannot install an inactive module', async () => {
      const { error } = await clientFor(w.users.admin.token).from('tenant_modules')
        .insert({ tenant_id: w.tenantId, module_id: inactive });
      assert.equal(error?.code, '42501');
    });
    await t.step('a member cannot change settings or enabled', async () => {
      const { data, error } = await clientFor(w.users.member.token).from('tenant_modules')
        .update({ settings: { currency: 'EUR' }, enabled: false })
        .eq('tenant_id', w.tenantId).select();
      assert.equal(error, null);
      assert.deepEqual(data, []);
    });
    await t.step('a stranger cannot see, change or delete anything', async () => {
      const db = clientFor(w.users.stranger.token);
      assert.deepEqual((await db.from('tenant_modules').select()).data, []);
      assert.deepEqual(
        (await db.from('tenant_modules').update({ enabled: false }).eq('module_id', 'agency')
          .select())
          .data,
        [],
      );
      assert.deepEqual(
        (await db.from('tenant_modules').delete().eq('module_id', 'agency').select()).data,
        [],
      );
    });
    await t.step('an admin cannot move a row to another tenant', async () => {
      const { error } = await clientFor(w.users.otherAdmin.token).from('tenant_modules')
        .update({ tenant_id: w.tenantId }).eq('tenant_id', w.otherTenantId).select();
      assert.equal(error?.code, '42501');
    });
    await t.step("an admin of another tenant cannot delete this tenant's module", async () => {
      const { data } = await clientFor(w.users.otherAdmin.token).from('tenant_modules')
        .delete().eq('tenant_id', w.tenantId).select();
      assert.deepEqual(data, []);
    });
    await t.step('the anon key sees and writes nothing', async () => {
      const anon = clientFor(w.token('anon'));
      const read = await anon.from('tenant_modules').select();
      assert.ok(read.error || read.data?.length === 0);
      const write = await anon.from('tenant_modules').insert({
        tenant_id: w.tenantId,
        module_id: spare,
      });
      assert.ok(write.error);
    });
    assert.equal(await before(), snapshot, 'no refused write reached the tables');
  });
});

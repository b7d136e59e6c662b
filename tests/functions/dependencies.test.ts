/**
 * Dependencies between a tenant's modules over HTTP: an install, an enable, a disable or an
 * uninstall that would leave an enabled module without what it requires is 409 naming the
 * modules, `with_dependencies` installs the chain all or nothing, `?cascade=true` disables or
 * uninstalls the dependents with the module, and a client on `/rest/v1` meets the same rules.
 * Test modules (`zz_…`) are published through the superuser connection.
 */
import assert from 'node:assert/strict';
import { type Catalog, withCatalog } from '../_support/catalog.ts';
import { stack } from '../_support/env.ts';
import { api, assertProblem, clientFor, type Who, type World } from '../_support/fixtures.ts';

/** base ← mid ← top: top requires mid ^1.0.0, mid requires base ^1.0.0. */
async function chain(modules: Catalog) {
  const base = await modules.add();
  const mid = await modules.add({ requires: { [base]: '^1.0.0' } });
  const top = await modules.add({ requires: { [mid]: '^1.0.0' } });
  return { base, mid, top };
}

/** The chain installed and enabled in tenant A. */
async function installedChain(w: World, modules: Catalog) {
  const ids = await chain(modules);
  for (const id of [ids.base, ids.mid, ids.top]) await w.install(id);
  return ids;
}

/** Tenant A's modules as stored: module id → enabled. */
async function enabledByModule(w: World): Promise<Record<string, boolean>> {
  const rows = await w.sql<{ module_id: string; enabled: boolean }[]>`
    select module_id, enabled from public.tenant_modules where tenant_id = ${w.tenantId}`;
  return Object.fromEntries(rows.map((r) => [r.module_id, r.enabled]));
}

function install(w: World, body: unknown, who: Who = 'admin') {
  return api('POST', `/tenants/${w.tenantId}`, { token: w.token(who), body });
}

function setEnabled(w: World, moduleId: string, enabled: boolean, query = '', who: Who = 'admin') {
  return api('PATCH', `/tenants/${w.tenantId}/${moduleId}${query}`, {
    token: w.token(who),
    body: { enabled },
  });
}

function uninstall(w: World, moduleId: string, query = '', who: Who = 'admin') {
  return api('DELETE', `/tenants/${w.tenantId}/${moduleId}${query}`, { token: w.token(who) });
}

Deno.test('install of a module whose requirement is missing is 409 missing_dependencies', async () => {
  await withCatalog(async (w, modules) => {
    const { mid, top } = await chain(modules);
    const res = await install(w, { module_id: top });
    assertProblem(res, 409, 'missing_dependencies');
    assert.deepEqual(res.body.dependencies, [
      { module_id: mid, range: '^1.0.0', installed_version: null },
    ]);
    assert.match(res.body.detail, new RegExp(`${mid} \\^1\\.0\\.0 \\(not installed\\)`));
    assert.equal(await w.state(), '[]');
  });
});

Deno.test('install names a requirement that is disabled or out of range with its version', async () => {
  await withCatalog(async (w, modules) => {
    const crm = await modules.add({ version: '1.4.0' });
    const uses = await modules.add({ requires: { [crm]: '^1.2.0' } });
    await modules.publish(crm, { version: '2.0.0' });
    const needsTwo = await modules.add({ requires: { [crm]: '^2.0.0' } });
    await w.sql`insert into public.tenant_modules (tenant_id, module_id, version, enabled)
      values (${w.tenantId}, ${crm}, '2.0.0', false)`;
    const disabled = await install(w, { module_id: uses });
    assertProblem(disabled, 409, 'missing_dependencies');
    assert.deepEqual(disabled.body.dependencies, [
      { module_id: crm, range: '^1.2.0', installed_version: '2.0.0' },
    ]);
    await w.sql`update public.tenant_modules set enabled = true where module_id = ${crm}`;
    // crm is enabled at 2.0.0, which ^1.2.0 excludes.
    const outOfRange = await install(w, { module_id: uses, with_dependencies: true });
    assertProblem(outOfRange, 409, 'missing_dependencies');
    assert.deepEqual(outOfRange.body.dependencies, [
      { module_id: crm, range: '^1.2.0', installed_version: '2.0.0' },
    ]);
    assert.equal((await install(w, { module_id: needsTwo })).status, 201);
    assert.deepEqual(await enabledByModule(w), { [crm]: true, [needsTwo]: true });
  });
});

Deno.test('install with_dependencies installs the whole chain and returns the module row', async () => {
  await withCatalog(async (w, modules) => {
    const { base, mid, top } = await chain(modules);
    const res = await install(w, {
      module_id: top,
      settings: { k: 1 },
      enabled: true,
      with_dependencies: true,
    });
    assert.equal(res.status, 201, JSON.stringify(res.body));
    assert.equal(res.body.module_id, top);
    assert.equal(res.body.version, '1.0.0');
    assert.deepEqual(res.body.settings, { k: 1 });
    assert.deepEqual(await enabledByModule(w), { [base]: true, [mid]: true, [top]: true });
    assert.deepEqual((await w.row(base))?.settings, {}, 'dependencies get their defaults');
  });
});

Deno.test('install with_dependencies enables a disabled requirement and keeps its settings', async () => {
  await withCatalog(async (w, modules) => {
    const { base, mid, top } = await chain(modules);
    await w.install(base);
    await w.install(mid, { enabled: false, settings: { kept: true } });
    const res = await install(w, { module_id: top, with_dependencies: true });
    assert.equal(res.status, 201, JSON.stringify(res.body));
    assert.deepEqual(await enabledByModule(w), { [base]: true, [mid]: true, [top]: true });
    assert.deepEqual((await w.row(mid))?.settings, { kept: true });
  });
});

Deno.test('install with_dependencies installs nothing when one link of the chain fails', async (t) => {
  await t.step('a requirement whose defaults do not fit its own schema', async () => {
    await withCatalog(async (w, modules) => {
      const base = await modules.add({
        settingsSchema: {
          type: 'object',
          properties: { api_key: { type: 'string' } },
          required: ['api_key'],
        },
      });
      const mid = await modules.add({ requires: { [base]: '^1.0.0' } });
      const top = await modules.add({ requires: { [mid]: '^1.0.0' } });
      const res = await install(w, { module_id: top, with_dependencies: true });
      assertProblem(res, 422, 'invalid_settings');
      assert.match(res.body.detail, new RegExp(base));
      assert.deepEqual(res.body.errors, [{ path: 'settings.api_key', message: 'is required' }]);
      assert.equal(await w.state(), '[]');
    });
  });
  await t.step('a requirement the catalog deactivated', async () => {
    await withCatalog(async (w, modules) => {
      const { base, mid, top } = await chain(modules);
      await w.sql`update public.modules set is_active = false where id = ${base}`;
      const res = await install(w, { module_id: top, with_dependencies: true });
      assertProblem(res, 422, 'module_unavailable');
      assert.equal(
        res.body.detail,
        `The module "${base}", which "${mid}" requires, is no longer active.`,
      );
      assert.equal(await w.state(), '[]');
    });
  });
  await t.step("the module's own settings", async () => {
    await withCatalog(async (w, modules) => {
      const base = await modules.add();
      const top = await modules.add({
        requires: { [base]: '^1.0.0' },
        settingsSchema: { type: 'object', properties: { n: { type: 'integer' } } },
      });
      const res = await install(w, {
        module_id: top,
        settings: { n: 'x' },
        with_dependencies: true,
      });
      assertProblem(res, 422, 'invalid_settings');
      assert.equal(await w.state(), '[]');
    });
  });
  await t.step('the module already installed', async () => {
    await withCatalog(async (w, modules) => {
      const { base, mid, top } = await chain(modules);
      await w.install(top, { enabled: false });
      const res = await install(w, { module_id: top, with_dependencies: true });
      assertProblem(res, 409, 'already_installed');
      assert.deepEqual(await enabledByModule(w), { [top]: false });
      assert.equal(await w.row(base), undefined);
      assert.equal(await w.row(mid), undefined);
    });
  });
});

Deno.test('install with_dependencies answers who may not install before anything else', async (t) => {
  await withCatalog(async (w, modules) => {
    const { top } = await chain(modules);
    for (
      const [who, status, code] of [
        ['member', 403, 'forbidden'],
        ['otherAdmin', 404, 'tenant_not_found'],
        ['stranger', 404, 'tenant_not_found'],
        ['anon', 401, 'unauthorized'],
      ] as const
    ) {
      for (const withDependencies of [false, true]) {
        await t.step(`${who} with_dependencies ${withDependencies} gets ${status}`, async () => {
          const res = await install(
            w,
            { module_id: top, with_dependencies: withDependencies },
            who,
          );
          assert.equal(res.status, status, JSON.stringify(res.body));
          if (who !== 'anon') assertProblem(res, status, code);
          assert.equal(await w.state(), '[]');
        });
      }
    }
  });
});

Deno.test('install refuses with_dependencies that is not a boolean with 400', async () => {
  await withCatalog(async (w, modules) => {
    const { top } = await chain(modules);
    const res = await install(w, { module_id: top, with_dependencies: 'yes' });
    assertProblem(res, 400, 'invalid_request');
    assert.deepEqual(res.body.errors.map((e: { path: string }) => e.path), [
      'body.with_dependencies',
    ]);
  });
});

Deno.test('disable of a module an enabled module requires is 409 required_by naming it', async () => {
  await withCatalog(async (w, modules) => {
    const { mid, top } = await installedChain(w, modules);
    const before = await w.state();
    for (const query of ['', '?cascade=false']) {
      const res = await setEnabled(w, mid, false, query);
      assertProblem(res, 409, 'required_by');
      assert.deepEqual(res.body.dependents, [{
        module_id: top,
        version: '1.0.0',
        range: '^1.0.0',
      }]);
      assert.equal(await w.state(), before);
    }
  });
});

Deno.test('disable with cascade disables the modules that require it, and only those', async () => {
  await withCatalog(async (w, modules) => {
    const { base, mid, top } = await installedChain(w, modules);
    const res = await setEnabled(w, mid, false, '?cascade=true');
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.equal(res.body.module_id, mid);
    assert.equal(res.body.enabled, false);
    assert.deepEqual(await enabledByModule(w), { [base]: true, [mid]: false, [top]: false });
  });
});

Deno.test('disable with cascade of a module nothing requires disables just it', async () => {
  await withCatalog(async (w, modules) => {
    const { base, mid, top } = await installedChain(w, modules);
    const res = await setEnabled(w, top, false, '?cascade=true');
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.deepEqual(await enabledByModule(w), { [base]: true, [mid]: true, [top]: false });
  });
});

Deno.test('enable of a module whose requirement is disabled is 409 missing_dependencies', async () => {
  await withCatalog(async (w, modules) => {
    const { mid, top } = await installedChain(w, modules);
    assert.equal((await setEnabled(w, mid, false, '?cascade=true')).status, 200);
    const before = await w.state();
    const res = await setEnabled(w, top, true);
    assertProblem(res, 409, 'missing_dependencies');
    assert.deepEqual(res.body.dependencies, [
      { module_id: mid, range: '^1.0.0', installed_version: '1.0.0' },
    ]);
    assert.equal(await w.state(), before);
    assert.equal((await setEnabled(w, mid, true)).status, 200);
    assert.equal((await setEnabled(w, top, true)).status, 200);
  });
});

Deno.test('uninstall of a module an enabled module requires is 409 required_by', async () => {
  await withCatalog(async (w, modules) => {
    const { base, mid } = await installedChain(w, modules);
    const before = await w.state();
    const res = await uninstall(w, base);
    assertProblem(res, 409, 'required_by');
    assert.deepEqual(res.body.dependents, [{ module_id: mid, version: '1.0.0', range: '^1.0.0' }]);
    assert.equal(await w.state(), before);
  });
});

Deno.test('uninstall of a module only disabled modules require is allowed', async () => {
  await withCatalog(async (w, modules) => {
    const { base, mid } = await chain(modules);
    await w.install(base);
    await w.install(mid, { enabled: false });
    assert.equal((await uninstall(w, base)).status, 204);
    assert.deepEqual(await enabledByModule(w), { [mid]: false });
  });
});

Deno.test('uninstall with cascade removes the modules that require it, transitively', async () => {
  await withCatalog(async (w, modules) => {
    const { base } = await installedChain(w, modules);
    const other = await modules.add();
    await w.install(other);
    const res = await uninstall(w, base, '?cascade=true');
    assert.equal(res.status, 204, JSON.stringify(res.body));
    assert.deepEqual(await enabledByModule(w), { [other]: true });
  });
});

Deno.test('uninstall with cascade of a module that is not installed is 404', async () => {
  await withCatalog(async (w, modules) => {
    const { base } = await chain(modules);
    assertProblem(await uninstall(w, base, '?cascade=true'), 404, 'module_not_installed');
  });
});

Deno.test('cascade answers each persona as RLS allows, before any dependency rule', async (t) => {
  const cases: [Who, number, string?][] = [
    ['member', 403, 'forbidden'],
    ['otherAdmin', 404, 'tenant_not_found'],
    ['stranger', 404, 'tenant_not_found'],
    ['anon', 401],
  ];
  await withCatalog(async (w, modules) => {
    const { mid } = await installedChain(w, modules);
    const before = await w.state();
    for (const [who, status, code] of cases) {
      for (const query of ['', '?cascade=true']) {
        await t.step(`${who} disabling${query} gets ${status}`, async () => {
          const res = await setEnabled(w, mid, false, query, who);
          assert.equal(res.status, status, JSON.stringify(res.body));
          if (code) assertProblem(res, status, code);
          assert.equal(await w.state(), before);
        });
        await t.step(`${who} uninstalling${query} gets ${status}`, async () => {
          const res = await uninstall(w, mid, query, who);
          assert.equal(res.status, status, JSON.stringify(res.body));
          if (code) assertProblem(res, status, code);
          assert.equal(await w.state(), before);
        });
      }
    }
  });
  for (const who of ['owner', 'admin'] as const) {
    await t.step(`${who} disables and uninstalls with cascade`, async () => {
      await withCatalog(async (w, modules) => {
        const { base, mid, top } = await installedChain(w, modules);
        assert.equal((await setEnabled(w, mid, false, '?cascade=true', who)).status, 200);
        assert.deepEqual(await enabledByModule(w), { [base]: true, [mid]: false, [top]: false });
        assert.equal((await setEnabled(w, mid, true, '', who)).status, 200);
        assert.equal((await setEnabled(w, top, true, '', who)).status, 200);
        assert.equal((await uninstall(w, base, '?cascade=true', who)).status, 204);
        assert.equal(await w.state(), '[]');
      });
    });
  }
});

Deno.test('cascade must be true or false and is the only query parameter', async (t) => {
  await withCatalog(async (w, modules) => {
    const { mid } = await installedChain(w, modules);
    const before = await w.state();
    const bad: [string, string][] = [
      ['?cascade=yes', 'query.cascade'],
      ['?cascade=1', 'query.cascade'],
      ['?cascade=', 'query.cascade'],
      ['?cascade=TRUE', 'query.cascade'],
      ['?cascade=true&cascade=true', 'query.cascade'],
      ['?force=true', 'query'],
    ];
    for (const [query, path] of bad) {
      for (const method of ['PATCH', 'DELETE']) {
        await t.step(`${method} ${query}`, async () => {
          const res = method === 'PATCH'
            ? await setEnabled(w, mid, false, query)
            : await uninstall(w, mid, query);
          assertProblem(res, 400, 'invalid_request');
          assert.ok(
            res.body.errors.some((e: { path: string }) => e.path === path),
            JSON.stringify(res.body.errors),
          );
          assert.equal(await w.state(), before);
        });
      }
    }
    await t.step('cascade with {"enabled": true}', async () => {
      const res = await setEnabled(w, mid, true, '?cascade=true');
      assertProblem(res, 400, 'invalid_request');
      assert.deepEqual(res.body.errors.map((e: { path: string }) => e.path), ['query.cascade']);
      assert.equal(await w.state(), before);
    });
  });
});

Deno.test('upgrade to a version that requires a missing module is 409 missing_dependencies', async () => {
  await withCatalog(async (w, modules) => {
    const crm = await modules.add();
    const agency = await modules.add();
    await w.install(agency);
    await modules.publish(agency, { version: '2.0.0', requires: { [crm]: '^1.0.0' } });
    const before = await w.state();
    const res = await api('POST', `/tenants/${w.tenantId}/${agency}/upgrade`, {
      token: w.users.owner.token,
      body: { version: '2.0.0' },
    });
    assertProblem(res, 409, 'missing_dependencies');
    assert.deepEqual(res.body.dependencies, [
      { module_id: crm, range: '^1.0.0', installed_version: null },
    ]);
    assert.equal(await w.state(), before);
  });
});

Deno.test('upgrade out of the range an enabled dependent requires is 409 upgrade_blocked', async () => {
  await withCatalog(async (w, modules) => {
    const crm = await modules.add();
    const agency = await modules.add({ requires: { [crm]: '^1.0.0' } });
    await w.install(crm);
    await w.install(agency);
    await modules.publish(crm, { version: '2.0.0' });
    const before = await w.state();
    const res = await api('POST', `/tenants/${w.tenantId}/${crm}/upgrade`, {
      token: w.users.owner.token,
      body: { version: '2.0.0' },
    });
    assertProblem(res, 409, 'upgrade_blocked');
    assert.deepEqual(res.body.dependents, [
      { module_id: agency, version: '1.0.0', range: '^1.0.0' },
    ]);
    assert.equal(await w.state(), before);
  });
});

Deno.test('a client that skips the function meets the dependency rules on /rest/v1 with 409', async (t) => {
  await withCatalog(async (w, modules) => {
    const { base, mid, top } = await chain(modules);
    const owner = clientFor(w.users.owner.token);

    await t.step('insert without its requirement', async () => {
      const { error, status } = await owner.from('tenant_modules')
        .insert({ tenant_id: w.tenantId, module_id: mid });
      assert.equal(status, 409);
      assert.equal(error?.code, '23503');
      assert.deepEqual(JSON.parse(error!.details), [
        { module_id: base, range: '^1.0.0', installed_version: null, enabled: false },
      ]);
      assert.equal(await w.state(), '[]');
    });

    await t.step('the install RPC with dependencies', async () => {
      const { data, error } = await owner.rpc('install_tenant_module', {
        tenant_id: w.tenantId,
        module_id: top,
        with_dependencies: true,
      });
      assert.equal(error, null);
      assert.equal(data?.at(-1)?.module_id, top);
      assert.deepEqual(await enabledByModule(w), { [base]: true, [mid]: true, [top]: true });
    });

    await t.step('delete of a required module', async () => {
      const before = await w.state();
      const res = await fetch(
        `${stack.apiUrl}/rest/v1/tenant_modules?tenant_id=eq.${w.tenantId}&module_id=eq.${base}`,
        {
          method: 'DELETE',
          headers: { apikey: stack.anonKey, authorization: `Bearer ${w.users.owner.token}` },
        },
      );
      const body = await res.json();
      assert.equal(res.status, 409, JSON.stringify(body));
      assert.equal(body.code, '23503');
      assert.deepEqual(JSON.parse(body.details), [
        { module_id: mid, version: '1.0.0', range: '^1.0.0' },
      ]);
      assert.equal(await w.state(), before);
    });

    await t.step('disable of a required module', async () => {
      const { error, status } = await owner.from('tenant_modules').update({ enabled: false })
        .eq('tenant_id', w.tenantId).eq('module_id', mid);
      assert.equal(status, 409);
      assert.equal(error?.code, '23503');
    });

    await t.step('the uninstall RPC with cascade', async () => {
      const { data, error } = await owner.rpc('uninstall_tenant_module', {
        tenant_id: w.tenantId,
        module_id: base,
        cascade: true,
      });
      assert.equal(error, null);
      assert.deepEqual(data?.map((r) => r.module_id).sort(), [base, mid, top].sort());
      assert.equal(await w.state(), '[]');
    });
  });
});

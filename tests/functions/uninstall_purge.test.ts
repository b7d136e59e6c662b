/**
 * Uninstall with preview and purge over HTTP: `GET …/{moduleId}/uninstall-preview` counts the
 * tenant's rows in the tables a module owns (and those of the enabled modules that require it)
 * and names those dependents; `DELETE …?purge=true` deletes the tenant's rows as the caller, in
 * the same transaction as the uninstall, or nothing when RLS would keep some; without purge the
 * rows stay, hidden by `tenant_has_module()` gating. The `uninstalled` event says which.
 * Test modules (`zz_…`) and their tables are made through the superuser connection.
 */
import assert from 'node:assert/strict';
import { withCatalog } from '../_support/catalog.ts';
import { stack } from '../_support/env.ts';
import { api, assertProblem, type Who, type World } from '../_support/fixtures.ts';
import { type OwnedTables, ownedTables } from '../_support/owned-tables.ts';
import type { Catalog } from '../_support/catalog.ts';

/** Runs `fn` with a world, a catalog and owned tables, and cleans all of them up. */
function withOwnedTables(fn: (w: World, modules: Catalog, tables: OwnedTables) => Promise<void>) {
  return withCatalog(async (w, modules) => {
    const tables = ownedTables(w.sql);
    try {
      await fn(w, modules, tables);
    } finally {
      await tables.drop();
    }
  });
}

/** A module owning one table, installed in tenants A (3 rows) and B (2 rows). */
async function installedWithRows(
  w: World,
  modules: Catalog,
  tables: OwnedTables,
  options: { deleteBy?: 'admins' | 'owners' } = {},
) {
  const moduleId = await modules.add();
  const table = await tables.add(moduleId, options);
  for (const tenantId of [w.tenantId, w.otherTenantId]) await w.install(moduleId, { tenantId });
  await tables.fill(table, w.tenantId, 3);
  await tables.fill(table, w.otherTenantId, 2);
  return { moduleId, table };
}

/**
 * As `installedWithRows`, plus a second module that requires the first and owns a table of its
 * own (1 row of A), installed and enabled in A.
 */
async function withDependent(w: World, modules: Catalog, tables: OwnedTables) {
  const base = await installedWithRows(w, modules, tables);
  const dependentId = await modules.add({ requires: { [base.moduleId]: '^1.0.0' } });
  const dependentTable = await tables.add(dependentId);
  await w.install(dependentId);
  await tables.fill(dependentTable, w.tenantId, 1);
  return { ...base, dependentId, dependentTable };
}

function preview(w: World, moduleId: string, who: Who = 'admin') {
  return api('GET', `/tenants/${w.tenantId}/${moduleId}/uninstall-preview`, {
    token: w.token(who),
  });
}

function uninstall(w: World, moduleId: string, query = '', who: Who = 'admin') {
  return api('DELETE', `/tenants/${w.tenantId}/${moduleId}${query}`, { token: w.token(who) });
}

/** The change of tenant A's latest `uninstalled` event of a module, read as the superuser. */
async function uninstalledChange(w: World, moduleId: string) {
  const [event] = await w.sql<{ change: Record<string, unknown> }[]>`
    select change from public.tenant_module_events
    where tenant_id = ${w.tenantId} and module_id = ${moduleId} and event = 'uninstalled'
    order by id desc limit 1`;
  return event?.change;
}

/** Everything a purge or an uninstall could change, as one string. */
async function snapshot(w: World, tables: OwnedTables, names: string[]) {
  const counts = [];
  for (const name of names) {
    counts.push(await tables.count(name, w.tenantId), await tables.count(name, w.otherTenantId));
  }
  return JSON.stringify([await w.state(), await w.state(w.otherTenantId), counts]);
}

/** A table's rows through `/rest/v1` with a key or a user's token. */
async function restRows(table: string, token: string): Promise<unknown[]> {
  const res = await fetch(`${stack.apiUrl}/rest/v1/${table.replace(/^public\./, '')}?select=id`, {
    // An API key as the bearer must also be the apikey (the gateway refuses a mismatched sb_ key).
    headers: {
      apikey: token === stack.serviceRoleKey ? token : stack.anonKey,
      authorization: `Bearer ${token}`,
    },
  });
  assert.equal(res.status, 200, await res.clone().text());
  return await res.json();
}

/** Waits until PostgREST's schema cache has `table` (made after it started). */
async function exposed(w: World, table: string) {
  await w.sql`notify pgrst, 'reload schema'`;
  for (let i = 0; i < 100; i++) {
    const res = await fetch(`${stack.apiUrl}/rest/v1/${table.replace(/^public\./, '')}?limit=0`, {
      headers: { apikey: stack.serviceRoleKey, authorization: `Bearer ${stack.serviceRoleKey}` },
    });
    await res.body?.cancel();
    if (res.status === 200) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`PostgREST did not expose ${table}`);
}

Deno.test('uninstall-preview counts the tenant rows of each owned table and names the dependents', async () => {
  await withOwnedTables(async (w, modules, tables) => {
    const { moduleId, table, dependentId, dependentTable } = await withDependent(
      w,
      modules,
      tables,
    );
    const res = await preview(w, moduleId);
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.deepEqual(res.body, {
      module_id: moduleId,
      version: '1.0.0',
      dependents: [{ module_id: dependentId, version: '1.0.0' }],
      // By module id, then in the order each module lists its tables.
      tables: [
        { module_id: moduleId, table, rows: 3 },
        { module_id: dependentId, table: dependentTable, rows: 1 },
      ].toSorted((a, b) => a.module_id.localeCompare(b.module_id)),
    });
    const own = await preview(w, dependentId, 'owner');
    assert.deepEqual(own.body, {
      module_id: dependentId,
      version: '1.0.0',
      dependents: [],
      tables: [{ module_id: dependentId, table: dependentTable, rows: 1 }],
    });
    const bare = await modules.add();
    await w.install(bare);
    assert.deepEqual((await preview(w, bare)).body.tables, [], 'a module that owns no table');
  });
});

Deno.test('uninstall without purge keeps the rows, hidden by the gating; the event says not purged', async () => {
  await withOwnedTables(async (w, modules, tables) => {
    const { moduleId, table } = await installedWithRows(w, modules, tables);
    await exposed(w, table);
    assert.equal((await restRows(table, w.users.member.token)).length, 3);
    assert.equal((await uninstall(w, moduleId)).status, 204);
    assert.equal(await w.row(moduleId), undefined);
    assert.equal(await tables.count(table, w.tenantId), 3, 'the rows stay');
    assert.deepEqual(await restRows(table, w.users.member.token), [], 'hidden from a member');
    assert.deepEqual(await restRows(table, w.users.admin.token), [], 'and from an admin');
    assert.equal((await restRows(table, stack.serviceRoleKey)).length, 5, 'service_role sees all');
    assert.deepEqual(await uninstalledChange(w, moduleId), {
      settings: {},
      purged: false,
      purged_rows: null,
    });
  });
});

Deno.test("uninstall with purge deletes the tenant's rows only, in the same transaction", async () => {
  await withOwnedTables(async (w, modules, tables) => {
    const { moduleId, table } = await installedWithRows(w, modules, tables);
    const res = await uninstall(w, moduleId, '?purge=true');
    assert.equal(res.status, 204, JSON.stringify(res.body));
    assert.equal(await w.row(moduleId), undefined);
    assert.equal(await tables.count(table, w.tenantId), 0);
    assert.equal(await tables.count(table, w.otherTenantId), 2, "tenant B's rows are intact");
    assert.ok(await w.row(moduleId, w.otherTenantId), "and so is tenant B's install");
    assert.deepEqual(await uninstalledChange(w, moduleId), {
      settings: {},
      purged: true,
      purged_rows: { [table]: 3 },
    });
    const bare = await modules.add();
    await w.install(bare);
    assert.equal((await uninstall(w, bare, '?purge=true&cascade=false')).status, 204);
    assert.deepEqual(await uninstalledChange(w, bare), {
      settings: {},
      purged: true,
      purged_rows: {},
    });
  });
});

Deno.test('cascade with purge uninstalls the dependents and purges their tables too', async () => {
  await withOwnedTables(async (w, modules, tables) => {
    const { moduleId, table, dependentId, dependentTable } = await withDependent(
      w,
      modules,
      tables,
    );
    const res = await uninstall(w, moduleId, '?cascade=true&purge=true');
    assert.equal(res.status, 204, JSON.stringify(res.body));
    assert.equal(await w.state(), '[]');
    assert.equal(await tables.count(table, w.tenantId), 0);
    assert.equal(await tables.count(dependentTable, w.tenantId), 0);
    assert.equal(await tables.count(table, w.otherTenantId), 2);
    assert.deepEqual(await uninstalledChange(w, moduleId), {
      settings: {},
      purged: true,
      purged_rows: { [table]: 3 },
    });
    assert.deepEqual(await uninstalledChange(w, dependentId), {
      settings: {},
      purged: true,
      purged_rows: { [dependentTable]: 1 },
    });
  });
});

Deno.test('purge without cascade while a dependent is enabled is 409 required_by and purges nothing', async () => {
  await withOwnedTables(async (w, modules, tables) => {
    const { moduleId, table, dependentId, dependentTable } = await withDependent(
      w,
      modules,
      tables,
    );
    const before = await snapshot(w, tables, [table, dependentTable]);
    const res = await uninstall(w, moduleId, '?purge=true');
    assertProblem(res, 409, 'required_by');
    assert.deepEqual(res.body.dependents.map((d: { module_id: string }) => d.module_id), [
      dependentId,
    ]);
    assert.equal(await snapshot(w, tables, [table, dependentTable]), before);
  });
});

Deno.test('a purge that RLS would leave half done is 403 purge_refused and changes nothing', async () => {
  await withOwnedTables(async (w, modules, tables) => {
    const { moduleId, table } = await installedWithRows(w, modules, tables, {
      deleteBy: 'owners',
    });
    const before = await snapshot(w, tables, [table]);
    const res = await uninstall(w, moduleId, '?purge=true', 'admin');
    assertProblem(res, 403, 'purge_refused');
    assert.match(res.body.detail, new RegExp(`3 of the tenant's 3 rows of ${table}`));
    assert.equal(await snapshot(w, tables, [table]), before);
    assert.equal(await uninstalledChange(w, moduleId), undefined, 'no event either');
    assert.equal((await uninstall(w, moduleId, '?purge=true', 'owner')).status, 204);
    assert.equal(await tables.count(table, w.tenantId), 0);
  });
});

Deno.test('preview and purge answer each persona as RLS allows, and a refusal deletes nothing', async (t) => {
  await withOwnedTables(async (w, modules, tables) => {
    const { moduleId, table } = await installedWithRows(w, modules, tables);
    const refused: [Who, number, string][] = [
      ['member', 403, 'forbidden'],
      ['otherAdmin', 404, 'tenant_not_found'],
      ['stranger', 404, 'tenant_not_found'],
      ['anon', 401, 'unauthorized'],
    ];
    const before = await snapshot(w, tables, [table]);
    for (const [who, status, code] of refused) {
      await t.step(`${who}: preview and purge are ${status} ${code}`, async () => {
        assertProblem(await preview(w, moduleId, who), status, code);
        for (const query of ['?purge=true', '?purge=true&cascade=true']) {
          assertProblem(await uninstall(w, moduleId, query, who), status, code);
        }
        assert.equal(await snapshot(w, tables, [table]), before);
      });
    }
    await t.step('a module the tenant has not installed is 404 module_not_installed', async () => {
      const other = await modules.add();
      assertProblem(await preview(w, other), 404, 'module_not_installed');
      assertProblem(await uninstall(w, other, '?purge=true'), 404, 'module_not_installed');
    });
    await t.step('purge must be true or false, and only an uninstall takes it', async () => {
      for (const query of ['?purge=yes', '?purge=', '?purge=true&purge=true']) {
        const res = await uninstall(w, moduleId, query);
        assertProblem(res, 400, 'invalid_request');
        assert.deepEqual(res.body.errors.map((e: { path: string }) => e.path), ['query.purge']);
      }
      const patch = await api('PATCH', `/tenants/${w.tenantId}/${moduleId}?purge=true`, {
        token: w.token('admin'),
        body: { enabled: false },
      });
      assertProblem(patch, 400, 'invalid_request');
      assert.equal(await snapshot(w, tables, [table]), before);
    });
  });
});

/**
 * Module versions over HTTP: rows and the catalog carry versions, and
 * `POST /modules/tenants/{tenantId}/{moduleId}/upgrade` runs the settings migrations the database
 * holds, refuses what the database refuses (a result that breaks the new schema, a failing step,
 * a downgrade, an unknown version) and leaves the stored row exactly as it was when it refuses.
 * Test modules (`zz_…`) are published through the superuser connection.
 */
import assert from 'node:assert/strict';
import { type Catalog, withCatalog } from '../_support/catalog.ts';
import { stack } from '../_support/env.ts';
import {
  api,
  type ApiResponse,
  assertProblem,
  type Who,
  type World,
} from '../_support/fixtures.ts';
import { expectData, expectProblem, modulesClient } from '../_support/modules-client.ts';

const V1_SCHEMA = {
  type: 'object',
  properties: {
    title: { type: 'string', default: 'Untitled' },
    color: { type: 'string' },
    minutes: { type: 'integer', default: 30 },
    legacy: { type: 'boolean', default: true },
    plan: { enum: ['free', 'pro'], default: 'free' },
  },
  additionalProperties: false,
};

const V2_SCHEMA = {
  type: 'object',
  properties: {
    label: { type: 'string', default: 'Untitled' },
    theme: {
      type: 'object',
      properties: { color: { type: 'string' } },
      additionalProperties: false,
    },
    hours: { type: 'number' },
    is_pro: { type: 'boolean', default: false },
    week_starts: { enum: ['monday', 'sunday'], default: 'monday' },
  },
  additionalProperties: false,
};

/** 1.0.0 → 2.0.0: rename a key, move one into a new nested object, compute two, drop the rest. */
const V2_MIGRATION = [
  { op: 'move', from: '/title', path: '/label' },
  { op: 'move', from: '/color', path: '/theme/color' },
  { op: 'compute', path: '/hours', jsonpath: '$.minutes / 60' },
  { op: 'remove', path: '/minutes' },
  { op: 'remove', path: '/legacy' },
  { op: 'compute', path: '/is_pro', jsonpath: '$.plan == "pro"' },
  { op: 'remove', path: '/plan' },
];

const V1_SETTINGS = { title: 'Main', color: '#112233', minutes: 90, legacy: true, plan: 'pro' };
const V2_SETTINGS = {
  label: 'Main',
  theme: { color: '#112233' },
  hours: 1.5,
  is_pro: true,
  week_starts: 'monday',
};

/** A module at 1.0.0 with 2.0.0 published (current), installed in tenant A at 1.0.0. */
async function installedAtV1(w: World, modules: Catalog, settings: object = V1_SETTINGS) {
  const moduleId = await modules.add({ settingsSchema: V1_SCHEMA });
  await w.install(moduleId, { settings: settings as Record<string, unknown> });
  await modules.publish(moduleId, {
    version: '2.0.0',
    settingsSchema: V2_SCHEMA,
    migrations: { '2.0.0': V2_MIGRATION },
  });
  return moduleId;
}

/** Upgrades tenant A's install through the client (to the current version without one). */
function upgrade(w: World, moduleId: string, version?: string, who: Who = 'admin') {
  return modulesClient(who, w).upgradeModule(w.tenantId, moduleId, { version });
}

/** The same request with any body, for the malformed ones. */
function upgradeRaw(w: World, moduleId: string, body: unknown) {
  return api('POST', `/tenants/${w.tenantId}/${moduleId}/upgrade`, {
    token: w.token('admin'),
    body,
  });
}

/** The stored version and settings of tenant A's install. */
async function stored(w: World, moduleId: string) {
  const row = await w.row(moduleId);
  return { version: row?.version, settings: row?.settings };
}

Deno.test('rows carry the installed version and the catalog each module version and requires', async () => {
  await withCatalog(async (w, modules) => {
    const base = await modules.add({ version: '1.2.0' });
    const dependent = await modules.add({ requires: { [base]: '^1.0.0' } });
    await w.install(base);
    const member = modulesClient('member', w);
    const list = expectData(await member.listTenantModules(w.tenantId));
    assert.equal(list[0].version, '1.2.0');
    assert.equal(expectData(await member.getTenantModule(w.tenantId, base)).version, '1.2.0');
    const catalog = expectData(await modulesClient('stranger', w).listCatalog());
    const entry = catalog.find((m) => m.id === dependent);
    assert.equal(entry?.version, '1.0.0');
    assert.deepEqual(entry?.requires, { [base]: '^1.0.0' });
    assert.deepEqual(catalog.find((m) => m.id === base)?.requires, {});
  });
});

Deno.test('upgrade renames, nests, computes and drops keys and stores the new version', async () => {
  await withCatalog(async (w, modules) => {
    const moduleId = await installedAtV1(w, modules);
    const before = await w.row(moduleId);
    assert.equal(before?.version, '1.0.0');
    const row = expectData(await upgrade(w, moduleId, '2.0.0'));
    assert.equal(row.version, '2.0.0');
    assert.deepEqual(row.settings, V2_SETTINGS);
    const after = await w.row(moduleId);
    assert.equal(after?.version, '2.0.0');
    assert.deepEqual(after?.settings, V2_SETTINGS);
    assert.ok(after!.updated_at > before!.updated_at);
    assert.equal(after!.installed_at.getTime(), before!.installed_at.getTime());
  });
});

Deno.test('upgrade computes from the settings as they are: a missing source key is a no-op', async () => {
  await withCatalog(async (w, modules) => {
    // Only the defaults: no color to move, plan "free".
    const moduleId = await installedAtV1(w, modules, {});
    expectData(await upgrade(w, moduleId, '2.0.0'));
    assert.deepEqual(await stored(w, moduleId), {
      version: '2.0.0',
      settings: { label: 'Untitled', hours: 0.5, is_pro: false, week_starts: 'monday' },
    });
  });
});

Deno.test('upgrade without a version, with {} or with an empty body goes to the current one', async (t) => {
  const bodies: [string, (w: World, path: string) => Promise<ApiResponse>][] = [
    ['{}', (w, path) => api('POST', path, { token: w.users.owner.token, body: {} })],
    ['no body at all', (w, path) => api('POST', path, { token: w.users.owner.token })],
    [
      'an empty body sent as JSON',
      (w, path) =>
        api('POST', path, {
          token: w.users.owner.token,
          raw: '',
          headers: { 'content-type': 'application/json' },
        }),
    ],
  ];
  for (const [what, send] of bodies) {
    await t.step(what, async () => {
      await withCatalog(async (w, modules) => {
        const moduleId = await installedAtV1(w, modules);
        const res = await send(w, `/tenants/${w.tenantId}/${moduleId}/upgrade`);
        assert.equal(res.status, 200, JSON.stringify(res.body));
        assert.equal(res.body.version, '2.0.0');
        assert.deepEqual(await stored(w, moduleId), { version: '2.0.0', settings: V2_SETTINGS });
      });
    });
  }
});

Deno.test('upgrade across two versions runs both migrations in order', async () => {
  await withCatalog(async (w, modules) => {
    const moduleId = await installedAtV1(w, modules);
    const v3 = {
      ...V2_SCHEMA,
      properties: { ...V2_SCHEMA.properties, accent: { type: 'string' } },
    };
    await modules.publish(moduleId, {
      version: '3.0.0',
      settingsSchema: v3,
      migrations: {
        '2.0.0': V2_MIGRATION,
        '3.0.0': [{ op: 'copy', from: '/theme/color', path: '/accent' }],
      },
    });
    expectData(await upgrade(w, moduleId, '3.0.0'));
    assert.deepEqual(await stored(w, moduleId), {
      version: '3.0.0',
      settings: { ...V2_SETTINGS, accent: '#112233' },
    });
  });
});

Deno.test('upgrade to the version already installed returns the row unchanged', async () => {
  await withCatalog(async (w, modules) => {
    const moduleId = await modules.add({ settingsSchema: V1_SCHEMA });
    await w.install(moduleId);
    const before = await w.state();
    assert.equal(expectData(await upgrade(w, moduleId, '1.0.0')).version, '1.0.0');
    assert.equal(await w.state(), before);
  });
});

Deno.test('upgrade whose migrated settings break the new schema is 409 upgrade_blocked with the fields', async () => {
  await withCatalog(async (w, modules) => {
    const moduleId = await modules.add({
      settingsSchema: { type: 'object', properties: { limit: { type: 'integer', default: 5 } } },
    });
    await w.install(moduleId, { settings: { limit: 8 } });
    await modules.publish(moduleId, {
      version: '2.0.0',
      settingsSchema: {
        type: 'object',
        properties: { limit: { type: 'integer', maximum: 3 }, name: { type: 'string' } },
        required: ['name'],
      },
    });
    const before = await w.state();
    const problem = expectProblem(await upgrade(w, moduleId, '2.0.0'), 409, 'upgrade_blocked');
    assert.deepEqual(
      [...problem.errors ?? []].sort((a, b) => a.path.localeCompare(b.path)),
      [
        { path: 'settings.limit', message: 'must be at most 3' },
        { path: 'settings.name', message: 'is required' },
      ],
    );
    assert.equal(await w.state(), before, 'version and settings as they were');
  });
});

Deno.test('upgrade whose migration step fails is 409 upgrade_blocked naming the step', async () => {
  await withCatalog(async (w, modules) => {
    const moduleId = await modules.add();
    await w.install(moduleId, { settings: { total: 10, parts: 0 } });
    await modules.publish(moduleId, {
      version: '2.0.0',
      migrations: { '2.0.0': [{ op: 'compute', path: '/each', jsonpath: '$.total / $.parts' }] },
    });
    const before = await w.state();
    const problem = expectProblem(await upgrade(w, moduleId, '2.0.0'), 409, 'upgrade_blocked');
    assert.match(problem.detail, /Step 0 of the settings migration to 2\.0\.0 failed/);
    assert.equal(problem.errors?.length, 1);
    assert.equal(problem.errors[0].path, 'settings.each');
    assert.match(problem.errors[0].message, /division by zero/);
    assert.equal(await w.state(), before);
  });
});

Deno.test('upgrade to an older version is 409 downgrade_not_supported', async () => {
  await withCatalog(async (w, modules) => {
    const moduleId = await modules.add();
    await modules.publish(moduleId, { version: '2.0.0' });
    await w.install(moduleId);
    const before = await w.state();
    const res = await upgrade(w, moduleId, '1.0.0');
    const problem = expectProblem(res, 409, 'downgrade_not_supported');
    assert.match(problem.detail, /installed at 2\.0\.0 and cannot go back to 1\.0\.0/);
    assert.equal(await w.state(), before);
  });
});

Deno.test('upgrade to a version that was never published is 422 unknown_version', async () => {
  await withCatalog(async (w, modules) => {
    const moduleId = await modules.add();
    await w.install(moduleId);
    const before = await w.state();
    expectProblem(await upgrade(w, moduleId, '9.9.9'), 422, 'unknown_version');
    assert.equal(await w.state(), before);
  });
});

Deno.test('upgrade of a module the tenant has not installed is 404 module_not_installed', async () => {
  await withCatalog(async (w, modules) => {
    const moduleId = await modules.add();
    expectProblem(await upgrade(w, moduleId), 404, 'module_not_installed');
    expectProblem(await upgrade(w, moduleId, '9.9.9'), 404, 'module_not_installed');
    assert.equal(await w.state(), '[]');
  });
});

Deno.test('upgrade refuses a body that is not {version?: semver} with 400', async (t) => {
  await withCatalog(async (w, modules) => {
    const moduleId = await installedAtV1(w, modules);
    const before = await w.state();
    const bad: [string, unknown, string][] = [
      ['a version that is not semver', { version: 'latest' }, 'body.version'],
      ['a version with two parts', { version: '2.0' }, 'body.version'],
      ['a version with a leading v', { version: 'v2.0.0' }, 'body.version'],
      ['a version that is a number', { version: 2 }, 'body.version'],
      ['a null version', { version: null }, 'body.version'],
      ['an unknown key', { version: '2.0.0', force: true }, 'body'],
      ['an array', ['2.0.0'], 'body'],
    ];
    for (const [what, body, path] of bad) {
      await t.step(what, async () => {
        const res = await upgradeRaw(w, moduleId, body);
        assertProblem(res, 400, 'invalid_request');
        assert.ok(
          res.body.errors.some((e: { path: string }) => e.path === path),
          JSON.stringify(res.body.errors),
        );
        assert.equal(await w.state(), before);
      });
    }
    await t.step('a body that is not JSON is 415', async () => {
      const res = await api('POST', `/tenants/${w.tenantId}/${moduleId}/upgrade`, {
        token: w.users.admin.token,
        raw: 'version=2.0.0',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
      });
      assertProblem(res, 415, 'unsupported_media_type');
    });
  });
});

Deno.test('upgrade answers each persona as RLS allows and refusals change nothing', async (t) => {
  const expect: Record<Who, [number, string?]> = {
    member: [403, 'forbidden'],
    otherAdmin: [404, 'tenant_not_found'],
    stranger: [404, 'tenant_not_found'],
    anon: [401],
    admin: [200],
    owner: [200],
  };
  for (const who of Object.keys(expect) as Who[]) {
    await t.step(`${who} gets ${expect[who][0]}`, async () => {
      await withCatalog(async (w, modules) => {
        const moduleId = await installedAtV1(w, modules);
        const before = await w.state();
        const res = await upgrade(w, moduleId, '2.0.0', who);
        const [status, code] = expect[who];
        if (status === 200) {
          expectData(res);
          assert.deepEqual(await stored(w, moduleId), { version: '2.0.0', settings: V2_SETTINGS });
          return;
        }
        expectProblem(res, status, code ?? 'unauthorized');
        assert.equal(await w.state(), before);
      });
    });
  }
});

Deno.test('upgrade tells a caller who may not upgrade that, before what is wrong with it', async (t) => {
  await withCatalog(async (w, modules) => {
    const moduleId = await modules.add();
    await modules.publish(moduleId, { version: '2.0.0' });
    await w.install(moduleId);
    const before = await w.state();
    for (const version of ['9.9.9', '1.0.0']) {
      for (
        const [who, status, code] of [
          ['member', 403, 'forbidden'],
          ['otherAdmin', 404, 'tenant_not_found'],
          ['stranger', 404, 'tenant_not_found'],
        ] as const
      ) {
        await t.step(`${who} upgrading to ${version} gets ${status}`, async () => {
          expectProblem(await upgrade(w, moduleId, version, who), status, code);
          assert.equal(await w.state(), before);
        });
      }
    }
  });
});

Deno.test('upgrade of a tenant that does not exist is 404 tenant_not_found', async () => {
  await withCatalog(async (w, modules) => {
    const moduleId = await modules.add();
    const res = await modulesClient('owner', w).upgradeModule(crypto.randomUUID(), moduleId);
    expectProblem(res, 404, 'tenant_not_found');
  });
});

Deno.test('upgrade takes POST only: other methods are 405 with Allow', async (t) => {
  await withCatalog(async (w, modules) => {
    const moduleId = await installedAtV1(w, modules);
    for (const method of ['GET', 'PATCH', 'PUT', 'DELETE']) {
      await t.step(method, async () => {
        const res = await api(method, `/tenants/${w.tenantId}/${moduleId}/upgrade`, {
          token: w.users.owner.token,
        });
        assertProblem(res, 405, 'method_not_allowed');
        assert.equal(res.headers.get('allow'), 'POST, OPTIONS');
      });
    }
    assert.equal((await w.row(moduleId))?.version, '1.0.0');
  });
});

Deno.test('a client that skips the function upgrades with a PATCH of version, migration included', async () => {
  await withCatalog(async (w, modules) => {
    const moduleId = await installedAtV1(w, modules);
    const url = `${stack.apiUrl}/rest/v1/tenant_modules?tenant_id=eq.${w.tenantId}` +
      `&module_id=eq.${moduleId}`;
    const patch = (version: string, token: string) =>
      fetch(url, {
        method: 'PATCH',
        headers: {
          apikey: stack.anonKey,
          authorization: `Bearer ${token}`,
          'content-type': 'application/json',
          prefer: 'return=representation',
        },
        body: JSON.stringify({ version }),
      });

    const member = await patch('2.0.0', w.users.member.token);
    assert.deepEqual(await member.json(), [], 'RLS hides the row from a member');
    assert.equal((await w.row(moduleId))?.version, '1.0.0');

    const unknown = await patch('9.9.9', w.users.admin.token);
    const unknownBody = await unknown.json();
    assert.equal(unknown.status, 409, JSON.stringify(unknownBody));
    assert.equal(unknownBody.code, '23503');

    const res = await patch('2.0.0', w.users.admin.token);
    const body = await res.json();
    assert.equal(res.status, 200, JSON.stringify(body));
    assert.equal(body[0].version, '2.0.0');
    assert.deepEqual(await stored(w, moduleId), { version: '2.0.0', settings: V2_SETTINGS });

    const downgrade = await patch('1.0.0', w.users.admin.token);
    const downgradeBody = await downgrade.json();
    assert.equal(downgrade.status, 400, JSON.stringify(downgradeBody));
    assert.equal(downgradeBody.code, '23514');
    assert.equal((await w.row(moduleId))?.version, '2.0.0');
  });
});

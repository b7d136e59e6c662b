/**
 * The settings contract lives in the database: the function reports the database's verdict, a
 * schema written to the catalog while the stack runs applies at once, a client that skips the
 * function meets the same rules, and settings travel untouched, numbers included.
 */
import assert from 'node:assert/strict';
import { api, clientFor, withWorld, type World } from '../_support/fixtures.ts';
import { stack } from '../_support/env.ts';
import { contractFetch } from '../_support/contract.ts';

const SCHEMA = {
  type: 'object',
  properties: {
    mode: { enum: ['fast', 'safe'], default: 'safe' },
    limit: { type: 'integer', maximum: 10000, default: 10 },
    owner: { type: 'object', properties: { email: { type: 'string', format: 'email' } } },
  },
  additionalProperties: false,
};

/** What the database itself says about `settings` under `schema`. */
async function databaseVerdict(w: World, schema: unknown, settings: unknown) {
  const [{ errors }] = await w.sql<{ errors: { path: string; message: string }[] }[]>`
    select private.json_schema_errors(
      ${w.sql.json(schema as never)},
      private.json_schema_apply_defaults(${w.sql.json(schema as never)}, ${
    w.sql.json(settings as never)
  }),
      'settings'
    ) as errors`;
  return errors;
}

Deno.test('install reports exactly the errors the database finds', async () => {
  await withWorld(async (w) => {
    const moduleId = await w.catalogModule({ settingsSchema: SCHEMA });
    const settings = { mode: 'reckless', limit: 10001, owner: { email: 'nope' }, isAdmin: true };
    const res = await api('POST', `/tenants/${w.tenantId}`, {
      token: w.users.admin.token,
      body: { module_id: moduleId, settings },
    });
    assert.equal(res.status, 422, JSON.stringify(res.body));
    assert.equal(res.body.code, 'invalid_settings');
    assert.deepEqual(res.body.errors, await databaseVerdict(w, SCHEMA, settings));
    const messages = Object.fromEntries(
      res.body.errors.map((e: { path: string; message: string }) => [e.path, e.message]),
    );
    assert.deepEqual(messages, {
      'settings': 'unknown key "isAdmin"',
      'settings.mode': 'must be one of: "fast", "safe"',
      'settings.limit': 'must be at most 10000',
      'settings.owner.email': 'must be an email address',
    });
    assert.equal(await w.state(), '[]');
  });
});

Deno.test('merge reports exactly the errors the database finds and changes nothing', async () => {
  await withWorld(async (w) => {
    const moduleId = await w.catalogModule({ settingsSchema: SCHEMA });
    await w.install(moduleId);
    const before = await w.state();
    const res = await api('PATCH', `/tenants/${w.tenantId}/${moduleId}/settings`, {
      token: w.users.owner.token,
      body: { limit: 1.5, mode: null },
    });
    assert.equal(res.status, 422, JSON.stringify(res.body));
    assert.deepEqual(res.body.errors, [{ path: 'settings.limit', message: 'must be an integer' }]);
    assert.equal(await w.state(), before);
  });
});

Deno.test('a schema written to the catalog while the stack runs applies to the next request', async () => {
  await withWorld(async (w) => {
    const moduleId = await w.catalogModule();
    const install = () =>
      api('POST', `/tenants/${w.tenantId}`, {
        token: w.users.admin.token,
        body: { module_id: moduleId, settings: { mode: 'reckless' } },
      });
    // No schema yet: any object goes; the row is then uninstalled again.
    assert.equal((await install()).status, 201);
    await w.sql`delete from public.tenant_modules where module_id = ${moduleId}`;

    await w.sql`update public.modules set settings_schema = ${w.sql.json(SCHEMA)}
      where id = ${moduleId}`;
    const refused = await install();
    assert.equal(refused.status, 422, JSON.stringify(refused.body));
    assert.equal(refused.body.errors[0].path, 'settings.mode');

    const accepted = await api('POST', `/tenants/${w.tenantId}`, {
      token: w.users.admin.token,
      body: { module_id: moduleId },
    });
    assert.equal(accepted.status, 201, JSON.stringify(accepted.body));
    assert.deepEqual(accepted.body.settings, { mode: 'safe', limit: 10 });
  });
});

Deno.test('a new schema with a new default fills it into installed rows at once', async () => {
  await withWorld(async (w) => {
    const moduleId = await w.catalogModule({ settingsSchema: SCHEMA });
    await w.install(moduleId, { settings: { mode: 'fast' } });
    const extended = {
      ...SCHEMA,
      properties: { ...SCHEMA.properties, region: { type: 'string', default: 'eu' } },
    };
    await w.sql`update public.modules set settings_schema = ${w.sql.json(extended)}
      where id = ${moduleId}`;
    const res = await api('GET', `/tenants/${w.tenantId}/${moduleId}`, {
      token: w.users.member.token,
    });
    assert.deepEqual(res.body.settings, { mode: 'fast', limit: 10, region: 'eu' });
  });
});

Deno.test('a schema that installed settings would fail is refused, naming the tenants', async () => {
  await withWorld(async (w) => {
    const moduleId = await w.catalogModule();
    await w.install(moduleId, { settings: { mode: 'reckless' } });
    await w.install(moduleId, { tenantId: w.otherTenantId, settings: { mode: 'fast' } });
    const error = await w.sql`update public.modules set settings_schema = ${w.sql.json(SCHEMA)}
      where id = ${moduleId}`.catch((e) => e);
    assert.equal(error.code, '23514');
    const failing = JSON.parse(error.detail);
    assert.deepEqual(failing.map((f: { tenant_id: string }) => f.tenant_id), [w.tenantId]);
    assert.equal(failing[0].errors[0].path, 'settings.mode');
    const [{ settings_schema }] = await w.sql`
      select settings_schema from public.modules where id = ${moduleId}`;
    assert.equal(settings_schema, null, 'the schema was not written');
  });
});

Deno.test('a client that skips the function meets the same contract through /rest/v1', async (t) => {
  await withWorld(async (w) => {
    await w.install('agency');
    const before = await w.state();
    const owner = clientFor(w.users.owner.token);
    const bad = { max_clients: -5, timezone: 'Mars/Olympus', currency: 123, isAdmin: true };

    await t.step('update of the row', async () => {
      const { error, status } = await owner.from('tenant_modules').update({ settings: bad })
        .eq('tenant_id', w.tenantId).eq('module_id', 'agency').select();
      assert.equal(status, 400);
      assert.equal(error?.code, '23514');
      assert.equal(error?.message, 'invalid settings for module "agency"');
      const paths = JSON.parse(error!.details).map((e: { path: string }) => e.path).sort();
      assert.deepEqual(paths, [
        'settings',
        'settings.currency',
        'settings.max_clients',
        'settings.timezone',
      ]);
    });

    await t.step('insert of a new row', async () => {
      const moduleId = await w.catalogModule({ settingsSchema: SCHEMA });
      const { error, status } = await owner.from('tenant_modules').insert({
        tenant_id: w.tenantId,
        module_id: moduleId,
        settings: { limit: 0.5 },
      });
      assert.equal(status, 400);
      assert.equal(error?.code, '23514');
    });

    await t.step('the merge RPC', async () => {
      const { error, status } = await owner.rpc('merge_tenant_module_settings', {
        tenant_id: w.tenantId,
        module_id: 'agency',
        patch: { max_clients: 10001 },
      });
      assert.equal(status, 400);
      assert.deepEqual(JSON.parse(error!.details), [
        { path: 'settings.max_clients', message: 'must be at most 10000' },
      ]);
    });

    await t.step(
      'nesting 9,000 levels deep (sent as text: supabase-js cannot even encode it)',
      async () => {
        const res = await fetch(
          `${stack.apiUrl}/rest/v1/tenant_modules?tenant_id=eq.${w.tenantId}&module_id=eq.agency`,
          {
            method: 'PATCH',
            headers: {
              apikey: stack.anonKey,
              authorization: `Bearer ${w.users.owner.token}`,
              'content-type': 'application/json',
            },
            body: `{"settings":{"a":${'['.repeat(9000)}${']'.repeat(9000)}}}`,
          },
        );
        const body = await res.json();
        assert.equal(res.status, 400, JSON.stringify(body));
        assert.deepEqual(JSON.parse(body.details), [
          {
            path: 'settings',
            message: 'must not nest objects and arrays more than 32 levels deep',
          },
        ]);
      },
    );

    assert.equal(await w.state(), before, 'nothing changed');
  });
});

Deno.test('the merge RPC through /rest/v1 merges for an admin and returns nothing to a member', async () => {
  await withWorld(async (w) => {
    await w.install('agency');
    const args = { tenant_id: w.tenantId, module_id: 'agency', patch: { currency: 'EUR' } };
    const member = await clientFor(w.users.member.token).rpc('merge_tenant_module_settings', args);
    assert.deepEqual(member.data, []);
    assert.equal((await w.row('agency'))?.settings.currency, 'USD');
    const admin = await clientFor(w.users.admin.token).rpc('merge_tenant_module_settings', args);
    assert.equal(admin.error, null);
    assert.equal((admin.data?.[0].settings as { currency?: string }).currency, 'EUR');
    assert.equal((await w.row('agency'))?.settings.currency, 'EUR');
  });
});

Deno.test('big numbers and 1.10 survive a merge of another key, in the row and the response', async () => {
  await withWorld(async (w) => {
    const moduleId = await w.catalogModule();
    await w.sql`insert into public.tenant_modules (tenant_id, module_id, settings)
      values (${w.tenantId}, ${moduleId}, '{"big": 12345678901234567890, "price": 1.10}')`;
    const res = await contractFetch(
      `${stack.apiUrl}/functions/v1/modules/tenants/${w.tenantId}/${moduleId}/settings`,
      {
        method: 'PATCH',
        headers: {
          authorization: `Bearer ${w.users.admin.token}`,
          'content-type': 'application/json',
        },
        body: '{"other": 2, "exact": 98765432109876543210.50}',
      },
    );
    const text = await res.text();
    assert.equal(res.status, 200, text);
    assert.match(text, /"big":12345678901234567890[,}]/);
    assert.match(text, /"price":1\.10[,}]/);
    assert.match(text, /"exact":98765432109876543210\.50[,}]/);
    const [{ settings }] = await w.sql<{ settings: string }[]>`
      select settings::text from public.tenant_modules
      where tenant_id = ${w.tenantId} and module_id = ${moduleId}`;
    assert.equal(
      settings,
      '{"big": 12345678901234567890, "exact": 98765432109876543210.50, "other": 2, "price": 1.10}',
    );
  });
});

/**
 * The typed client (packages/client) against the stack over HTTP: every method, built from a
 * supabase-js client and from a URL with a token callback; typed problems; a token read per
 * request; and what a network failure, an answer that is not the API's and the gateway's own
 * 401 become.
 */
import assert from 'node:assert/strict';
import { createClient } from '@supabase/supabase-js';
import { createModulesClient } from '@module-registry/client';
import { contractFetch } from '../_support/contract.ts';
import { stack } from '../_support/env.ts';
import { mintUserJwt, withWorld } from '../_support/fixtures.ts';
import { expiredJwt } from '../_support/jwt.ts';
import {
  type ClientMode,
  expectData,
  modulesClient,
  supabaseFor,
} from '../_support/modules-client.ts';

const MODES: ClientMode[] = ['supabase', 'url'];
const AGENCY_DEFAULTS = { timezone: 'UTC', currency: 'USD', max_clients: 100 };

for (const mode of MODES) {
  Deno.test(`client (${mode}) drives every route: catalog, install, read, merge, enable, preview, events, upgrade, uninstall`, async () => {
    await withWorld(async (w) => {
      const client = modulesClient('owner', w, { mode });
      const tenant = w.tenantId;

      const catalog = expectData(await client.listCatalog());
      const agency = catalog.find((m) => m.id === 'agency');
      assert.equal(agency?.is_active, true);
      assert.deepEqual(agency?.requires, {});

      const installed = expectData(
        await client.installModule(tenant, 'agency', {
          settings: { currency: 'EUR' },
        }),
      );
      assert.equal(installed.module_id, 'agency');
      const currency: string = installed.settings.currency;
      assert.equal(currency, 'EUR');
      assert.equal((await w.row('agency'))?.settings.currency, 'EUR');

      const one = expectData(await client.getTenantModule(tenant, 'agency'));
      assert.deepEqual(one.settings, { ...AGENCY_DEFAULTS, currency: 'EUR' });

      const merged = expectData(
        await client.mergeSettings(tenant, 'agency', {
          timezone: 'Europe/Paris',
          branding: { primary_color: '#00FF00' },
        }),
      );
      assert.equal(merged.settings.timezone, 'Europe/Paris');
      assert.equal(merged.settings.branding?.primary_color, '#00FF00');
      const removed = expectData(
        await client.mergeSettings(tenant, 'agency', { branding: null }),
      );
      assert.equal(
        'branding' in removed.settings,
        false,
        'null removes a key (RFC 7396)',
      );

      const off = expectData(await client.setModuleEnabled(tenant, 'agency', false));
      assert.equal(off.enabled, false);
      const on = expectData(
        await client.setModuleEnabled(tenant, 'agency', true, {
          cascade: false,
        }),
      );
      assert.equal(on.enabled, true);

      const list = expectData(await client.listTenantModules(tenant));
      assert.deepEqual(list.map((r) => r.module_id), ['agency']);

      const preview = expectData(await client.previewUninstall(tenant, 'agency'));
      assert.deepEqual(preview, {
        module_id: 'agency',
        version: '1.0.0',
        dependents: [],
        tables: [],
      });

      const page = expectData(
        await client.listEvents(tenant, { moduleId: 'agency', limit: 2 }),
      );
      assert.deepEqual(page.events.map((e) => e.event), [
        'enabled',
        'disabled',
      ]);
      assert.equal(page.next_before, page.events[1].id);
      const older = expectData(
        await client.listEvents(tenant, {
          before: page.next_before!,
          limit: 50,
        }),
      );
      assert.deepEqual(older.events.map((e) => e.event), [
        'settings_changed',
        'settings_changed',
        'installed',
      ]);
      assert.equal(older.next_before, null);
      const feed = expectData(
        await client.pollEvents(tenant, { after: 0, moduleId: 'agency' }),
      );
      assert.equal(feed.events.length, 5);
      assert.equal(feed.next_after, feed.events[4].id);
      const caughtUp = expectData(
        await client.pollEvents(tenant, { after: feed.next_after }),
      );
      assert.deepEqual(caughtUp, { events: [], next_after: feed.next_after });

      const upgraded = expectData(await client.upgradeModule(tenant, 'agency'));
      assert.equal(upgraded.version, '1.0.0', 'already at the current version');
      assert.equal(
        expectData(await client.upgradeModule(tenant, 'agency', { version: '1.0.0' }))
          .version,
        '1.0.0',
      );

      const gone = await client.uninstallModule(tenant, 'agency', {
        cascade: true,
        purge: false,
      });
      assert.deepEqual(gone, { data: null, error: null });
      assert.equal(await w.row('agency'), undefined);
      assert.deepEqual(expectData(await client.listTenantModules(tenant)), []);
    });
  });

  Deno.test(`client (${mode}) returns the API's problems typed by code`, async () => {
    await withWorld(async (w) => {
      const member = modulesClient('member', w, { mode });
      const refused = await member.installModule(w.tenantId, 'agency');
      assert.equal(refused.data, null);
      assert.equal(refused.error?.code, 'forbidden');
      assert.equal(refused.error?.status, 403);
      assert.equal(
        refused.error?.type,
        'urn:module-registry:problem:forbidden',
      );
      assert.equal(await w.state(), '[]');

      const owner = modulesClient('owner', w, { mode });
      const missing = await owner.listTenantModules(crypto.randomUUID());
      assert.equal(missing.error?.code, 'tenant_not_found');
      assert.equal(missing.error?.status, 404);
      const notInstalled = await owner.getTenantModule(w.tenantId, 'agency');
      assert.equal(notInstalled.error?.code, 'module_not_installed');

      const invalid = await owner.installModule(w.tenantId, 'agency', {
        settings: { max_clients: 0 },
      });
      assert.equal(invalid.error?.code, 'invalid_settings');
      assert.deepEqual(invalid.error?.errors?.map((e) => e.path), [
        'settings.max_clients',
      ]);

      const strange = await owner.getTenantModule('not-a-uuid', 'agency');
      assert.equal(strange.error?.code, 'invalid_request');
      assert.deepEqual(strange.error?.errors?.map((e) => e.path), [
        'params.tenantId',
      ]);

      const anon = modulesClient('anon', w, { mode });
      const unauthorized = await anon.listCatalog();
      assert.equal(unauthorized.error?.code, 'unauthorized');
      assert.equal(unauthorized.error?.status, 401);
    });
  });

  Deno.test(`client (${mode}) reads the token before every request`, async () => {
    await withWorld(async (w) => {
      const minted: string[] = [];
      const seen: string[] = [];
      const token = async () => {
        const jwt = await mintUserJwt({
          sub: w.users.owner.id,
          claims: { n: minted.length },
        });
        minted.push(jwt);
        return jwt;
      };
      const recording: typeof fetch = (input, init) => {
        seen.push(new Headers(init?.headers).get('authorization') ?? '');
        return contractFetch(input, init);
      };
      const client = modulesClient('owner', w, {
        mode,
        token,
        fetch: recording,
      });
      assert.ok(expectData(await client.listCatalog()).length > 0);
      expectData(await client.installModule(w.tenantId, 'agency'));
      expectData(await client.getTenantModule(w.tenantId, 'agency'));
      // supabase-js also asks once when it is created, for Realtime.
      assert.equal(
        new Set(seen).size,
        3,
        'a fresh token for each of the 3 requests',
      );
      assert.ok(
        seen.every((header) => minted.some((t) => header === `Bearer ${t}`)),
      );
    });
  });

  Deno.test(`client (${mode}) reports a server that does not answer as network_error`, async () => {
    const closed = `http://127.0.0.1:${await closedPort()}`;
    const client = mode === 'supabase'
      ? createModulesClient({ supabase: createClient(closed, stack.anonKey) })
      : createModulesClient({
        url: closed,
        apiKey: stack.anonKey,
        accessToken: () => null,
      });
    const result = await client.listCatalog();
    assert.equal(result.data, null);
    assert.equal(result.error?.code, 'network_error');
    assert.equal(result.error?.status, 0);
    assert.ok(result.error?.cause instanceof Error);
  });

  Deno.test(`client (${mode}) reports an aborted request as network_error`, async () => {
    await withWorld(async (w) => {
      const client = modulesClient('owner', w, { mode });
      const result = await client.listCatalog({ signal: AbortSignal.abort() });
      assert.equal(result.error?.code, 'network_error');
      assert.match(result.error?.detail ?? '', /aborted/);
    });
  });

  Deno.test(`client (${mode}) reports an answer that is not the API's as unexpected_response`, async () => {
    await withWorld(async (w) => {
      const page = '<html><body>502 Bad Gateway</body></html>';
      const proxy: typeof fetch = () =>
        Promise.resolve(
          new Response(page, {
            status: 502,
            headers: { 'content-type': 'text/html' },
          }),
        );
      const failed = await modulesClient('owner', w, { mode, fetch: proxy })
        .listCatalog();
      assert.equal(failed.error?.code, 'unexpected_response');
      assert.equal(failed.error?.status, 502);
      assert.equal(failed.error?.body, page);

      const portal: typeof fetch = () =>
        Promise.resolve(
          new Response(page, {
            status: 200,
            headers: { 'content-type': 'text/html' },
          }),
        );
      const hijacked = await modulesClient('owner', w, { mode, fetch: portal })
        .listCatalog();
      assert.equal(hijacked.error?.code, 'unexpected_response');
      assert.equal(hijacked.error?.status, 200);
    });
  });
}

Deno.test('client reports an expired token as unauthorized, whether the gateway or the function refuses it', async () => {
  await withWorld(async (w) => {
    const expired = await expiredJwt(w.users.owner.id);
    for (const mode of MODES) {
      const client = modulesClient('owner', w, { mode, token: () => expired });
      const result = await client.listTenantModules(w.tenantId);
      assert.equal(result.error?.code, 'unauthorized', mode);
      assert.equal(result.error?.status, 401);
    }
  });
});

Deno.test('client built from a supabase-js client signed in as the persona sends its token', async () => {
  await withWorld(async (w) => {
    const supabase = supabaseFor(w.users.admin.token, contractFetch);
    const client = createModulesClient({ supabase });
    assert.equal(
      expectData(await client.installModule(w.tenantId, 'agency')).enabled,
      true,
    );
    const [event] = expectData(await client.listEvents(w.tenantId)).events;
    assert.equal(event.actor, w.users.admin.id);
  });
});

/** A port on the loopback that nothing listens on. */
async function closedPort(): Promise<number> {
  const listener = Deno.listen({ hostname: '127.0.0.1', port: 0 });
  const { port } = listener.addr as Deno.NetAddr;
  listener.close();
  await Promise.resolve();
  return port;
}

Deno.test({
  name: 'client reads the OpenAPI document with the anon key alone, as committed',
  fn: async () => {
    const committed = JSON.parse(
      await Deno.readTextFile(new URL('../../packages/client/openapi.json', import.meta.url)),
    );
    for (const mode of MODES) {
      const client = mode === 'supabase'
        ? createModulesClient({ supabase: supabaseFor(null, contractFetch) })
        : createModulesClient({ url: stack.apiUrl, apiKey: stack.anonKey, fetch: contractFetch });
      const { data, error } = await client.getOpenApiDocument();
      assert.equal(error, null, JSON.stringify(error));
      assert.deepEqual(data, committed, mode);
    }
  },
});

/**
 * Every route of the modules function × every persona (owner, admin, member, admin of another
 * tenant, signed-in stranger, anon key), over HTTP through the gateway: the allowed side answers
 * as documented and its write is in the database; the refused side gets the right status and
 * code as problem+json, and leaves the tenant's rows exactly as they were (checked by SQL).
 */
import assert from 'node:assert/strict';
import { api, type Who, withWorld, type World } from '../_support/fixtures.ts';

interface Case {
  route: string;
  expect: Record<Who, number>;
  /** Makes the request for one persona; may prepare the world first. */
  request: (w: World, who: Who) => Promise<[string, string, unknown?]>;
  /** After an allowed request: the database shows its effect. */
  effect?: (w: World, body: unknown, who: Who) => Promise<void>;
}

const READ = { owner: 200, admin: 200, member: 200, otherAdmin: 404, stranger: 404, anon: 401 };
const WRITE = { owner: 200, admin: 200, member: 403, otherAdmin: 404, stranger: 404, anon: 401 };
const CODES: Record<number, string> = {
  401: 'unauthorized',
  403: 'forbidden',
  404: 'tenant_not_found',
};

/** Agency installed in tenant A (for the routes on an installed module) and in tenant B. */
async function agencyEverywhere(w: World): Promise<void> {
  await w.sql`
    insert into public.tenant_modules (tenant_id, module_id, settings)
    values (${w.tenantId}, 'agency', '{"timezone":"UTC","currency":"USD","max_clients":100}'),
           (${w.otherTenantId}, 'agency', '{}')
    on conflict (tenant_id, module_id) do nothing`;
}

const CASES: Case[] = [
  {
    route: 'GET /modules',
    expect: { owner: 200, admin: 200, member: 200, otherAdmin: 200, stranger: 200, anon: 401 },
    request: () => Promise.resolve(['GET', '']),
  },
  {
    route: 'GET /modules/tenants/{tenantId}',
    expect: READ,
    request: async (w) => {
      await agencyEverywhere(w);
      return ['GET', `/tenants/${w.tenantId}`];
    },
  },
  {
    route: 'POST /modules/tenants/{tenantId}',
    expect: { ...WRITE, owner: 201, admin: 201 },
    request: async (w) => {
      const moduleId = await w.catalogModule();
      return ['POST', `/tenants/${w.tenantId}`, { module_id: moduleId, settings: { k: 1 } }];
    },
    effect: async (w, body) => {
      const row = await w.row((body as { module_id: string }).module_id);
      assert.deepEqual(row?.settings, { k: 1 });
    },
  },
  {
    route: 'GET /modules/tenants/{tenantId}/{moduleId}',
    expect: READ,
    request: async (w) => {
      await agencyEverywhere(w);
      return ['GET', `/tenants/${w.tenantId}/agency`];
    },
  },
  {
    route: 'PATCH /modules/tenants/{tenantId}/{moduleId}/settings',
    expect: WRITE,
    request: async (w, who) => {
      await agencyEverywhere(w);
      return ['PATCH', `/tenants/${w.tenantId}/agency/settings`, { max_clients: who.length }];
    },
    effect: async (w, _body, who) => {
      assert.equal((await w.row('agency'))?.settings.max_clients, who.length);
    },
  },
  {
    route: 'PATCH /modules/tenants/{tenantId}/{moduleId}',
    expect: WRITE,
    request: async (w) => {
      await agencyEverywhere(w);
      await w.sql`update public.tenant_modules set enabled = true where tenant_id = ${w.tenantId}`;
      return ['PATCH', `/tenants/${w.tenantId}/agency`, { enabled: false }];
    },
    effect: async (w) => {
      assert.equal((await w.row('agency'))?.enabled, false);
    },
  },
  {
    route: 'DELETE /modules/tenants/{tenantId}/{moduleId}',
    expect: { ...WRITE, owner: 204, admin: 204 },
    request: async (w) => {
      await agencyEverywhere(w);
      return ['DELETE', `/tenants/${w.tenantId}/agency`];
    },
    effect: async (w) => {
      assert.equal(await w.row('agency'), undefined);
      assert.ok(await w.row('agency', w.otherTenantId), "tenant B's install is untouched");
    },
  },
  {
    route: 'DELETE /modules/tenants/{tenantId}/{moduleId}?purge=true',
    expect: { ...WRITE, owner: 204, admin: 204 },
    request: async (w) => {
      await agencyEverywhere(w);
      return ['DELETE', `/tenants/${w.tenantId}/agency?purge=true`];
    },
    effect: async (w) => {
      assert.equal(await w.row('agency'), undefined);
      assert.ok(await w.row('agency', w.otherTenantId), "tenant B's install is untouched");
    },
  },
  {
    route: 'GET /modules/tenants/{tenantId}/{moduleId}/uninstall-preview',
    expect: WRITE,
    request: async (w) => {
      await agencyEverywhere(w);
      return ['GET', `/tenants/${w.tenantId}/agency/uninstall-preview`];
    },
  },
  {
    route: 'GET /modules/tenants/{tenantId}/events',
    expect: READ,
    request: async (w) => {
      await agencyEverywhere(w);
      return ['GET', `/tenants/${w.tenantId}/events`];
    },
  },
  {
    route: 'GET /modules/tenants/{tenantId}/events?after=0',
    expect: READ,
    request: async (w) => {
      await agencyEverywhere(w);
      return ['GET', `/tenants/${w.tenantId}/events?after=0`];
    },
  },
];

for (const c of CASES) {
  Deno.test(`${c.route} answers each persona as RLS allows`, async (t) => {
    await withWorld(async (w) => {
      for (const who of ['member', 'otherAdmin', 'stranger', 'anon', 'admin', 'owner'] as Who[]) {
        await t.step(`${who} gets ${c.expect[who]}`, async () => {
          const [method, path, body] = await c.request(w, who);
          const before = await w.state() + await w.state(w.otherTenantId);
          const res = await api(method, path, { token: w.token(who), body });
          assert.equal(res.status, c.expect[who], JSON.stringify(res.body));
          if (res.status >= 400) {
            assert.match(res.headers.get('content-type') ?? '', /^application\/problem\+json/);
            assert.equal(res.body.code, CODES[res.status]);
            assert.equal(res.body.status, res.status);
            const after = await w.state() + await w.state(w.otherTenantId);
            assert.equal(after, before, 'a refused request changed nothing');
          } else {
            await c.effect?.(w, body, who);
          }
        });
      }
    });
  });
}

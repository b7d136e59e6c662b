/**
 * Module events over HTTP: `GET /modules/tenants/{tenantId}/events` shows the event the database
 * wrote for every change (through the function, `/rest/v1` or SQL), with its actor, and none for a
 * write that changed nothing; pages back with `before`/`limit` without gaps or duplicates, filters
 * by module, polls forward with `after` behind the horizon of transactions still in flight, and
 * answers each persona as RLS allows. The events table is in the `supabase_realtime` publication.
 * Test modules (`zz_…`) are published through the superuser connection.
 */
import assert from 'node:assert/strict';
import { type Catalog, withCatalog } from '../_support/catalog.ts';
import { stack } from '../_support/env.ts';
import { api, assertProblem, connect, type Who, type World } from '../_support/fixtures.ts';
import { expectData, modulesClient } from '../_support/modules-client.ts';
import type { EventsPage } from '@module-registry/client';

/** The keys of an event as the API returns it, in order. */
const EVENT_KEYS = [
  'id',
  'tenant_id',
  'module_id',
  'event',
  'version',
  'actor',
  'actor_role',
  'occurred_at',
  'change',
];

interface Event {
  id: number;
  tenant_id: string;
  module_id: string;
  event: string;
  version: string | null;
  actor: string | null;
  actor_role: string;
  occurred_at: string;
  change?: unknown;
}

function events(w: World, query = '', who: Who = 'member') {
  return api('GET', `/tenants/${w.tenantId}/events${query}`, { token: w.token(who) });
}

/** Tenant A's events of one module, oldest first, as the API lists them (newest first). */
async function history(w: World, moduleId: string): Promise<Event[]> {
  const page = expectData(await modulesClient('member', w).listEvents(w.tenantId, { moduleId }));
  return page.events.toReversed();
}

/** What an event says, without its id, tenant and time. */
const gist = ({ event, version, actor, actor_role, change }: Event) => ({
  event,
  version,
  actor,
  actor_role,
  change,
});

/** The largest event id so far (0 when none). */
async function lastEventId(w: World): Promise<number> {
  const [{ max }] = await w.sql<{ max: string | null }[]>`
    select max(id)::text as max from public.tenant_module_events`;
  return Number(max ?? 0);
}

/** Two modules installed in tenant A, and the last event id after that. */
async function twoInstalled(w: World, modules: Catalog): Promise<[string, string, number]> {
  const first = await modules.add();
  const second = await modules.add();
  await w.install(first);
  await w.install(second);
  return [first, second, await lastEventId(w)];
}

/** A module whose settings are `{n: integer = 1}`. */
function counterModule(modules: Catalog) {
  return modules.add({
    settingsSchema: { type: 'object', properties: { n: { type: 'integer', default: 1 } } },
  });
}

Deno.test('every change through the API records its event, with the caller as actor', async () => {
  await withCatalog(async (w, modules) => {
    const moduleId = await counterModule(modules);
    const client = modulesClient('admin', w);
    const tenant = w.tenantId;
    expectData(await client.installModule(tenant, moduleId));
    expectData(await client.mergeSettings(tenant, moduleId, { n: 2 }));
    expectData(await client.setModuleEnabled(tenant, moduleId, false));
    expectData(await client.setModuleEnabled(tenant, moduleId, true));
    await modules.publish(moduleId, {
      version: '2.0.0',
      settingsSchema: {
        type: 'object',
        properties: { n: { type: 'integer' }, m: { type: 'integer', default: 5 } },
      },
    });
    expectData(await client.upgradeModule(tenant, moduleId));
    expectData(await client.uninstallModule(tenant, moduleId));

    const actor = { actor: w.users.admin.id, actor_role: 'authenticated' };
    const listed = await history(w, moduleId);
    assert.deepEqual(listed.map(gist), [
      {
        event: 'installed',
        version: '1.0.0',
        ...actor,
        change: { settings: { n: 1 }, enabled: true },
      },
      { event: 'settings_changed', version: '1.0.0', ...actor, change: { patch: { n: 2 } } },
      { event: 'disabled', version: '1.0.0', ...actor, change: null },
      { event: 'enabled', version: '1.0.0', ...actor, change: null },
      {
        event: 'upgraded',
        version: '2.0.0',
        ...actor,
        change: { from: '1.0.0', to: '2.0.0', patch: { m: 5 } },
      },
      {
        event: 'uninstalled',
        version: '2.0.0',
        ...actor,
        change: { settings: { n: 2, m: 5 }, purged: false, purged_rows: null },
      },
    ]);
    for (const event of listed) {
      assert.deepEqual(Object.keys(event), EVENT_KEYS, 'no transaction_id, keys in one order');
      assert.equal(event.tenant_id, w.tenantId);
      assert.equal(event.module_id, moduleId);
      assert.equal(typeof event.id, 'number');
      assert.ok(!Number.isNaN(Date.parse(event.occurred_at)));
    }
    const ids = listed.map((e) => e.id);
    assert.deepEqual(ids, ids.toSorted((a, b) => a - b), 'ids increase with every event');
  });
});

Deno.test('a write on /rest/v1 as service_role has no actor; SQL names postgres; a no-op records nothing', async () => {
  await withCatalog(async (w, modules) => {
    const moduleId = await modules.add();
    await w.install(moduleId, { settings: { a: 1 } });
    const rest = (body: unknown) =>
      fetch(
        `${stack.apiUrl}/rest/v1/tenant_modules?tenant_id=eq.${w.tenantId}&module_id=eq.${moduleId}`,
        {
          method: 'PATCH',
          headers: {
            apikey: stack.serviceRoleKey,
            authorization: `Bearer ${stack.serviceRoleKey}`,
            'content-type': 'application/json',
          },
          body: JSON.stringify(body),
        },
      ).then(async (res) => {
        await res.body?.cancel();
        return res.status;
      });
    assert.equal(await rest({ enabled: false }), 204);
    // A null inside the settings: no merge patch can set it, so the change is before and after.
    assert.equal(await rest({ settings: { a: 1, b: null } }), 204);
    const recorded = (await history(w, moduleId)).map(gist);
    assert.deepEqual(recorded, [
      {
        event: 'installed',
        version: '1.0.0',
        actor: null,
        actor_role: 'postgres',
        change: { settings: { a: 1 }, enabled: true },
      },
      {
        event: 'disabled',
        version: '1.0.0',
        actor: null,
        actor_role: 'service_role',
        change: null,
      },
      {
        event: 'settings_changed',
        version: '1.0.0',
        actor: null,
        actor_role: 'service_role',
        change: { before: { a: 1 }, after: { a: 1, b: null } },
      },
    ]);

    const before = await lastEventId(w);
    const owner = modulesClient('owner', w);
    expectData(await owner.mergeSettings(w.tenantId, moduleId, {}));
    expectData(await owner.mergeSettings(w.tenantId, moduleId, { a: 1 }));
    expectData(await owner.setModuleEnabled(w.tenantId, moduleId, false));
    expectData(await owner.upgradeModule(w.tenantId, moduleId));
    assert.equal(await rest({ enabled: false, settings: { a: 1, b: null } }), 204);
    assert.equal(await lastEventId(w), before, 'writes that changed nothing recorded nothing');
    assert.deepEqual((await history(w, moduleId)).map(gist), recorded);
  });
});

Deno.test('events page back newest first with before and limit, without gaps or duplicates', async () => {
  await withCatalog(async (w, modules) => {
    const moduleId = await modules.add();
    await w.install(moduleId);
    await w.sql.unsafe(`
      do $$ begin
        for i in 1..54 loop
          update public.tenant_modules set settings = jsonb_build_object('i', i)
          where tenant_id = '${w.tenantId}' and module_id = '${moduleId}';
        end loop;
      end $$`);
    const [{ ids: all }] = await w.sql<{ ids: string[] }[]>`
      select array_agg(id::text order by id desc) as ids from public.tenant_module_events
      where tenant_id = ${w.tenantId}`;
    assert.equal(all.length, 55);

    const client = modulesClient('member', w);
    const list = async (options: { before?: number; limit?: number } = {}) =>
      expectData(await client.listEvents(w.tenantId, options));
    const first = await list();
    assert.equal(first.events.length, 50, 'the default page is 50 events');
    assert.equal(first.next_before, first.events[49].id);

    const seen: number[] = [];
    let before: number | null = null;
    let pages = 0;
    do {
      const page: EventsPage = await list({ limit: 7, before: before ?? undefined });
      seen.push(...page.events.map((e) => e.id));
      before = page.next_before;
      pages++;
    } while (before !== null);
    assert.equal(pages, 8, '55 events in pages of 7');
    assert.deepEqual(seen.map(String), all);

    const exact = await list({ limit: 5, before: Number(all[49]) });
    assert.deepEqual(exact.events.map((e) => String(e.id)), all.slice(50));
    assert.equal(exact.next_before, null, 'a page that reaches the first event is the last');
    assert.deepEqual(await list({ before: Number(all[54]) }), { events: [], next_before: null });
  });
});

Deno.test('events filter by module, paging and polling alike', async () => {
  await withCatalog(async (w, modules) => {
    const a = await modules.add();
    const b = await modules.add();
    for (const id of [a, b, a, b]) {
      await w.sql`
        insert into public.tenant_modules (tenant_id, module_id) values (${w.tenantId}, ${id})
        on conflict (tenant_id, module_id) do update set enabled = not tenant_modules.enabled`;
    }
    const client = modulesClient('member', w);
    const tenant = w.tenantId;
    const onlyA = expectData(await client.listEvents(tenant, { moduleId: a }));
    assert.deepEqual(onlyA.events.map((e) => [e.module_id, e.event]), [
      [a, 'disabled'],
      [a, 'installed'],
    ]);
    const page = expectData(await client.listEvents(tenant, { moduleId: b, limit: 1 }));
    assert.deepEqual(page.events.map((e) => e.event), ['disabled']);
    const rest = expectData(
      await client.listEvents(tenant, { moduleId: b, before: page.next_before ?? undefined }),
    );
    assert.deepEqual(rest.events.map((e) => e.event), ['installed']);
    const polled = expectData(await client.pollEvents(tenant, { moduleId: b, after: 0 }));
    assert.deepEqual(polled.events.map((e) => [e.module_id, e.event]), [
      [b, 'installed'],
      [b, 'disabled'],
    ]);
    const other = await modules.add();
    assert.deepEqual(expectData(await client.listEvents(tenant, { moduleId: other })).events, []);
  });
});

Deno.test('after polls oldest first from a cursor, and hands back the cursor to poll with next', async () => {
  await withCatalog(async (w, modules) => {
    const start = await lastEventId(w);
    const moduleId = await modules.add();
    await w.install(moduleId);
    for (const enabled of [false, true, false]) {
      await w.sql`update public.tenant_modules set enabled = ${enabled}
        where tenant_id = ${w.tenantId} and module_id = ${moduleId}`;
    }
    const client = modulesClient('member', w);
    const poll = async (after: number, limit?: number) =>
      expectData(await client.pollEvents(w.tenantId, { after, limit }));
    const first = await poll(start, 3);
    assert.deepEqual(first.events.map((e) => e.event), ['installed', 'disabled', 'enabled']);
    assert.equal(first.next_after, first.events[2].id);
    assert.equal('next_before' in first, false);
    const second = await poll(first.next_after, 3);
    assert.deepEqual(second.events.map((e) => e.event), ['disabled']);
    const caughtUp = await poll(second.next_after);
    assert.deepEqual(caughtUp, { events: [], next_after: second.next_after });
    for (const e of [...first.events, ...second.events]) {
      assert.deepEqual(Object.keys(e), EVENT_KEYS);
    }
  });
});

Deno.test('after holds back events of a transaction still in flight, then returns them in order', async () => {
  await withCatalog(async (w, modules) => {
    const [early, late, cursor] = await twoInstalled(w, modules);
    const a = connect();
    const b = connect();
    const open = await a.reserve();
    try {
      await open`begin`;
      await open`update public.tenant_modules set enabled = false
        where tenant_id = ${w.tenantId} and module_id = ${early}`;
      await b`update public.tenant_modules set enabled = false
        where tenant_id = ${w.tenantId} and module_id = ${late}`;
      const paged = await events(w);
      assert.deepEqual(
        paged.body.events.slice(0, 1).map((e: Event) => [e.module_id, e.event]),
        [[late, 'disabled']],
        'the later event is committed and listed',
      );
      const held = await events(w, `?after=${cursor}`);
      assert.equal(held.status, 200, JSON.stringify(held.body));
      assert.deepEqual(held.body, { events: [], next_after: cursor }, 'a poller waits');

      await open`commit`;
      const polled = await events(w, `?after=${cursor}`);
      assert.deepEqual(polled.body.events.map((e: Event) => [e.module_id, e.event]), [
        [early, 'disabled'],
        [late, 'disabled'],
      ]);
      assert.ok(polled.body.events[0].id < polled.body.events[1].id);
    } finally {
      await open`rollback`.catch(() => {});
      open.release();
      await Promise.all([a.end(), b.end()]);
    }
  });
});

// A transaction that took its id first but wrote its event last: its event has the larger id and
// becomes readable while the other (smaller id) is still in flight. Ordering by id alone would move
// the cursor past the smaller one; the feed orders by writing transaction, then id.
Deno.test({
  name: 'after never skips an event whose transaction took its id before an older one committed',
  fn: async () => {
    await withCatalog(async (w, modules) => {
      const [x, y, start] = await twoInstalled(w, modules);
      const a = connect();
      const b = connect();
      const [first, second] = await Promise.all([a.reserve(), b.reserve()]);
      try {
        await first`begin`;
        await first`select pg_current_xact_id()`; // the older transaction id
        await second`begin`;
        await second`update public.tenant_modules set enabled = false
          where tenant_id = ${w.tenantId} and module_id = ${x}`; // the smaller event id
        await first`update public.tenant_modules set enabled = false
          where tenant_id = ${w.tenantId} and module_id = ${y}`;
        await first`commit`;
        const seen: Event[] = [];
        let cursor = start;
        const poll = async () => {
          const res = await events(w, `?after=${cursor}`);
          seen.push(...res.body.events);
          cursor = res.body.next_after;
        };
        await poll();
        await second`commit`;
        await poll();
        assert.deepEqual(seen.map((e) => e.module_id).toSorted(), [x, y].toSorted());
      } finally {
        first.release();
        second.release();
        await Promise.all([a.end(), b.end()]);
      }
    });
  },
});

Deno.test('the events table is in the supabase_realtime publication on a logical-WAL database', async () => {
  const sql = connect();
  try {
    const published = await sql`
      select 1 from pg_catalog.pg_publication_tables
      where pubname = 'supabase_realtime' and schemaname = 'public'
        and tablename = 'tenant_module_events'`;
    assert.equal(published.length, 1);
    const [{ wal_level }] = await sql`show wal_level`;
    assert.equal(wal_level, 'logical');
  } finally {
    await sql.end();
  }
});

Deno.test('events answer members, hide the tenant from everyone else', async (t) => {
  await withCatalog(async (w, modules) => {
    const moduleId = await modules.add();
    await w.install(moduleId);
    await w.install(moduleId, { tenantId: w.otherTenantId });
    const expected: Record<Who, number> = {
      owner: 200,
      admin: 200,
      member: 200,
      otherAdmin: 404,
      stranger: 404,
      anon: 401,
    };
    for (const query of ['', '?after=0']) {
      for (const [who, status] of Object.entries(expected) as [Who, number][]) {
        await t.step(`${who} gets ${status} for events${query}`, async () => {
          const res = await events(w, query, who);
          if (status !== 200) {
            assertProblem(res, status, status === 404 ? 'tenant_not_found' : 'unauthorized');
            return;
          }
          assert.equal(res.status, 200, JSON.stringify(res.body));
          assert.ok(res.body.events.length >= 1);
          assert.ok(res.body.events.every((e: Event) => e.tenant_id === w.tenantId));
        });
      }
    }
    await t.step('the admin of tenant B reads only its own', async () => {
      const res = await api('GET', `/tenants/${w.otherTenantId}/events`, {
        token: w.token('otherAdmin'),
      });
      assert.equal(res.status, 200);
      assert.deepEqual(res.body.events.map((e: Event) => e.tenant_id), [w.otherTenantId]);
    });
    await t.step('a tenant that does not exist is 404 too', async () => {
      const res = await api('GET', `/tenants/${crypto.randomUUID()}/events?after=0`, {
        token: w.token('owner'),
      });
      assertProblem(res, 404, 'tenant_not_found');
    });
  });
});

Deno.test('the events query is validated: one cursor, whole ids, limit 1 to 200, nothing else', async (t) => {
  await withCatalog(async (w) => {
    const bad: [string, string][] = [
      ['?limit=0', 'query.limit'],
      ['?limit=201', 'query.limit'],
      ['?limit=ten', 'query.limit'],
      ['?limit=1.5', 'query.limit'],
      ['?limit=1&limit=2', 'query.limit'],
      ['?before=-1', 'query.before'],
      ['?before=1.5', 'query.before'],
      ['?before=abc', 'query.before'],
      ['?before=9007199254740993', 'query.before'],
      ['?after=1e3', 'query.after'],
      ['?after=', 'query.after'],
      ['?before=5&after=1', 'query.after'],
      ['?module_id=Not%20a%20module', 'query.module_id'],
      ['?cursor=5', 'query'],
      ['?purge=true', 'query'],
    ];
    for (const [query, path] of bad) {
      await t.step(query, async () => {
        const res = await events(w, query);
        assertProblem(res, 400, 'invalid_request');
        assert.ok(
          res.body.errors.some((e: { path: string }) => e.path === path),
          JSON.stringify(res.body.errors),
        );
      });
    }
    await t.step('the limits themselves are fine', async () => {
      for (const query of ['?limit=1', '?limit=200', '?before=0', '?after=9007199254740991']) {
        assert.equal((await events(w, query)).status, 200, query);
      }
    });
  });
});

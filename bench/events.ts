/**
 * Issue 10 against its parent commit, in one run and one cluster: `bench_events_parent` holds the
 * migrations up to {@link EVENTS_PARENT_MIGRATION} (module versions, the parent's schema),
 * `bench_events` all of them (the audit trigger on `tenant_modules`). Both get the same tenants,
 * owners, member and `tenant_modules` rows; `bench_events` also gets a history of
 * `tenant_module_events` (1M rows over many tenants, a tenth of them one member's tenant).
 *
 * - `latency`: install, settings merge and uninstall of `crm` (a module with a settings schema)
 *   by a tenant's owner, each as PostgREST runs the function's call: its own transaction, the
 *   role and JWT claims as transaction-local settings, then the statement PostgREST 12 sends
 *   (taken from its log): the insert, the `merge_tenant_module_settings` call, the delete. The
 *   arms take turns op by op, in every order; `control` is the parent again over a second
 *   connection (its own tenants), whose distance from the parent is the noise of the method.
 * - `throughput`: `clients` connections merging into ONE row at once, on one database then the
 *   other, in rounds whose order alternates; then a check that no merge was lost and (events)
 *   that each one wrote its event.
 * - `listing`: as the member, at 1M events: the function's newest page, a page deep in the
 *   history (`before=`), one module's page and `tenant_module_events_after` from an old cursor,
 *   timed by the client and by `explain analyze`, with their plans.
 *
 * Rows are loaded with triggers off (`session_replication_role = replica`): the per-row triggers
 * would record an `installed` event per row on one side only, and the writes measured depend on
 * the indexes and triggers, not on how the rows got there. The events go in as `postgres` (the
 * append-only trigger refuses update, delete and truncate, never an insert), one statement per
 * {@link FILL_BATCH}, ordered so that a tenant's events are spread over the table as time makes
 * them.
 */
import postgres from 'postgres';
import { databaseUrl } from '../scripts/stack/postgres.ts';
import { ROW } from '../supabase/functions/modules/rows.ts';
import {
  MEMBER_ID,
  memberTenants,
  MERGE_MODULE_SCHEMA,
  MODULES,
  ownerId,
  tenantId,
} from './load.ts';
import { describeCluster } from './machine.ts';
import { buildAgainstParent, everyOrder } from './parent.ts';
import { count, median } from './stats.ts';

/** The last migration of issue 10's parent commit: module versions. */
export const EVENTS_PARENT_MIGRATION = '20261125220000';

export type Side = 'parent' | 'events';
export const SIDES: readonly Side[] = ['parent', 'events'];
/** The two sides, and the parent again (its own connection and tenants) as a control. */
export type Arm = Side | 'control';
export const ARMS: readonly [Arm, Arm, Arm] = ['parent', 'events', 'control'];
/** Every order of the three arms: run `k` uses the `k % 6`-th. */
const ORDERS = everyOrder(ARMS);
export const EVENTS_DATABASE: Record<Side, string> = {
  parent: 'bench_events_parent',
  events: 'bench_events',
};

export type Op = 'install' | 'merge' | 'uninstall';
export const OPS: readonly Op[] = ['install', 'merge', 'uninstall'];
/**
 * The function's pages: newest, `before=` deep in the history, a busy module's and a rarely changed
 * one's; the `after=` feed from an old cursor and from a recent one.
 */
export type Page = 'newest' | 'before' | 'module' | 'rare' | 'after' | 'recent';
export const PAGES: readonly Page[] = ['newest', 'before', 'module', 'rare', 'after', 'recent'];

/** Installed, merged into and uninstalled: its settings schema is checked on every write. */
export const CYCLE_MODULE = 'crm';
/**
 * Tenants without `crm`, whose owners install, merge and uninstall it: the same for `parent` and
 * `events` (each in its database), others for `control`.
 */
const POOL_SIZE = 1_000;
const POOL_START: Record<Arm, number> = { parent: 1_001, events: 1_001, control: 2_001 };
/** Whose `crm` row every client of the throughput part merges into. */
const HOT_TENANT = 3_001;
/** The member's tenant holding a tenth of all events. */
const HISTORY_TENANT = memberTenants()[0];
/** A module with few events in the history tenant's (one in 5,000 of them): its page is short. */
export const RARE_MODULE = 'reports';
/** Events per insert statement of the fill. */
const FILL_BATCH = 100_000;
/** Page size of the listing (`?limit=50`: the function asks for one more). */
const PAGE = 50;

export interface EventsOptions {
  /** Tenants loaded in each database (ten modules each, nine for the cycles' tenants). */
  tenants: number;
  /** Rows of `tenant_module_events` loaded in `bench_events` before measuring. */
  events: number;
  /** Latency: rounds, and install/merge/uninstall cycles per arm in each. */
  rounds: number;
  runs: number;
  /** Throughput: concurrent clients, rounds, and seconds per side in each round. */
  clients: number;
  throughputRounds: number;
  seconds: number;
  /** Listing: runs of each page, client-timed and in the database. */
  listingRuns: number;
  log: (line: string) => void;
}

/** What `deno task bench` uses, and `--quick`. */
export function eventsOptions(quick: boolean): Omit<EventsOptions, 'log'> {
  return quick
    ? {
      tenants: 5_000,
      events: 100_000,
      rounds: 8,
      runs: 5,
      clients: 8,
      throughputRounds: 2,
      seconds: 1.5,
      listingRuns: 20,
    }
    : {
      tenants: 20_000,
      events: 1_000_000,
      rounds: 40,
      runs: 15,
      clients: 8,
      throughputRounds: 8,
      seconds: 2.5,
      listingRuns: 60,
    };
}

/** One request's times (ms): the whole transaction as PostgREST runs it, and its statement. */
interface Timing {
  total: number;
  statement: number;
}

export interface ThroughputWindow {
  merges: number;
  seconds: number;
}

export interface EventsResult {
  startedAt: string;
  seconds: number;
  command: string;
  machine: string;
  tenants: number;
  /** `tenant_modules` rows in each database. */
  rows: number;
  loadSeconds: number;
  fill: { events: number; seconds: number; historyTenantEvents: number };
  latency: {
    rounds: number;
    runs: number;
    /** samples[op][arm][round]: each run's times. */
    samples: Record<Op, Record<Arm, Timing[][]>>;
    /** Events the cycles wrote in `bench_events`, and how many they should have. */
    events: { expected: number; found: number };
  };
  throughput: {
    clients: number;
    seconds: number;
    /** windows[side][round] */
    windows: Record<Side, ThroughputWindow[]>;
    /** Each merge's time (ms), all rounds. */
    latency: Record<Side, number[]>;
    /** Clients whose last acknowledged value was not in the row afterwards. */
    lost: Record<Side, number>;
    /** `bench_events`: settings_changed events written by the merges, and the merges. */
    events: { merges: number; found: number };
  };
  listing: {
    /** Rows in `tenant_module_events` when measured. */
    tableEvents: number;
    historyTenantEvents: number;
    /** The history tenant's events of {@link RARE_MODULE}. */
    rareModuleEvents: number;
    /** The cursors: `before=`, and `after=` old (a tenth in) and recent (51 from the end). */
    before: number;
    after: number;
    recent: number;
    runs: number;
    /** Client-timed statement (ms) and `explain analyze` execution time (ms), per run. */
    latency: Record<Page, number[]>;
    execution: Record<Page, number[]>;
    returned: Record<Page, number>;
    /** `explain (analyze, buffers)`; for `after`, also the plan of the function's query. */
    plans: Record<Page, string>;
    /** The scans of `tenant_module_events` in the plans (index or sequential). */
    scans: Record<Page, string[]>;
  };
}

// ---------------------------------------------------------------------------------------------
// The statements PostgREST 12.0.2 sends for the function's calls (from its log with
// `log_min_duration_statement = 0`).
// ---------------------------------------------------------------------------------------------

/** A select list as PostgREST writes it: `"alias"."column"`, or `CAST( … AS text )`. */
function selectList(alias: string, columns: string[]): string {
  return columns.map((c) => {
    const [name, cast] = c.split('::');
    return cast ? `CAST( "${alias}"."${name}" AS ${cast} )` : `"${alias}"."${name}"`;
  }).join(', ');
}

const ROW_COLUMNS = ROW.split(',').map((c) => c.trim());
/** The columns the function's events route selects (`EVENT` in its events.ts). */
const EVENT_COLUMNS =
  'id, tenant_id, module_id, event, version, actor, actor_role, occurred_at, change::text'
    .split(', ');
const RESPONSE = "nullif(current_setting('response.headers', true), '') AS response_headers, " +
  "nullif(current_setting('response.status', true), '') AS response_status, '' AS response_inserted";

/** PostgREST's envelope around `pgrst_source`: the rows as one JSON body and their count. */
function envelope(source: string, kind: 'write' | 'rpc' | 'read', inner: string): string {
  const head = kind === 'write'
    ? "SELECT '' AS total_result_set, pg_catalog.count(_postgrest_t) AS page_total, " +
      'array[]::text[] AS header, '
    : 'SELECT null::bigint AS total_result_set, pg_catalog.count(_postgrest_t) AS page_total, ';
  return `WITH pgrst_source AS (${source}) ${head}coalesce(json_agg(_postgrest_t), '[]') AS body, ` +
    `${RESPONSE} FROM (${inner}) _postgrest_t`;
}

/** The JSON body `$1` as a record set (`LIMIT 1` for a function's arguments). */
function body(columns: [string, string][], one: boolean): string {
  return 'FROM (SELECT $1 AS json_data) pgrst_payload, LATERAL (SELECT CASE WHEN ' +
    "json_typeof(pgrst_payload.json_data) = 'array' THEN pgrst_payload.json_data ELSE " +
    'json_build_array(pgrst_payload.json_data) END AS val) pgrst_uniform_json, LATERAL (SELECT ' +
    `${columns.map(([c]) => `"${c}"`).join(', ')} FROM json_to_recordset(pgrst_uniform_json.val) ` +
    `AS _(${columns.map(([c, t]) => `"${c}" ${t}`).join(', ')})${
      one ? ' LIMIT 1' : ' '
    }) pgrst_body`;
}

const TABLE_COLUMNS = ['enabled', 'id', 'installed_at', 'module_id', 'settings', 'tenant_id'];

/**
 * `POST /rest/v1/tenant_modules?select=<ROW>` (return=representation): the install. Params: the
 * body.
 */
const INSTALL = envelope(
  'INSERT INTO "public"."tenant_modules"("enabled", "module_id", "settings", "tenant_id") SELECT ' +
    '"pgrst_body"."enabled", "pgrst_body"."module_id", "pgrst_body"."settings", ' +
    '"pgrst_body"."tenant_id" ' +
    body([['enabled', 'boolean'], ['module_id', 'text'], ['settings', 'jsonb'], [
      'tenant_id',
      'uuid',
    ]], false) +
    `  RETURNING ${
      [...TABLE_COLUMNS, 'updated_at', 'version'].map((c) => `"public"."tenant_modules"."${c}"`)
        .join(', ')
    }`,
  'write',
  `SELECT ${selectList('tenant_modules', ROW_COLUMNS)} FROM "pgrst_source" AS "tenant_modules"`,
);

/** `POST /rest/v1/rpc/merge_tenant_module_settings?select=<ROW>`. Params: body, 1000, 0. */
const MERGE = envelope(
  `SELECT ${
    ['enabled', 'installed_at', 'module_id', 'settings', 'tenant_id', 'updated_at', 'version']
      .map((c) => `"pgrst_call"."${c}"`).join(', ')
  } ` +
    body([['tenant_id', 'uuid'], ['module_id', 'text'], ['patch', 'jsonb']], true) +
    ' , LATERAL "public"."merge_tenant_module_settings"("tenant_id" := pgrst_body."tenant_id", ' +
    '"module_id" := pgrst_body."module_id", "patch" := pgrst_body."patch") pgrst_call',
  'rpc',
  `SELECT ${selectList('tenant_modules', ROW_COLUMNS)} FROM "pgrst_source" AS "tenant_modules" ` +
    'LIMIT $2 OFFSET $3',
);

/** `DELETE /rest/v1/tenant_modules?tenant_id=eq.…&module_id=eq.…&select=module_id`. */
const UNINSTALL = envelope(
  'DELETE FROM "public"."tenant_modules" WHERE "public"."tenant_modules"."tenant_id" = $1 AND ' +
    '"public"."tenant_modules"."module_id" = $2 RETURNING "public"."tenant_modules"."id", ' +
    '"public"."tenant_modules"."module_id"',
  'write',
  'SELECT "tenant_modules"."module_id" FROM "pgrst_source" AS "tenant_modules"',
);

/**
 * `GET /rest/v1/tenants?select=id,tenant_module_events(…)&id=eq.<id>` ordered by the events' id
 * descending, 51 of them, with `tenant_module_events.id=lt.<before>` or
 * `tenant_module_events.module_id=eq.<module>` when given: the function's newest-first page.
 * Params: [the filter's value], 51, 0, the tenant, 1000, 0.
 */
function eventsPage(filter?: 'id' | 'module_id'): string {
  const e = '"tenant_module_events_1"';
  const where = filter === 'id'
    ? `${e}."id" < $1 AND `
    : filter
    ? `${e}."module_id" = $1 AND `
    : '';
  const n = filter ? 1 : 0;
  const p = (i: number) => `$${i + n}`;
  return envelope(
    ' SELECT "public"."tenants"."id", COALESCE( "tenants_tenant_module_events_1"."tenants_' +
      `tenant_module_events_1", '[]') AS "tenant_module_events" FROM "public"."tenants" LEFT JOIN ` +
      'LATERAL ( SELECT json_agg("tenants_tenant_module_events_1")::jsonb AS ' +
      `"tenants_tenant_module_events_1" FROM (SELECT ${
        selectList('tenant_module_events_1', EVENT_COLUMNS)
      } FROM "public"."tenant_module_events" AS "tenant_module_events_1"  WHERE ${where}${e}.` +
      `"tenant_id" = "public"."tenants"."id"  ORDER BY ${e}."id" DESC  LIMIT ${p(1)} OFFSET ${
        p(2)
      } ) AS "tenants_tenant_module_events_1" ) AS "tenants_tenant_module_events_1" ON TRUE ` +
      `WHERE  "public"."tenants"."id" = ${p(3)}   LIMIT ${p(4)} OFFSET ${p(5)} `,
    'read',
    ' SELECT * FROM pgrst_source ',
  );
}

/**
 * `POST /rest/v1/rpc/tenant_module_events_after?select=…`: the `?after=` feed. Params: the body,
 * 1000, 0.
 */
const AFTER = envelope(
  `SELECT ${
    [
      'actor',
      'actor_role',
      'change',
      'event',
      'id',
      'module_id',
      'occurred_at',
      'tenant_id',
      'version',
    ].map((c) => `"pgrst_call"."${c}"`).join(', ')
  } ` +
    body([['tenant_id', 'uuid'], ['after', 'bigint'], ['max_events', 'integer']], true) +
    ' , LATERAL "public"."tenant_module_events_after"("tenant_id" := pgrst_body."tenant_id", ' +
    '"after" := pgrst_body."after", "max_events" := pgrst_body."max_events") pgrst_call',
  'rpc',
  `SELECT ${selectList('tenant_module_events', EVENT_COLUMNS)} FROM "pgrst_source" AS ` +
    '"tenant_module_events" LIMIT $2 OFFSET $3',
);

// ---------------------------------------------------------------------------------------------
// Running a request as PostgREST does.
// ---------------------------------------------------------------------------------------------

/** A connection whose json and jsonb arrive as text (PostgREST forwards the body unparsed). */
function connect(url: string, onnotice: (n: postgres.Notice) => void = () => {}): postgres.Sql {
  const asText = { to: 114, from: [114, 3802], serialize: JSON.stringify, parse: (x: string) => x };
  return postgres(url, { max: 1, onnotice, types: { asText } }) as unknown as postgres.Sql;
}

/** A JSON request body, typed json as PostgREST binds it. */
const json = (sql: postgres.Sql, value: unknown) =>
  sql.typed(value as postgres.SerializableParameter, 114);

interface Request {
  method: 'GET' | 'POST' | 'DELETE';
  path: string;
  statement: string;
  params: unknown[];
}

/** What PostgREST sets, transaction-local, before the statement. */
const CONTEXT = `select set_config('search_path', '"public", "public", "extensions"', true),
  set_config('statement_timeout', '8s', true), set_config('role', 'authenticated', true),
  set_config('request.jwt.claims', $1, true), set_config('request.method', $2, true),
  set_config('request.path', $3, true)`;

/**
 * Runs `r` as the signed-in `user`, in a transaction of its own as PostgREST does (read only for
 * a GET or a stable function): the times, and what the statement returned.
 */
async function send(
  sql: postgres.Sql,
  user: string,
  r: Request,
): Promise<Timing & { pageTotal: number; body: string }> {
  const claims = JSON.stringify({ sub: user, role: 'authenticated', aud: 'authenticated' });
  const readOnly = r.method === 'GET' || r.path.endsWith('_after');
  const start = performance.now();
  let statement = 0;
  const [row] = await sql.begin(
    `isolation level read committed ${readOnly ? 'read only' : 'read write'}`,
    async (tx) => {
      await tx.unsafe(CONTEXT, [claims, r.method, r.path], { prepare: true });
      const t0 = performance.now();
      const rows = await tx.unsafe(r.statement, r.params as never[], { prepare: true });
      statement = performance.now() - t0;
      return rows;
    },
  ) as unknown as Record<string, unknown>[];
  return {
    total: performance.now() - start,
    statement,
    pageTotal: Number(row.page_total ?? 0),
    body: String(row.body ?? row['QUERY PLAN'] ?? ''),
  };
}

/** The three calls of a cycle on `tenant`; `k` makes each merge change the settings. */
function cycle(sql: postgres.Sql, tenant: string, k: number): Record<Op, Request> {
  return {
    install: {
      method: 'POST',
      path: '/tenant_modules',
      statement: INSTALL,
      params: [json(sql, {
        tenant_id: tenant,
        module_id: CYCLE_MODULE,
        settings: { plan: 'standard', seats: 1 },
        enabled: true,
      })],
    },
    merge: {
      method: 'POST',
      path: '/rpc/merge_tenant_module_settings',
      statement: MERGE,
      params: [
        json(sql, { tenant_id: tenant, module_id: CYCLE_MODULE, patch: { seats: 2 + (k % 500) } }),
        1000,
        0,
      ],
    },
    uninstall: {
      method: 'DELETE',
      path: '/tenant_modules',
      statement: UNINSTALL,
      params: [tenant, CYCLE_MODULE],
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Building and loading.
// ---------------------------------------------------------------------------------------------

/**
 * The catalog (`crm` with its schema), `tenants` tenants with an owner each and every module
 * but `crm` on the cycles' tenants, and the member in 50 of them, with triggers off.
 */
async function load(sql: postgres.Sql, tenants: number): Promise<void> {
  const modules = MODULES as unknown as string[];
  await sql`
    insert into public.modules (id, name, description)
    select id, initcap(id), 'Benchmark module ' || id from unnest(${modules}::text[]) as id`;
  await sql`update public.modules set settings_schema = ${sql.json(MERGE_MODULE_SCHEMA)}
    where id = ${CYCLE_MODULE}`;
  const pools = [POOL_START.parent, POOL_START.control].map((lo) => [lo, lo + POOL_SIZE - 1]);
  await sql.begin(async (tx) => {
    await tx`set local session_replication_role = replica`;
    await tx`
      insert into auth.users (id, email, aud, role)
      select md5('bench-owner-' || i)::uuid, 'owner-' || i || '@bench.test', 'authenticated',
        'authenticated'
      from generate_series(1, ${tenants}::int) as i
      union all
      select ${MEMBER_ID}::uuid, 'member@bench.test', 'authenticated', 'authenticated'`;
    await tx`
      insert into public.tenants (id, name)
      select md5('bench-tenant-' || i)::uuid, 'Tenant ' || i
      from generate_series(1, ${tenants}::int) as i`;
    await tx`
      insert into public.tenant_members (tenant_id, user_id, role)
      select md5('bench-tenant-' || i)::uuid, md5('bench-owner-' || i)::uuid, 'owner'
      from generate_series(1, ${tenants}::int) as i
      union all
      select md5('bench-tenant-' || i)::uuid, ${MEMBER_ID}::uuid, 'member'
      from unnest(${memberTenants()}::int[]) as i`;
    await tx`
      insert into public.tenant_modules (tenant_id, module_id, settings, version)
      select md5('bench-tenant-' || i)::uuid, m.id,
        jsonb_build_object('plan', 'standard', 'seats', i % 50 + 1), m.version
      from generate_series(1, ${tenants}::int) as i
      cross join public.modules as m
      where not (m.id = ${CYCLE_MODULE} and (i between ${pools[0][0]} and ${pools[0][1]}
        or i between ${pools[1][0]} and ${pools[1][1]}))
      order by i, m.id`;
  });
  await sql.unsafe(
    'vacuum (analyze) auth.users, public.tenants, public.tenant_members, public.tenant_modules, ' +
      'public.modules',
  );
}

/**
 * `events` rows of history in `tenant_module_events`, oldest first: every tenth one the history
 * tenant's, the others spread over all tenants; every module (for the history tenant,
 * {@link RARE_MODULE} only once in 5,000), every kind of event with its change; the owner as
 * actor; 15 s apart.
 */
async function fill(
  sql: postgres.Sql,
  tenants: number,
  events: number,
  log: (line: string) => void,
): Promise<number> {
  const start = performance.now();
  for (let lo = 1; lo <= events; lo += FILL_BATCH) {
    const hi = Math.min(events, lo + FILL_BATCH - 1);
    await sql.begin(async (tx) => {
      // Skips the foreign key's check per row (the rows name loaded tenants); inserting is
      // allowed, the append-only trigger guards update, delete and truncate.
      await tx`set local session_replication_role = replica`;
      await tx`
        insert into public.tenant_module_events
          (tenant_id, module_id, event, version, actor, actor_role, occurred_at, change)
        select md5('bench-tenant-' || x.t)::uuid, x.m, x.e, '1.0.0',
          md5('bench-owner-' || x.t)::uuid, 'authenticated',
          timestamptz '2026-01-01 00:00:00+00' + g * interval '15 seconds',
          case x.e
            when 'settings_changed' then
              jsonb_build_object('patch', jsonb_build_object('seats', g % 50 + 1))
            when 'installed' then jsonb_build_object(
              'settings', jsonb_build_object('plan', 'standard', 'seats', g % 50 + 1),
              'enabled', true)
            when 'uninstalled' then jsonb_build_object(
              'settings', jsonb_build_object('plan', 'standard', 'seats', g % 50 + 1),
              'purged', false, 'purged_rows', null)
            when 'upgraded' then '{"from": "0.9.0", "to": "1.0.0"}'::jsonb
          end
        from generate_series(${lo}::int, ${hi}::int) as g
        cross join lateral (
          select
            case when g % 10 = 0 then ${HISTORY_TENANT}::int
              else 1 + (g::bigint * 7919 % ${tenants}::int)::int end as t,
            case when g % 100 = 90 and g % 50000 <> 90 then 'analytics'
              else (${MODULES as unknown as string[]}::text[])[1 + (g / 10) % 10] end as m,
            case (g / 100) % 20 when 0 then 'installed' when 1 then 'disabled'
              when 2 then 'enabled' when 3 then 'uninstalled' when 4 then 'upgraded'
              else 'settings_changed' end as e
        ) as x
        order by g`;
    });
    const seconds = (performance.now() - start) / 1000;
    log(
      `  tenant_module_events ${count(hi)} / ${count(events)}  ${count(hi / seconds)} rows/s  ` +
        `~${Math.ceil((events - hi) / (hi / seconds))} s left`,
    );
  }
  await sql.unsafe('vacuum (analyze) public.tenant_module_events');
  return (performance.now() - start) / 1000;
}

// ---------------------------------------------------------------------------------------------
// Measuring.
// ---------------------------------------------------------------------------------------------

/** Install, merge and uninstall, arm after arm in rotating order, op by op. */
async function measureLatency(
  conns: Record<Arm, postgres.Sql>,
  o: EventsOptions,
): Promise<EventsResult['latency']> {
  const samples = Object.fromEntries(OPS.map((op) => [
    op,
    { parent: [], events: [], control: [] },
  ])) as unknown as Record<Op, Record<Arm, Timing[][]>>;
  const cycles: Record<Arm, number> = { parent: 0, events: 0, control: 0 };
  const runCycle = async (k: number, record?: Record<Op, Record<Arm, Timing[]>>) => {
    const order = ORDERS[k % ORDERS.length];
    const calls = Object.fromEntries(order.map((arm) => {
      const i = POOL_START[arm] + (cycles[arm]++ % POOL_SIZE);
      return [arm, { owner: ownerId(i), requests: cycle(conns[arm], tenantId(i), k) }];
    })) as Record<Arm, { owner: string; requests: Record<Op, Request> }>;
    for (const op of OPS) {
      for (const arm of order) {
        const t = await send(conns[arm], calls[arm].owner, calls[arm].requests[op]);
        if (t.pageTotal !== 1) throw new Error(`${arm} ${op}: ${t.pageTotal} rows, expected 1`);
        record?.[op][arm].push({ total: t.total, statement: t.statement });
      }
    }
  };
  const [{ before }] = await conns.events<{ before: string }[]>`
    select coalesce(max(id), 0)::text as before from public.tenant_module_events`;
  // Warm-up: plans cached, the pools' pages read.
  for (let k = 0; k < 30; k++) await runCycle(k);
  for (let round = 0; round < o.rounds; round++) {
    const times = Object.fromEntries(OPS.map((op) => [
      op,
      { parent: [], events: [], control: [] },
    ])) as unknown as Record<Op, Record<Arm, Timing[]>>;
    for (let i = 0; i < o.runs; i++) await runCycle(round * o.runs + i, times);
    for (const op of OPS) for (const arm of ARMS) samples[op][arm].push(times[op][arm]);
    if ((round + 1) % 10 === 0 || round + 1 === o.rounds) {
      const r = (op: Op) =>
        (median(samples[op].events.flat().map((t) => t.total)) /
          median(samples[op].parent.flat().map((t) => t.total))).toFixed(3);
      o.log(
        `  round ${round + 1}: events/parent so far: install ${r('install')}, merge ${
          r('merge')
        }, uninstall ${r('uninstall')}`,
      );
    }
  }
  const [{ found }] = await conns.events<{ found: number }[]>`
    select count(*)::int as found from public.tenant_module_events
    where id > ${before}::bigint and module_id = ${CYCLE_MODULE} and actor_role = 'authenticated'`;
  return {
    rounds: o.rounds,
    runs: o.runs,
    samples,
    events: { expected: 3 * cycles.events, found },
  };
}

/** `clients` connections merging into the hot row for `seconds`; the merges and their times. */
async function hotRowWindow(
  clients: postgres.Sql[],
  admin: postgres.Sql,
  seconds: number,
  latency: number[],
): Promise<ThroughputWindow & { lost: number }> {
  const tenant = tenantId(HOT_TENANT);
  await admin`update public.tenant_modules set settings = '{"plan": "standard", "seats": 1}'
    where tenant_id = ${tenant} and module_id = ${CYCLE_MODULE}`;
  const acknowledged = clients.map(() => 0);
  const start = performance.now();
  const end = start + seconds * 1000;
  await Promise.all(clients.map(async (sql, c) => {
    for (let n = 1; performance.now() < end; n++) {
      const t = await send(sql, ownerId(HOT_TENANT), {
        method: 'POST',
        path: '/rpc/merge_tenant_module_settings',
        statement: MERGE,
        params: [
          json(sql, { tenant_id: tenant, module_id: CYCLE_MODULE, patch: { [`c${c}`]: n } }),
          1000,
          0,
        ],
      });
      if (t.pageTotal !== 1) throw new Error(`hot row merge: ${t.pageTotal} rows, expected 1`);
      latency.push(t.total);
      acknowledged[c] = n;
    }
  }));
  const elapsed = (performance.now() - start) / 1000;
  const [row] = await admin<{ settings: string }[]>`
    select settings::text as settings from public.tenant_modules
    where tenant_id = ${tenant} and module_id = ${CYCLE_MODULE}`;
  const settings = JSON.parse(row.settings) as Record<string, number>;
  const lost = acknowledged.filter((n, c) => n > 0 && settings[`c${c}`] !== n).length;
  return { merges: acknowledged.reduce((a, b) => a + b, 0), seconds: elapsed, lost };
}

async function measureThroughput(
  clusterUrl: string,
  admins: Record<Side, postgres.Sql>,
  o: EventsOptions,
): Promise<EventsResult['throughput']> {
  const clients = Object.fromEntries(SIDES.map((side) => [
    side,
    Array.from(
      { length: o.clients },
      () => connect(databaseUrl(clusterUrl, EVENTS_DATABASE[side])),
    ),
  ])) as Record<Side, postgres.Sql[]>;
  try {
    const windows: Record<Side, ThroughputWindow[]> = { parent: [], events: [] };
    const latency: Record<Side, number[]> = { parent: [], events: [] };
    const lost: Record<Side, number> = { parent: 0, events: 0 };
    // Warm-up: every client's plans cached.
    for (const side of SIDES) await hotRowWindow(clients[side], admins[side], 0.3, []);
    const [{ before }] = await admins.events<{ before: string }[]>`
      select coalesce(max(id), 0)::text as before from public.tenant_module_events`;
    let merges = 0;
    for (let round = 0; round < o.throughputRounds; round++) {
      for (const side of round % 2 ? [...SIDES].reverse() : SIDES) {
        const w = await hotRowWindow(clients[side], admins[side], o.seconds, latency[side]);
        windows[side].push({ merges: w.merges, seconds: w.seconds });
        lost[side] += w.lost;
        if (side === 'events') merges += w.merges;
      }
      const rate = (side: Side) => windows[side][round].merges / windows[side][round].seconds;
      o.log(
        `  round ${round + 1}: parent ${count(rate('parent'))}/s, events ${
          count(rate('events'))
        }/s (${(rate('events') / rate('parent')).toFixed(3)})`,
      );
    }
    const [{ found }] = await admins.events<{ found: number }[]>`
      select count(*)::int as found from public.tenant_module_events
      where id > ${before}::bigint and tenant_id = ${tenantId(HOT_TENANT)}
        and event = 'settings_changed' and actor_role = 'authenticated'`;
    return {
      clients: o.clients,
      seconds: o.seconds,
      windows,
      latency,
      lost,
      events: { merges, found },
    };
  } finally {
    await Promise.all(Object.values(clients).flat().map((c) => c.end()));
  }
}

/** Whether the page is the `?after=` feed (`tenant_module_events_after`). */
export const isFeed = (page: Page): boolean => page === 'after' || page === 'recent';

/** Plan node kinds that read `tenant_module_events`, as `explain` names them. */
const SCAN =
  /(Index Only Scan(?: Backward)?|Index Scan(?: Backward)?|Bitmap Index Scan|Seq Scan) (?:using (\S+) on (\S+)|on (\S+))/;

/**
 * The scans of `tenant_module_events` in a plan's text, each with the rows its filter removed:
 * `Index Scan Backward using … (9,920 rows removed by filter)`.
 */
export function eventScans(plan: string): string[] {
  const scans: string[] = [];
  const lines = plan.split('\n');
  lines.forEach((line, i) => {
    const m = SCAN.exec(line);
    if (!m || ![m[2], m[3], m[4]].some((name) => name?.startsWith('tenant_module_events'))) return;
    const next = lines.slice(i + 1).findIndex((l) => l.includes('->') || /^\S/.test(l));
    const removed = lines.slice(i + 1, next < 0 ? undefined : i + 1 + next)
      .map((l) => /Rows Removed by Filter: (\d+)/.exec(l)?.[1]).find((n) => n !== undefined);
    scans.push(
      `${m[2] ? `${m[1]} using ${m[2]}` : `${m[1]} on ${m[4]}`}${
        removed ? ` (${count(Number(removed))} rows removed by filter)` : ''
      }`,
    );
  });
  return [...new Set(scans)];
}

async function measureListing(
  url: string,
  events: postgres.Sql,
  o: EventsOptions,
): Promise<EventsResult['listing']> {
  const tenant = tenantId(HISTORY_TENANT);
  const [{ total, mine, rare }] = await events<{ total: number; mine: number; rare: number }[]>`
    select (select count(*) from public.tenant_module_events)::int as total,
      (select count(*) from public.tenant_module_events where tenant_id = ${tenant})::int as mine,
      (select count(*) from public.tenant_module_events
       where tenant_id = ${tenant} and module_id = ${RARE_MODULE})::int as rare`;
  // Deep in the history: nine tenths of the tenant's events are newer. An old cursor: a tenth of
  // them are older, in the feed's order; a recent one: a poller 51 events behind.
  const [{ before }] = await events<{ before: string }[]>`
    select id::text as before from public.tenant_module_events where tenant_id = ${tenant}
    order by id desc offset ${Math.floor(mine * 0.9)} limit 1`;
  const cursor = async (offset: number) =>
    Number(
      (await events<{ cursor: string }[]>`
        select id::text as cursor from public.tenant_module_events where tenant_id = ${tenant}
        order by transaction_id, id offset ${offset} limit 1`)[0].cursor,
    );
  const after = await cursor(Math.floor(mine * 0.1));
  const recent = await cursor(mine - PAGE - 1);
  const notices: string[] = [];
  const sql = connect(url, (n) => notices.push(n.message));
  try {
    await sql`load 'auto_explain'`;
    const limit = PAGE + 1;
    const feed = (cursor: number): Request => ({
      method: 'POST',
      path: '/rpc/tenant_module_events_after',
      statement: AFTER,
      params: [json(sql, { tenant_id: tenant, after: cursor, max_events: PAGE }), 1000, 0],
    });
    const requests: Record<Page, Request> = {
      newest: {
        method: 'GET',
        path: '/tenants',
        statement: eventsPage(),
        params: [limit, 0, tenant, 1000, 0],
      },
      before: {
        method: 'GET',
        path: '/tenants',
        statement: eventsPage('id'),
        params: [before, limit, 0, tenant, 1000, 0],
      },
      module: {
        method: 'GET',
        path: '/tenants',
        statement: eventsPage('module_id'),
        params: [CYCLE_MODULE, limit, 0, tenant, 1000, 0],
      },
      rare: {
        method: 'GET',
        path: '/tenants',
        statement: eventsPage('module_id'),
        params: [RARE_MODULE, limit, 0, tenant, 1000, 0],
      },
      after: feed(after),
      recent: feed(recent),
    };
    const explained = (r: Request, options: string): Request => ({
      ...r,
      statement: `explain (${options}) ${r.statement}`,
    });
    const returned = {} as Record<Page, number>;
    for (const page of PAGES) {
      for (let i = 0; i < 10; i++) {
        const { body } = await send(sql, MEMBER_ID, requests[page]);
        const parsed = JSON.parse(body) as { tenant_module_events?: unknown[] }[];
        returned[page] = isFeed(page)
          ? parsed.length
          : parsed[0]?.tenant_module_events?.length ?? 0;
      }
      if (returned[page] !== (isFeed(page) ? PAGE : page === 'rare' ? rare : limit)) {
        throw new Error(`${page}: returned ${returned[page]} events`);
      }
    }
    const latency = Object.fromEntries(PAGES.map((p) => [p, []])) as unknown as Record<
      Page,
      number[]
    >;
    const execution = Object.fromEntries(PAGES.map((p) => [p, []])) as unknown as Record<
      Page,
      number[]
    >;
    for (let i = 0; i < o.listingRuns; i++) {
      const order = i % 2 ? [...PAGES].reverse() : PAGES;
      for (const page of order) {
        latency[page].push((await send(sql, MEMBER_ID, requests[page])).statement);
        const { body } = await send(
          sql,
          MEMBER_ID,
          explained(requests[page], 'analyze, timing off, summary on, format json'),
        );
        execution[page].push(
          (JSON.parse(body) as { 'Execution Time': number }[])[0]['Execution Time'],
        );
      }
    }
    const plans = {} as Record<Page, string>;
    const scans = {} as Record<Page, string[]>;
    for (const page of PAGES) {
      notices.length = 0;
      const rows = await sql.begin(async (tx) => {
        // The function's own query shows only in auto_explain's plans of nested statements.
        for (
          const s of [
            'auto_explain.log_min_duration = 0',
            'auto_explain.log_analyze = on',
            'auto_explain.log_buffers = on',
            'auto_explain.log_nested_statements = on',
            'client_min_messages = log',
          ]
        ) await tx.unsafe(`set local ${s}`);
        await tx.unsafe(
          CONTEXT,
          [
            JSON.stringify({ sub: MEMBER_ID, role: 'authenticated', aud: 'authenticated' }),
            requests[page].method,
            requests[page].path,
          ],
        );
        return await tx.unsafe(
          explained(requests[page], 'analyze, buffers, costs off').statement,
          requests[page].params as never[],
        );
      });
      const nested = notices.filter((n) => n.includes('pg_snapshot_xmin'))
        .map((n) => n.slice(n.indexOf('\n') + 1).replace(/^Query Text:[\s\S]*?\n(?=\S)/m, ''));
      plans[page] = [
        rows.map((r) => (r as Record<string, string>)['QUERY PLAN']).join('\n'),
        ...nested.map((n) => `\n-- tenant_module_events_after's query (auto_explain):\n${n}`),
      ].join('\n');
      scans[page] = eventScans(plans[page]);
    }
    return {
      tableEvents: total,
      historyTenantEvents: mine,
      rareModuleEvents: rare,
      before: Number(before),
      after,
      recent,
      runs: o.listingRuns,
      latency,
      execution,
      returned,
      plans,
      scans,
    };
  } finally {
    await sql.end();
  }
}

/** Builds, loads and measures both sides on the cluster at `clusterUrl` (any of its databases). */
export async function measureEvents(
  clusterUrl: string,
  command: string,
  o: EventsOptions,
): Promise<EventsResult> {
  const began = performance.now();
  const startedAt = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
  const loadBefore = Deno.loadavg()[0];
  o.log(`building ${EVENTS_DATABASE.parent} and ${EVENTS_DATABASE.events}…`);
  await buildAgainstParent(
    clusterUrl,
    { parent: EVENTS_DATABASE.parent, current: EVENTS_DATABASE.events },
    EVENTS_PARENT_MIGRATION,
    o.log,
  );
  const url = (side: Side) => databaseUrl(clusterUrl, EVENTS_DATABASE[side]);
  const admins = { parent: connect(url('parent')), events: connect(url('events')) };
  const conns: Record<Arm, postgres.Sql> = {
    parent: connect(url('parent')),
    events: connect(url('events')),
    control: connect(url('parent')),
  };
  try {
    o.log(`loading ${count(o.tenants)} tenants into each…`);
    let start = performance.now();
    await Promise.all(SIDES.map((side) => load(admins[side], o.tenants)));
    const loadSeconds = (performance.now() - start) / 1000;
    const [{ rows }] = await admins.parent<{ rows: number }[]>`
      select count(*)::int as rows from public.tenant_modules`;
    o.log(
      `  ${count(rows)} tenant_modules rows each in ${loadSeconds.toFixed(1)} s; ` +
        `${count(o.events)} events into ${EVENTS_DATABASE.events}…`,
    );
    const fillSeconds = await fill(admins.events, o.tenants, o.events, o.log);
    await Promise.all(SIDES.map((side) => admins[side]`checkpoint`));

    o.log(
      `latency: ${o.rounds} rounds of ${o.runs} install/merge/uninstall cycles, parent, events ` +
        'and control in turn…',
    );
    const latency = await measureLatency(conns, o);
    o.log(
      `throughput: ${o.clients} clients on one row, ${o.throughputRounds} rounds of ${o.seconds} s ` +
        'per side…',
    );
    start = performance.now();
    const throughput = await measureThroughput(clusterUrl, admins, o);
    o.log(`  ${((performance.now() - start) / 1000).toFixed(1)} s`);
    o.log(`listing at ${count(o.events)} events, as the member…`);
    const listing = await measureListing(url('events'), admins.events, o);

    return {
      startedAt,
      seconds: (performance.now() - began) / 1000,
      command,
      machine: await describeCluster(admins.parent, loadBefore),
      tenants: o.tenants,
      rows,
      loadSeconds,
      fill: {
        events: o.events,
        seconds: fillSeconds,
        historyTenantEvents: listing.historyTenantEvents,
      },
      latency,
      throughput,
      listing,
    };
  } finally {
    await Promise.all([...Object.values(admins), ...Object.values(conns)].map((c) => c.end()));
  }
}

/**
 * Issue 9 against its parent commit, in one run and one cluster: `bench_parent` holds the
 * migrations up to {@link PARENT_MIGRATION} (the parent's schema), `bench_versions` all of them;
 * both get the same tenants, users, memberships and `tenant_modules` rows. Then each side runs as
 * the member:
 * - `perCall`: `tenant_has_module()` once per row of a gated table whose policy is the per-row
 *   form (`using (public.tenant_has_module(tenant_id, 'agency'))`): the statement's time divided
 *   by its rows is the cost of one call, made against the 1M-row `tenant_modules`;
 * - `perStatement`: a gated table (two rows per tenant) whose policy is the per-statement form
 *   the README recommends: `tenant_has_module()` asked once per tenant of the caller;
 * - `listing`: the statement PostgREST runs for the function's `GET /modules/tenants/{id}`
 *   (the tenant with its `tenant_modules` embedded), timed by the client, and `listingDb`, its
 *   `explain analyze` execution time; `listingDbParentColumns`, the same with the parent's columns
 *   on both sides (without `version`): what the schema costs apart from the column returned.
 * A third arm, `control`, runs the parent's statements over another connection to the parent's
 * database: how far apart two identical arms come out is the noise of the method on this machine.
 * The arms take turns run by run, in every order; ratios are taken within each round (the
 * machine's speed drifts), then their median. Last, in `bench_versions` only: the bulk upgrade of
 * every tenant's `billing` from 1.0.0 to 2.0.0 (a rename and a compute),
 * `private.upgrade_tenant_modules` batch after batch.
 *
 * The rows are loaded with triggers off (`session_replication_role = replica`, which skips the
 * foreign key checks too): the per-row triggers would take minutes for 2M rows, and reads depend
 * only on what is stored, which is the same rows the triggers would have written (every module's
 * settings already complete; `version` the module's current one).
 */
import postgres from 'postgres';
import { databaseUrl } from '../scripts/stack/postgres.ts';
import { ROW } from '../supabase/functions/modules/rows.ts';
import { insertTenants, MEMBER_ID, memberTenants, MODULES, tenantId } from './load.ts';
import { describeCluster } from './machine.ts';
import { buildAgainstParent, everyOrder } from './parent.ts';
import { count, median } from './stats.ts';

/** The last migration of issue 9's parent commit (ac37e88): the module contracts. */
export const PARENT_MIGRATION = '20261125200000';

export type Side = 'parent' | 'versions';
export const SIDES: readonly Side[] = ['parent', 'versions'];
/** What is measured: the two sides, and the parent again as a control. */
export type Arm = Side | 'control';
const ARMS: readonly [Arm, Arm, Arm] = ['parent', 'versions', 'control'];
/** Every order of the three arms: run `n` uses the `n % 6`-th. */
const ORDERS = everyOrder(ARMS);
export const DATABASE: Record<Side, string> = {
  parent: 'bench_parent',
  versions: 'bench_versions',
};

export type Measure =
  | 'perCall'
  | 'perStatement'
  | 'listing'
  | 'listingDb'
  | 'listingDbParentColumns';
export const MEASURES: readonly Measure[] = [
  'perCall',
  'perStatement',
  'listing',
  'listingDb',
  'listingDbParentColumns',
];

/** The module upgraded in bulk, and its two versions. */
export const BULK_MODULE = 'billing';
/** Batch size of the bulk upgrade (tenants per `private.upgrade_tenant_modules` call). */
export const BULK_BATCH = 1_000;
/** Tenants with a row in the per-row gated table: one call of `tenant_has_module` each. */
const PER_CALL_TENANTS = 1_000;
/** Rows per tenant in the per-statement gated table. */
const PER_STATEMENT_ROWS = 2;

const PLAN = { type: 'string', enum: ['free', 'standard', 'enterprise'] };
/** `billing` 1.0.0: every loaded row has all three keys. */
export const BILLING_V1 = {
  type: 'object',
  properties: {
    plan: PLAN,
    seats: { type: 'integer', minimum: 1 },
    minutes: { type: 'integer', minimum: 0 },
  },
  required: ['plan', 'seats', 'minutes'],
  additionalProperties: false,
};
/** `billing` 2.0.0: `seats` renamed `users`, `hours` computed from `minutes`, a new default. */
export const BILLING_V2 = {
  type: 'object',
  properties: {
    plan: PLAN,
    users: { type: 'integer', minimum: 1 },
    minutes: { type: 'integer', minimum: 0 },
    hours: { type: 'number', minimum: 0 },
    invoice_day: { type: 'integer', minimum: 1, maximum: 28, default: 1 },
  },
  required: ['plan', 'users', 'hours'],
  additionalProperties: false,
};
export const BILLING_MIGRATIONS = {
  '2.0.0': [
    { op: 'move', from: '/seats', path: '/users' },
    { op: 'compute', path: '/hours', jsonpath: '$.minutes / 60' },
  ],
};

export interface VersionsOptions {
  /** Tenants loaded in each database (ten `tenant_modules` rows each). */
  tenants: number;
  rounds: number;
  /** Runs of each measure per side and round. */
  runs: Record<Measure, number>;
  log: (line: string) => void;
}

export interface BulkResult {
  module: string;
  from: string;
  to: string;
  tenants: number;
  batch: number;
  seconds: number;
  /** Each batch's time (ms). */
  batches: number[];
  outcomes: Record<string, number>;
  /** The same run again once every tenant is on the target: what a re-run costs. */
  rerun: { seconds: number; outcomes: Record<string, number> };
  /** One upgraded row's settings, before and after. */
  example: { before: unknown; after: unknown };
}

export interface VersionsResult {
  startedAt: string;
  seconds: number;
  command: string;
  /** CPU, cores, PostgreSQL version, load average just before this part. */
  machine: string;
  tenants: number;
  /** `tenant_modules` rows in each database. */
  rows: number;
  loadSeconds: number;
  /** Columns the listing returns on each side. */
  columns: Record<Side, string[]>;
  /** What each measured statement returns (equal on both sides). */
  returned: {
    perCall: number;
    perCallRows: number;
    perStatement: number;
    perStatementRows: number;
    listing: number;
  };
  rounds: number;
  /** samples[measure][arm][round]: the runs' times (ms). */
  samples: Record<Measure, Record<Arm, number[][]>>;
  plans: Record<Side, { listing: string; perStatement: string }>;
  bulk: BulkResult;
}

/** The columns of `ROW` (the function's select list), without and with `version`. */
function listingColumns(): Record<Side, string[]> {
  const columns = ROW.split(',').map((c) => c.trim());
  const without = columns.filter((c) => c !== 'version');
  const at = without.indexOf('module_id') + 1;
  return {
    parent: without,
    // Issue 9: "Rows returned by the function include `version`".
    versions: columns.includes('version')
      ? columns
      : [...without.slice(0, at), 'version', ...without.slice(at)],
  };
}

/**
 * The statement PostgREST 12.0.2 runs for the function's listing, `GET /rest/v1/tenants?select=
 * id,tenant_modules(<columns>)&id=eq.<id>&tenant_modules.order=module_id.asc` with db-max-rows
 * 1000 (config.toml's `max_rows`), as its log (`log_min_duration_statement = 0`) shows it.
 * Parameters: 1000, 0, the tenant id, 1000, 0.
 */
export function listingStatement(columns: string[]): string {
  const select = columns.map((c) => {
    const [name, cast] = c.split('::');
    const ref = `"tenant_modules_1"."${name}"`;
    return cast ? `CAST( ${ref} AS ${cast} )` : ref;
  }).join(', ');
  return 'WITH pgrst_source AS ( SELECT "public"."tenants"."id", COALESCE( ' +
    `"tenants_tenant_modules_1"."tenants_tenant_modules_1", '[]') AS "tenant_modules" FROM ` +
    '"public"."tenants" LEFT JOIN LATERAL ( SELECT json_agg("tenants_tenant_modules_1")::jsonb AS ' +
    `"tenants_tenant_modules_1" FROM (SELECT ${select} FROM "public"."tenant_modules" AS ` +
    '"tenant_modules_1"  WHERE "tenant_modules_1"."tenant_id" = "public"."tenants"."id"  ORDER BY ' +
    '"tenant_modules_1"."module_id" ASC  LIMIT $1 OFFSET $2 ) AS "tenants_tenant_modules_1" ) AS ' +
    '"tenants_tenant_modules_1" ON TRUE WHERE  "public"."tenants"."id" = $3   LIMIT $4 OFFSET $5 )  ' +
    'SELECT null::bigint AS total_result_set, pg_catalog.count(_postgrest_t) AS page_total, ' +
    "coalesce(json_agg(_postgrest_t), '[]') AS body, nullif(current_setting('response.headers', " +
    "true), '') AS response_headers, nullif(current_setting('response.status', true), '') AS " +
    "response_status, '' AS response_inserted FROM ( SELECT * FROM pgrst_source ) _postgrest_t";
}

/** What PostgREST sets, transaction-local, before each request's statement. */
const CONTEXT = `select set_config('search_path', '"public", "public", "extensions"', true),
  set_config('role', 'authenticated', true), set_config('request.jwt.claims', $1, true),
  set_config('request.method', 'GET', true), set_config('request.path', $2, true)`;
const MEMBER_CLAIMS = JSON.stringify({
  sub: MEMBER_ID,
  role: 'authenticated',
  aud: 'authenticated',
});

/** One connection; json and jsonb arrive as text, as PostgREST forwards the body unparsed. */
const CLIENT = {
  max: 1,
  onnotice: () => {},
  types: {
    jsonText: {
      to: 114,
      from: [114, 3802],
      serialize: (x: unknown) => JSON.stringify(x),
      parse: (x: string) => x,
    },
  },
};

/** A connection to one side's database. */
function connect(clusterUrl: string, side: Side): postgres.Sql {
  return postgres(databaseUrl(clusterUrl, DATABASE[side]), CLIENT) as unknown as postgres.Sql;
}

/** The catalog and the two gated tables, the same on both sides. */
async function prepare(sql: postgres.Sql): Promise<void> {
  await sql`
    insert into public.modules (id, name, description)
    select id, initcap(id), 'Benchmark module ' || id
    from unnest(${MODULES as unknown as string[]}::text[]) as id`;
  await sql`update public.modules set settings_schema = ${sql.json(BILLING_V1)}
    where id = ${BULK_MODULE}`;
  await sql.unsafe(
    gatedTable('bench_clients_per_row', "public.tenant_has_module(tenant_id, 'agency')") +
      gatedTable(
        'bench_clients',
        "tenant_id = any (array(select t.id from public.tenants as t where public.tenant_has_module(t.id, 'agency')))",
      ),
  ).simple();
}

/** Another module's table, readable by a tenant's members through `policy`. */
function gatedTable(name: string, policy: string): string {
  return `
    create table public.${name} (
      id bigint generated always as identity primary key,
      tenant_id uuid not null references public.tenants (id) on delete cascade,
      name text not null
    );
    create index ${name}_tenant_id_idx on public.${name} (tenant_id);
    alter table public.${name} enable row level security;
    create policy "members_can_view_clients" on public.${name}
      for select to authenticated using (${policy});
  `;
}

/** Loads tenants `lo`..`hi` (inclusive) with triggers off. */
async function loadBatch(sql: postgres.Sql, lo: number, hi: number, hasVersion: boolean) {
  await sql.begin(async (tx) => {
    await tx`set local session_replication_role = replica`;
    await insertTenants(tx, lo, hi);
    await tx.unsafe(
      `insert into public.tenant_modules (tenant_id, module_id, settings${
        hasVersion ? ', version' : ''
      })
      select md5('bench-tenant-' || i)::uuid, m.id,
             case m.id
               when 'agency' then '{"timezone":"UTC","currency":"USD","max_clients":100}'::jsonb
               when $3 then jsonb_build_object('plan', 'standard', 'seats', i % 50 + 1,
                 'minutes', (i % 24 + 1) * 30)
               else jsonb_build_object('plan', 'standard', 'seats', i % 50 + 1)
             end${hasVersion ? ', m.version' : ''}
      from generate_series($1::int, $2::int) as i
      cross join public.modules as m
      where m.id = any ($4::text[])
      order by i, m.id`,
      [lo, hi, BULK_MODULE, MODULES as unknown as string[]],
    );
    await tx`
      insert into public.bench_clients (tenant_id, name)
      select md5('bench-tenant-' || i)::uuid, 'Client ' || i || '.' || k
      from generate_series(${lo}::int, ${hi}::int) as i
      cross join generate_series(1, ${PER_STATEMENT_ROWS}::int) as k
      order by i, k`;
    await tx`
      insert into public.bench_clients_per_row (tenant_id, name)
      select md5('bench-tenant-' || i)::uuid, 'Client ' || i
      from generate_series(${lo}::int, ${Math.min(hi, PER_CALL_TENANTS)}::int) as i`;
  });
}

/** Loads both databases side by side (one connection each), then the member, then analyzes. */
async function load(
  conns: Record<Side, postgres.Sql>,
  tenants: number,
  log: (line: string) => void,
): Promise<number> {
  const batch = 10_000;
  const start = performance.now();
  const done: Record<Side, number> = { parent: 0, versions: 0 };
  const total = tenants * MODULES.length;
  await Promise.all(SIDES.map(async (side) => {
    const sql = conns[side];
    const [{ has }] = await sql<{ has: boolean }[]>`
      select exists (
        select 1 from information_schema.columns
        where table_schema = 'public' and table_name = 'tenant_modules' and column_name = 'version'
      ) as has`;
    for (let lo = 1; lo <= tenants; lo += batch) {
      const hi = Math.min(tenants, lo + batch - 1);
      await loadBatch(sql, lo, hi, has);
      done[side] += (hi - lo + 1) * MODULES.length;
      const seconds = (performance.now() - start) / 1000;
      const rate = (done.parent + done.versions) / seconds;
      log(
        `  tenant_modules: parent ${count(done.parent)}, versions ${count(done.versions)} / ` +
          `${count(total)} each  ${count(rate)} rows/s  ~${
            Math.ceil((2 * total - done.parent - done.versions) / rate)
          } s left`,
      );
    }
    await sql`
      insert into auth.users (id, email, aud, role)
      values (${MEMBER_ID}, 'member@bench.test', 'authenticated', 'authenticated')`;
    await sql`
      insert into public.tenant_members (tenant_id, user_id, role)
      select md5('bench-tenant-' || i)::uuid, ${MEMBER_ID}, 'member'
      from unnest(${memberTenants()}::int[]) as i`;
    await sql.unsafe(
      'vacuum (analyze) auth.users, public.tenants, public.tenant_members, public.tenant_modules, ' +
        'public.modules, public.bench_clients, public.bench_clients_per_row',
    );
    // The same rows on both sides, and (versions) each at its module's current version.
    const [check] = await sql<{ rows: number; orphans: number }[]>`
      select (select count(*) from public.tenant_modules)::int as rows,
             (select count(*) from public.tenant_modules as tm
              where not exists (select 1 from public.tenants as t where t.id = tm.tenant_id))::int
               as orphans`;
    if (check.rows !== total || check.orphans !== 0) {
      throw new Error(`${side}: loaded ${JSON.stringify(check)}, expected ${total} rows`);
    }
    if (has) {
      const [{ off }] = await sql<{ off: number }[]>`
        select count(*)::int as off from public.tenant_modules as tm
        join public.modules as m on m.id = tm.module_id
        where tm.version is distinct from m.version`;
      if (off) throw new Error(`${side}: ${off} rows not at their module's current version`);
    }
  }));
  return (performance.now() - start) / 1000;
}

/** One measured statement as the member, in a transaction set up the way PostgREST does. */
async function asMember(
  sql: postgres.Sql,
  path: string,
  query: string,
  params: (string | number)[],
): Promise<[number, postgres.Row[]]> {
  return await sql.begin(async (tx) => {
    await tx.unsafe(CONTEXT, [MEMBER_CLAIMS, path], { prepare: true });
    const start = performance.now();
    const rows = await tx.unsafe(query, params, { prepare: true });
    return [performance.now() - start, rows] as [number, postgres.Row[]];
  }) as [number, postgres.Row[]];
}

interface Runner {
  /** One run: its time (ms) and what it returned (rows of the listing, count otherwise). */
  run(measure: Measure, k: number): Promise<[number, number]>;
  plan(query: 'listing' | 'perStatement'): Promise<string>;
}

function runner(sql: postgres.Sql, columns: string[], parentColumns: string[]): Runner {
  const listing = listingStatement(columns);
  const listingParentColumns = listingStatement(parentColumns);
  const tenants = memberTenants().map(tenantId);
  const statements = {
    perCall: 'select count(*)::int as n from public.bench_clients_per_row',
    perStatement: 'select count(*)::int as n from public.bench_clients',
  };
  const listingParams = (k: number) => [1000, 0, tenants[k % tenants.length], 1000, 0];
  return {
    async run(measure, k) {
      if (measure === 'listingDb' || measure === 'listingDbParentColumns') {
        const [, rows] = await asMember(
          sql,
          '/tenants',
          `explain (analyze, timing off, summary on, format json) ${
            measure === 'listingDb' ? listing : listingParentColumns
          }`,
          listingParams(k),
        );
        const plan = JSON.parse(rows[0]['QUERY PLAN'] as string) as Record<string, number>[];
        return [plan[0]['Execution Time'], NaN];
      }
      if (measure === 'listing') {
        const [ms, rows] = await asMember(sql, '/tenants', listing, listingParams(k));
        const body = JSON.parse(rows[0].body as string) as { tenant_modules: unknown[] }[];
        return [ms, body[0]?.tenant_modules.length ?? 0];
      }
      const table = measure === 'perCall' ? '/bench_clients_per_row' : '/bench_clients';
      const [ms, rows] = await asMember(sql, table, statements[measure], []);
      return [ms, rows[0].n as number];
    },
    async plan(query) {
      const [, rows] = await asMember(
        sql,
        '/tenants',
        `explain (analyze, buffers, costs off) ${
          query === 'listing' ? listing : statements.perStatement
        }`,
        query === 'listing' ? listingParams(0) : [],
      );
      return rows.map((r) => (r as Record<string, string>)['QUERY PLAN']).join('\n');
    },
  };
}

/** Publishes `billing` 2.0.0 and upgrades every tenant to it, batch after batch. */
async function bulkUpgrade(
  sql: postgres.Sql,
  tenants: number,
  log: (line: string) => void,
): Promise<BulkResult> {
  const [{ from }] = await sql<{ from: string }[]>`
    select version as from from public.modules where id = ${BULK_MODULE}`;
  const to = '2.0.0';
  await sql`
    update public.modules
    set version = ${to}, settings_schema = ${sql.json(BILLING_V2)},
        migrations = ${sql.json(BILLING_MIGRATIONS)}
    where id = ${BULK_MODULE}`;
  const [first] = await sql<{ tenant_id: string; settings: string }[]>`
    select tenant_id, settings::text as settings from public.tenant_modules
    where module_id = ${BULK_MODULE} order by tenant_id limit 1`;

  const pass = async (label: string) => {
    const outcomes: Record<string, number> = {};
    const batches: number[] = [];
    let after: string | null = null;
    let upgraded = 0;
    const start = performance.now();
    let reported = start;
    for (;;) {
      const t0 = performance.now();
      const rows: { tenant_id: string; outcome: string }[] = await sql`
        select tenant_id, outcome
        from private.upgrade_tenant_modules(${BULK_MODULE}, ${to}, ${after}::uuid, ${BULK_BATCH})`;
      if (rows.length === 0) break;
      batches.push(performance.now() - t0);
      after = rows[rows.length - 1].tenant_id;
      for (const r of rows) outcomes[r.outcome] = (outcomes[r.outcome] ?? 0) + 1;
      upgraded += rows.length;
      const now = performance.now();
      if (now - reported > 5_000) {
        reported = now;
        const rate = upgraded / ((now - start) / 1000);
        log(
          `  ${label}: ${count(upgraded)} / ${count(tenants)} tenants  ${count(rate)}/s  ~${
            Math.ceil((tenants - upgraded) / rate)
          } s left`,
        );
      }
    }
    return { seconds: (performance.now() - start) / 1000, batches, outcomes };
  };

  const run = await pass('upgrade');
  const rerun = await pass('re-run');
  const [after] = await sql<{ settings: string }[]>`
    select settings::text as settings from public.tenant_modules
    where module_id = ${BULK_MODULE} and tenant_id = ${first.tenant_id}`;
  const [{ behind }] = await sql<{ behind: number }[]>`
    select count(*)::int as behind from public.tenant_modules
    where module_id = ${BULK_MODULE} and version <> ${to}`;
  if (behind !== 0) throw new Error(`${behind} tenants still behind ${to} after the bulk upgrade`);
  return {
    module: BULK_MODULE,
    from,
    to,
    tenants,
    batch: BULK_BATCH,
    seconds: run.seconds,
    batches: run.batches,
    outcomes: run.outcomes,
    rerun: { seconds: rerun.seconds, outcomes: rerun.outcomes },
    example: { before: JSON.parse(first.settings), after: JSON.parse(after.settings) },
  };
}

/** Builds, loads and measures both sides on the cluster at `clusterUrl` (any of its databases). */
export async function measureVersions(
  clusterUrl: string,
  command: string,
  o: VersionsOptions,
): Promise<VersionsResult> {
  const began = performance.now();
  const startedAt = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
  const loadBefore = Deno.loadavg()[0];
  o.log(`building ${DATABASE.parent} and ${DATABASE.versions}…`);
  await buildAgainstParent(
    clusterUrl,
    { parent: DATABASE.parent, current: DATABASE.versions },
    PARENT_MIGRATION,
    o.log,
  );
  const conns = {
    parent: connect(clusterUrl, 'parent'),
    versions: connect(clusterUrl, 'versions'),
  };
  try {
    for (const side of SIDES) await prepare(conns[side]);
    o.log(`loading ${count(o.tenants)} tenants into each…`);
    const loadSeconds = await load(conns, o.tenants, o.log);
    await Promise.all(SIDES.map((side) => conns[side]`checkpoint`));

    const columns = listingColumns();
    const samples = Object.fromEntries(MEASURES.map((m) => [
      m,
      { parent: [], versions: [], control: [] },
    ])) as unknown as Record<Measure, Record<Arm, number[][]>>;
    const returned = {} as Record<Measure, Record<Arm, number>>;
    const plans = {} as VersionsResult['plans'];
    o.log(`${o.rounds} rounds, parent, versions and control in turn run by run…`);
    let k = 0;
    for (let round = 0; round < o.rounds; round++) {
      // New connections every round, opened alike: a backend's speed on the same statement
      // differs from one backend to the next (its memory, its caches), by as much as 25% for the
      // listing's explain; new ones each round turn that into noise the rounds' median absorbs.
      const readers: Record<Arm, postgres.Sql> = {
        parent: connect(clusterUrl, 'parent'),
        versions: connect(clusterUrl, 'versions'),
        control: connect(clusterUrl, 'parent'),
      };
      try {
        const runners: Record<Arm, Runner> = {
          parent: runner(readers.parent, columns.parent, columns.parent),
          versions: runner(readers.versions, columns.versions, columns.parent),
          control: runner(readers.control, columns.parent, columns.parent),
        };
        // Warm-up (plans cached, pages read), and what each arm returns, which must agree.
        for (const m of MEASURES) {
          returned[m] = { parent: 0, versions: 0, control: 0 };
          for (const arm of ARMS) {
            for (let i = 0; i < (m === 'perCall' ? 1 : 3); i++) {
              returned[m][arm] = (await runners[arm].run(m, i))[1];
            }
          }
          if (!m.startsWith('listingDb') && new Set(Object.values(returned[m])).size !== 1) {
            throw new Error(`${m}: the arms disagree: ${JSON.stringify(returned[m])}`);
          }
        }
        for (const m of MEASURES) {
          const times: Record<Arm, number[]> = { parent: [], versions: [], control: [] };
          // Run by run, the arms in turn (in every order): what slows the machine for a moment
          // falls on all of them.
          for (let i = 0; i < o.runs[m]; i++, k++) {
            for (const arm of ORDERS[k % ORDERS.length]) {
              times[arm].push((await runners[arm].run(m, k))[0]);
            }
          }
          for (const arm of ARMS) samples[m][arm].push(times[arm]);
        }
        if (round + 1 === o.rounds) {
          for (const side of SIDES) {
            plans[side] = {
              listing: await runners[side].plan('listing'),
              perStatement: await runners[side].plan('perStatement'),
            };
          }
        }
      } finally {
        await Promise.all(Object.values(readers).map((c) => c.end()));
      }
      if ((round + 1) % 10 === 0 || round + 1 === o.rounds) {
        const r = (m: Measure, arm: Arm = 'versions') =>
          (median(samples[m][arm].flat()) / median(samples[m].parent.flat())).toFixed(3);
        o.log(
          `  round ${round + 1}: versions/parent so far: per call ${r('perCall')}, ` +
            `per statement ${r('perStatement')}, listing ${r('listing')} (in the database ${
              r('listingDb')
            }); control/parent ${r('listingDb', 'control')} in the database`,
        );
      }
    }

    o.log(
      `bulk upgrade in ${DATABASE.versions}: ${BULK_MODULE} on ${count(o.tenants)} tenants, ` +
        `batches of ${count(BULK_BATCH)}…`,
    );
    const bulk = await bulkUpgrade(conns.versions, o.tenants, o.log);
    o.log(
      `  ${count(bulk.tenants / bulk.seconds)} tenants/s (${bulk.seconds.toFixed(1)} s), ` +
        `outcomes ${JSON.stringify(bulk.outcomes)}; re-run ${
          count(bulk.tenants / bulk.rerun.seconds)
        } tenants/s, outcomes ${JSON.stringify(bulk.rerun.outcomes)}`,
    );

    return {
      startedAt,
      seconds: (performance.now() - began) / 1000,
      command,
      machine: await describeCluster(conns.parent, loadBefore),
      tenants: o.tenants,
      rows: o.tenants * MODULES.length,
      loadSeconds,
      columns,
      returned: {
        perCall: returned.perCall.parent,
        perCallRows: Math.min(o.tenants, PER_CALL_TENANTS),
        perStatement: returned.perStatement.parent,
        perStatementRows: o.tenants * PER_STATEMENT_ROWS,
        listing: returned.listing.parent,
      },
      rounds: o.rounds,
      samples,
      plans,
      bulk,
    };
  } finally {
    await Promise.all(Object.values(conns).map((c) => c.end()));
  }
}

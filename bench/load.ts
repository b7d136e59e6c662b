/**
 * The benchmark's data: tenant `i` (1-based) has the id `md5('bench-tenant-' || i)::uuid`, is
 * owned by user `md5('bench-owner-' || i)::uuid` and has every catalog module installed. One
 * user, the "member", belongs to 50 tenants, all among the first 1,000 so that the same 50 are
 * there at every data size. Loaded set-based (`insert … select … from generate_series`) as the
 * superuser, in batches, with the migrations' indexes, constraints and triggers in place.
 *
 * `public.bench_naive_tenant_modules` is a copy of `tenant_modules` (same columns, constraints
 * and indexes, same rows) guarded only by the policy of the original task, for comparison.
 */
import { createHash } from 'node:crypto';
import type postgres from 'postgres';
import { count } from './stats.ts';

/** The catalog: the seed's `agency` and nine more. */
export const MODULES = [
  'agency',
  'analytics',
  'billing',
  'calendar',
  'crm',
  'helpdesk',
  'inventory',
  'invoicing',
  'payroll',
  'reports',
] as const;

/** How many tenants the member belongs to. */
export const MEMBER_TENANTS = 50;
/** The member's tenants are those whose index is a multiple of this (20, 40, … 1,000). */
const MEMBER_STRIDE = 20;

function md5Uuid(text: string): string {
  const h = createHash('md5').update(text).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

/** Id of tenant `i`. */
export const tenantId = (i: number): string => md5Uuid(`bench-tenant-${i}`);
/** Id of the owner of tenant `i`. */
export const ownerId = (i: number): string => md5Uuid(`bench-owner-${i}`);
/** Id of the user who is a member of 50 tenants. */
export const MEMBER_ID = md5Uuid('bench-member');
/** Indexes of the member's tenants. */
export const memberTenants = (): number[] =>
  Array.from({ length: MEMBER_TENANTS }, (_, k) => (k + 1) * MEMBER_STRIDE);

/** The policy the original task proposed, verbatim but for the table's name. */
/**
 * Settings schema of `crm`: the plan and seats every loaded row has, the HTTP part's `bench.n`,
 * and the throughput part's per-client counters as additional properties.
 */
export const MERGE_MODULE_SCHEMA = {
  type: 'object',
  properties: {
    plan: { type: 'string', enum: ['free', 'standard', 'enterprise'], default: 'free' },
    seats: { type: 'integer', minimum: 1, maximum: 1000, default: 1 },
    bench: { type: 'object', properties: { n: { type: 'integer', minimum: 0 } } },
  },
  additionalProperties: { type: 'integer', minimum: 0 },
};

export const NAIVE_POLICY =
  'tenant_id in (select tenant_id from tenant_members where user_id = auth.uid())';

/**
 * Completes the catalog to the ten modules and creates the naive copy of `tenant_modules` with
 * RLS and the original task's policy as its only one.
 */
export async function prepare(sql: postgres.Sql): Promise<void> {
  await sql`
    insert into public.modules (id, name, description)
    select id, initcap(id), 'Benchmark module ' || id from unnest(${MODULES as unknown as string[]}::text[]) as id
    on conflict (id) do nothing`;
  const [{ n }] = await sql<{ n: number }[]>`
    select count(*)::int as n from public.modules
    where id = any(${MODULES as unknown as string[]}) and is_active`;
  if (n !== MODULES.length) throw new Error(`expected ${MODULES.length} active modules, got ${n}`);
  // The module whose settings the HTTP and throughput parts merge carries a schema, so every one
  // of its writes pays for the database's validation, as a real module's would.
  await sql`update public.modules set settings_schema = ${sql.json(MERGE_MODULE_SCHEMA)}
    where id = 'crm'`;
  await sql.unsafe(`
    create table public.bench_naive_tenant_modules (like public.tenant_modules including all);
    comment on table public.bench_naive_tenant_modules is
      'Benchmark only: tenant_modules guarded by the original task''s naive policy.';
    alter table public.bench_naive_tenant_modules enable row level security;
    create policy "naive_members_can_view_tenant_modules"
    on public.bench_naive_tenant_modules
    for select
    to authenticated
    using (${NAIVE_POLICY.replace('tenant_members', 'public.tenant_members')});
  `).simple();
}

export interface LoadProgress {
  (line: string): void;
}

/** Tenants `lo`..`hi` (inclusive), each with its owner in `auth.users` and among its members. */
export async function insertTenants(
  sql: postgres.TransactionSql,
  lo: number,
  hi: number,
): Promise<void> {
  await sql`
    insert into auth.users (id, email, aud, role)
    select md5('bench-owner-' || i)::uuid, 'owner-' || i || '@bench.test',
           'authenticated', 'authenticated'
    from generate_series(${lo}::int, ${hi}::int) as i`;
  await sql`
    insert into public.tenants (id, name)
    select md5('bench-tenant-' || i)::uuid, 'Tenant ' || i
    from generate_series(${lo}::int, ${hi}::int) as i`;
  await sql`
    insert into public.tenant_members (tenant_id, user_id, role)
    select md5('bench-tenant-' || i)::uuid, md5('bench-owner-' || i)::uuid, 'owner'
    from generate_series(${lo}::int, ${hi}::int) as i`;
}

/**
 * Loads tenants `from`..`to` (inclusive) with an owner each and every catalog module installed,
 * into `tenant_modules` and its naive copy, reporting progress per batch; then the member's
 * memberships among them, and `vacuum analyze`.
 */
export async function loadTenants(
  sql: postgres.Sql,
  from: number,
  to: number,
  log: LoadProgress,
  batch = 5_000,
): Promise<{ rows: number; seconds: number }> {
  const total = (to - from + 1) * MODULES.length;
  const start = performance.now();
  let done = 0;
  for (let lo = from; lo <= to; lo += batch) {
    const hi = Math.min(to, lo + batch - 1);
    await sql.begin(async (tx) => {
      await insertTenants(tx, lo, hi);
      await tx`
        insert into public.tenant_modules (tenant_id, module_id, settings)
        select md5('bench-tenant-' || i)::uuid, m.id,
               case m.id
                 when 'agency' then '{"timezone":"UTC","currency":"USD","max_clients":100}'::jsonb
                 else jsonb_build_object('plan', 'standard', 'seats', i % 50 + 1)
               end
        from generate_series(${lo}::int, ${hi}::int) as i
        cross join unnest(${MODULES as unknown as string[]}::text[]) as m(id)
        order by i, m.id`;
      await tx`
        insert into public.bench_naive_tenant_modules
        select tm.*
        from generate_series(${lo}::int, ${hi}::int) as i
        join public.tenant_modules as tm on tm.tenant_id = md5('bench-tenant-' || i)::uuid`;
    });
    done += (hi - lo + 1) * MODULES.length;
    const seconds = (performance.now() - start) / 1000;
    const rate = done / seconds;
    log(
      `  tenant_modules ${count(done).padStart(9)} / ${count(total)}  ` +
        `${String(Math.round((100 * done) / total)).padStart(3)}%  ` +
        `${count(rate)} rows/s  ~${Math.ceil((total - done) / rate)} s left`,
    );
  }
  const members = memberTenants().filter((i) => i >= from && i <= to);
  if (members.length) {
    await sql`
      insert into auth.users (id, email, aud, role)
      values (${MEMBER_ID}, 'member@bench.test', 'authenticated', 'authenticated')
      on conflict (id) do nothing`;
    await sql`
      insert into public.tenant_members (tenant_id, user_id, role)
      select md5('bench-tenant-' || i)::uuid, ${MEMBER_ID}, 'member'
      from unnest(${members}::int[]) as i`;
  }
  log('  vacuum analyze…');
  await sql.unsafe(
    'vacuum (analyze) auth.users, public.tenants, public.tenant_members, public.tenant_modules, ' +
      'public.bench_naive_tenant_modules',
  );
  return { rows: total, seconds: (performance.now() - start) / 1000 };
}

/** Row counts of the tables the benchmark reads. */
export async function tableSizes(sql: postgres.Sql): Promise<Record<string, number>> {
  const [row] = await sql<Record<string, number>[]>`
    select (select count(*) from public.tenants)::int as tenants,
           (select count(*) from public.tenant_members)::int as tenant_members,
           (select count(*) from public.tenant_modules)::int as tenant_modules,
           (select count(*) from public.bench_naive_tenant_modules)::int as naive_copy,
           (select count(*) from auth.users)::int as users`;
  return { ...row };
}

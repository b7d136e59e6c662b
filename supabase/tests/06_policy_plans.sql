-- How Postgres runs the policies: the caller's tenant ids are fetched once per statement (an
-- InitPlan), never once per row (a SubPlan or a function in a per-row Filter), and the resulting
-- `tenant_id = any ($n)` can drive an index scan. This is what keeps RLS close to the cost of an
-- explicit filter on large tables. Sequential scans are disabled so that the small fixture shows
-- whether an index *can* be used.
begin;
\ir fixtures/personas.psql
select plan(19);

create function pg_temp.plan_of(p_query text) returns text
language plpgsql as $$
declare
  v_line text;
  v_plan text := '';
begin
  for v_line in execute 'explain (costs off) ' || p_query loop
    v_plan := v_plan || v_line || E'\n';
  end loop;
  return v_plan;
end;
$$;

-- another module's tables, gated the two ways the README describes
create table public.clients_per_statement (
  id bigint generated always as identity primary key,
  tenant_id uuid not null references public.tenants (id) on delete cascade,
  name text not null
);
create index clients_per_statement_tenant_id_idx on public.clients_per_statement (tenant_id);
alter table public.clients_per_statement enable row level security;
create policy "members_can_view_clients" on public.clients_per_statement
  for select to authenticated
  using (
    tenant_id = any (array(
      select t.id from public.tenants as t
      where public.tenant_has_module(t.id, 'agency')
    ))
  );

create table public.clients_per_row (
  id bigint generated always as identity primary key,
  tenant_id uuid not null references public.tenants (id) on delete cascade,
  name text not null
);
create index clients_per_row_tenant_id_idx on public.clients_per_row (tenant_id);
alter table public.clients_per_row enable row level security;
create policy "members_can_view_clients" on public.clients_per_row
  for select to authenticated
  using (public.tenant_has_module(tenant_id, 'agency'));

set local enable_seqscan = off;
select pg_temp.login_as('11111111-1111-4111-8111-111111111111');

select matches(pg_temp.plan_of('select * from public.tenant_modules'),
  'InitPlan', 'reading tenant_modules should fetch the caller''s tenants once per statement');
select doesnt_match(pg_temp.plan_of('select * from public.tenant_modules'),
  'SubPlan', 'reading tenant_modules should not check membership per row');
select matches(pg_temp.plan_of('select * from public.tenant_modules'),
  'Index Cond: \(tenant_id = ANY \(\$\d+\)\)',
  'reading tenant_modules should find the caller''s rows through the tenant index');

select matches(pg_temp.plan_of('select * from public.tenants'),
  'InitPlan', 'reading tenants should fetch the caller''s tenants once per statement');
select matches(pg_temp.plan_of('select * from public.tenants'),
  'Index Cond: \(id = ANY \(\$\d+\)\)', 'reading tenants should use the primary key');
select matches(pg_temp.plan_of('select * from public.tenant_members'),
  'InitPlan', 'reading tenant_members should fetch the caller''s tenants once per statement');
select matches(pg_temp.plan_of('select * from public.tenant_members'),
  'Index Cond: \(tenant_id = ANY \(\$\d+\)\)', 'reading tenant_members should use the primary key');

select matches(pg_temp.plan_of('update public.tenant_modules set enabled = true'),
  'InitPlan', 'updating tenant_modules should fetch the administered tenants once per statement');
select matches(pg_temp.plan_of('update public.tenant_modules set enabled = true'),
  'Index Cond: \(tenant_id = ANY \(\$\d+\)\)',
  'updating tenant_modules should find the administered rows through the tenant index');
select matches(pg_temp.plan_of('delete from public.tenant_modules'),
  'InitPlan', 'deleting from tenant_modules should fetch the administered tenants once per statement');
select doesnt_match(pg_temp.plan_of('delete from public.tenant_modules'),
  'SubPlan', 'deleting from tenant_modules should not check membership per row');
select matches(pg_temp.plan_of('delete from public.tenant_modules'),
  'Index Cond: \(tenant_id = ANY \(\$\d+\)\)',
  'deleting from tenant_modules should find the administered rows through the tenant index');

-- membership lookups use the by-user index (index-only once the table is vacuumed)
reset role;
select matches(
  pg_temp.plan_of($$ select tenant_id from public.tenant_members
    where user_id = '11111111-1111-4111-8111-111111111111' and role in ('owner', 'admin') $$),
  '(Index Only Scan using|Index Scan using|Bitmap Index Scan on) tenant_members_user_id_tenant_id_key',
  'the helpers'' membership lookup should use the by-user index');
select pg_temp.login_as('11111111-1111-4111-8111-111111111111');

-- tenant_has_module in another module's policy
select matches(pg_temp.plan_of('select * from public.clients_per_statement'),
  'InitPlan \d+ \(returns \$\d+\)\n\s+->  (Bitmap Heap|Index) Scan on tenants',
  'the per-statement form should ask tenant_has_module about the caller''s tenants in an InitPlan');
select matches(pg_temp.plan_of('select * from public.clients_per_statement'),
  'Index Cond: \(tenant_id = ANY \(\$\d+\)\)',
  'the per-statement form should then read the table through its tenant index');
select doesnt_match(pg_temp.plan_of('select * from public.clients_per_statement'),
  'tenant_has_module\(tenant_id',
  'the per-statement form should never call tenant_has_module per row of the table');
select matches(pg_temp.plan_of('select * from public.clients_per_row'),
  'Filter: tenant_has_module\(tenant_id',
  'the per-row form should call tenant_has_module once per row (fine for small or filtered reads)');
select matches(pg_temp.plan_of($$ select * from public.clients_per_row
    where tenant_id = 'aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa' $$),
  'Index Cond: \(tenant_id = ''aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa''::uuid\)',
  'the per-row form should still let a filter on tenant_id use the index first');
reset role;

-- the volatility that lets the planner do all this: every function a policy calls, and
-- tenant_has_module, is stable (00_structure checks the volatility of the other functions)
select results_eq(
  $$ select p.oid::regprocedure::text collate "default", p.provolatile::text collate "default"
     from pg_catalog.pg_proc as p
     where p.pronamespace in ('public'::regnamespace, 'private'::regnamespace)
       and (p.proname = 'tenant_has_module'
            or exists (select 1 from pg_catalog.pg_policies as pol
                       where pol.schemaname = 'public'
                         and coalesce(pol.qual, '') || ' ' || coalesce(pol.with_check, '')
                           ~ ('\m' || p.proname || '\(')))
     order by 1 $$,
  $$ values ('private.admin_tenant_ids()', 's'), ('private.tenant_has_module(uuid,text)', 's'),
            ('private.user_tenant_ids()', 's'), ('tenant_has_module(uuid,text)', 's') $$,
  'every policy helper and tenant_has_module should be stable');

select * from finish();
rollback;

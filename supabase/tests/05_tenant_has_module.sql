-- public.tenant_has_module(tenant, module): true only for an installed, enabled, active module of
-- a tenant the signed-in caller belongs to; false, never an error, otherwise. Then the way other
-- modules use it: gating their own tables' policies.
begin;
\ir fixtures/personas.psql
select plan(40);

-- a member of A ------------------------------------------------------------------------------
select pg_temp.login_as('33333333-3333-4333-8333-333333333333');
select is(public.tenant_has_module('aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa', 'agency'), true,
  'a member should get true for an enabled, active module of their tenant');
select is(public.tenant_has_module('aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa', 'zz_billing'), false,
  'a module the tenant has not installed should be false');
select is(public.tenant_has_module('aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa', 'zz_legacy'), false,
  'an installed and enabled but inactive module should be false');
select is(public.tenant_has_module('aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa', 'no-such-module'), false,
  'a module missing from the catalog should be false');
select is(public.tenant_has_module('bbbbbbbb-bbbb-4bbb-8bbb-bbbbbbbbbbbb', 'agency'), false,
  'another tenant''s enabled module should be false for a non-member');
select is(public.tenant_has_module('00000000-0000-4000-8000-000000000000', 'agency'), false,
  'a tenant that does not exist should be false');
select is(public.tenant_has_module(null, 'agency'), false, 'a null tenant should be false');
select is(public.tenant_has_module('aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa', null), false,
  'a null module should be false');
select is(public.tenant_has_module(null, null), false, 'null arguments should be false');
select is(public.tenant_has_module('aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa', ''), false,
  'an empty module id should be false');
reset role;

-- every role of A gets the same answer -------------------------------------------------------
select pg_temp.login_as('11111111-1111-4111-8111-111111111111');
select is(public.tenant_has_module('aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa', 'agency'), true,
  'the owner should get true for tenant A''s agency');
reset role;
select pg_temp.login_as('22222222-2222-4222-8222-222222222222');
select is(public.tenant_has_module('aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa', 'agency'), true,
  'the admin should get true for tenant A''s agency');
reset role;

-- admin of B ---------------------------------------------------------------------------------
select pg_temp.login_as('44444444-4444-4444-8444-444444444444');
select is(public.tenant_has_module('bbbbbbbb-bbbb-4bbb-8bbb-bbbbbbbbbbbb', 'agency'), true,
  'admin of B should get true for tenant B''s agency');
select is(public.tenant_has_module('bbbbbbbb-bbbb-4bbb-8bbb-bbbbbbbbbbbb', 'zz_billing'), false,
  'an installed but disabled module should be false');
select is(public.tenant_has_module('aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa', 'agency'), false,
  'admin of B should get false for tenant A''s agency');
reset role;

-- outsiders ----------------------------------------------------------------------------------
select pg_temp.login_as('55555555-5555-4555-8555-555555555555');
select is(public.tenant_has_module('aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa', 'agency'), false,
  'a signed-in stranger should get false for tenant A');
select is(public.tenant_has_module('bbbbbbbb-bbbb-4bbb-8bbb-bbbbbbbbbbbb', 'agency'), false,
  'a signed-in stranger should get false for tenant B');
reset role;

select pg_temp.login_anon();
select lives_ok($$ select public.tenant_has_module('aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa', 'agency') $$,
  'anon should get an answer, not an error');
select is(public.tenant_has_module('aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa', 'agency'), false,
  'anon should get false');
select throws_ok($$ select private.tenant_has_module('aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa', 'agency') $$,
  '42501', null, 'anon should not reach the private implementation');
reset role;

select pg_temp.login_service_role();
select is(public.tenant_has_module('aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa', 'agency'), false,
  'service_role should get false: it is no member (it reads tenant_modules directly instead)');
reset role;

select set_config('request.jwt.claims', '', true);
select is(public.tenant_has_module('aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa', 'agency'), false,
  'a session without JWT claims should get false');

-- the answer follows the data ----------------------------------------------------------------
update public.tenant_modules set enabled = false
  where tenant_id = 'aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa' and module_id = 'agency';
select pg_temp.login_as('11111111-1111-4111-8111-111111111111');
select is(public.tenant_has_module('aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa', 'agency'), false,
  'disabling a module should turn the answer to false');
reset role;
update public.tenant_modules set enabled = true
  where tenant_id = 'aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa' and module_id = 'agency';
update public.modules set is_active = false where id = 'agency';
select pg_temp.login_as('11111111-1111-4111-8111-111111111111');
select is(public.tenant_has_module('aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa', 'agency'), false,
  'deactivating a module in the catalog should turn the answer to false');
reset role;
update public.modules set is_active = true where id = 'agency';
delete from public.tenant_members
  where tenant_id = 'aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa'
    and user_id = '22222222-2222-4222-8222-222222222222';
select pg_temp.login_as('22222222-2222-4222-8222-222222222222');
select is(public.tenant_has_module('aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa', 'agency'), false,
  'losing the membership should turn the answer to false');
reset role;
insert into public.tenant_members (tenant_id, user_id, role)
values ('aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa', '22222222-2222-4222-8222-222222222222', 'admin');

-- another module gates its own table on it ---------------------------------------------------
-- `clients` of the agency module, with the two policy forms the README describes: per row, and
-- once per statement over the caller's tenants (the one to use on large tables).
create table public.zz_agency_clients (
  id bigint generated always as identity primary key,
  tenant_id uuid not null references public.tenants (id) on delete cascade,
  name text not null
);
create index agency_clients_tenant_id_idx on public.zz_agency_clients (tenant_id);
alter table public.zz_agency_clients enable row level security;
create policy "members_can_view_clients_per_row" on public.zz_agency_clients
  for select to authenticated
  using (public.tenant_has_module(tenant_id, 'agency'));

create table public.zz_billing_invoices (
  id bigint generated always as identity primary key,
  tenant_id uuid not null references public.tenants (id) on delete cascade,
  total numeric not null
);
create index billing_invoices_tenant_id_idx on public.zz_billing_invoices (tenant_id);
alter table public.zz_billing_invoices enable row level security;
create policy "members_can_view_invoices" on public.zz_billing_invoices
  for select to authenticated
  using (
    tenant_id = any (array(
      select t.id from public.tenants as t
      where public.tenant_has_module(t.id, 'zz_billing')
    ))
  );
create policy "admins_can_insert_invoices" on public.zz_billing_invoices
  for insert to authenticated
  with check (
    tenant_id = any ((select private.admin_tenant_ids())::uuid[])
    and public.tenant_has_module(tenant_id, 'zz_billing')
  );

insert into public.zz_agency_clients (tenant_id, name) values
  ('aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa', 'client of A'),
  ('bbbbbbbb-bbbb-4bbb-8bbb-bbbbbbbbbbbb', 'client of B');
insert into public.zz_billing_invoices (tenant_id, total) values
  ('aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa', 10),
  ('bbbbbbbb-bbbb-4bbb-8bbb-bbbbbbbbbbbb', 20);

select pg_temp.login_as('33333333-3333-4333-8333-333333333333');
select results_eq($$ select name from public.zz_agency_clients $$, $$ values ('client of A') $$,
  'a member of A should see A''s clients only (per-row form)');
select is_empty($$ select id from public.zz_billing_invoices $$,
  'a member of A should see no invoice: A has not installed billing');
reset role;

select pg_temp.login_as('44444444-4444-4444-8444-444444444444');
select results_eq($$ select name from public.zz_agency_clients $$, $$ values ('client of B') $$,
  'admin of B should see B''s clients only (per-row form)');
select is_empty($$ select id from public.zz_billing_invoices $$,
  'admin of B should see no invoice while billing is disabled');
select throws_ok($$ insert into public.zz_billing_invoices (tenant_id, total)
  values ('bbbbbbbb-bbbb-4bbb-8bbb-bbbbbbbbbbbb', 1) $$,
  '42501', null, 'admin of B should not write invoices while billing is disabled');
select isnt_empty($$ update public.tenant_modules set enabled = true
  where module_id = 'zz_billing' returning id $$,
  'admin of B should enable billing');
select results_eq($$ select total from public.zz_billing_invoices $$, $$ values (20::numeric) $$,
  'admin of B should see B''s invoices once billing is enabled (per-statement form)');
select lives_ok($$ insert into public.zz_billing_invoices (tenant_id, total)
  values ('bbbbbbbb-bbbb-4bbb-8bbb-bbbbbbbbbbbb', 30) $$,
  'admin of B should write invoices once billing is enabled');
select throws_ok($$ insert into public.zz_billing_invoices (tenant_id, total)
  values ('aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa', 1) $$,
  '42501', null, 'admin of B should not write invoices for tenant A');
reset role;

select pg_temp.login_as('55555555-5555-4555-8555-555555555555');
select is_empty($$ select id from public.zz_agency_clients $$,
  'a signed-in stranger should see no client');
select is_empty($$ select id from public.zz_billing_invoices $$,
  'a signed-in stranger should see no invoice');
reset role;

select pg_temp.login_anon();
select is_empty($$ select id from public.zz_agency_clients $$, 'anon should see no client');
reset role;

-- both forms agree, persona by persona
create function pg_temp.visible_clients_both_ways() returns table (per_row bigint[], per_statement bigint[])
language sql as $$
  select
    array(select c.id from public.zz_agency_clients as c order by c.id),
    array(select c.id from public.zz_agency_clients as c
          where c.tenant_id = any (array(
            select t.id from public.tenants as t where public.tenant_has_module(t.id, 'agency')))
          order by c.id)
$$;
select pg_temp.login_as('11111111-1111-4111-8111-111111111111');
select ok((select per_row = per_statement and cardinality(per_row) = 1 from pg_temp.visible_clients_both_ways()),
  'for the owner of A, the per-row and per-statement forms should select the same clients');
reset role;
select pg_temp.login_as('44444444-4444-4444-8444-444444444444');
select ok((select per_row = per_statement and cardinality(per_row) = 1 from pg_temp.visible_clients_both_ways()),
  'for the admin of B, the per-row and per-statement forms should select the same clients');
reset role;
select pg_temp.login_as('55555555-5555-4555-8555-555555555555');
select ok((select per_row = per_statement and cardinality(per_row) = 0 from pg_temp.visible_clients_both_ways()),
  'for a stranger, both forms should select no client');
reset role;

select * from finish();
rollback;

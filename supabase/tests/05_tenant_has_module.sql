-- public.tenant_has_module(tenant, module): true only for an installed, enabled, active module
-- of a tenant the caller belongs to; false, never an error, otherwise.
begin;
\ir fixtures/personas.psql
select plan(20);

select function_returns('public', 'tenant_has_module', array['uuid', 'text'], 'boolean',
  'tenant_has_module should return boolean');
select is(p.prosecdef, false, 'tenant_has_module should be security invoker')
from pg_proc p where p.oid = 'public.tenant_has_module(uuid, text)'::regprocedure;
select is(p.provolatile, 's', 'tenant_has_module should be stable')
from pg_proc p where p.oid = 'public.tenant_has_module(uuid, text)'::regprocedure;

select pg_temp.login_as('33333333-3333-4333-8333-333333333333');
select is(public.tenant_has_module('aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa', 'agency'), true,
  'member should see tenant A has agency');
select is(public.tenant_has_module('aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa', 'billing'), false,
  'a module tenant A has not installed should be false');
select is(public.tenant_has_module('aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa', 'legacy'), false,
  'an installed but inactive module should be false');
select is(public.tenant_has_module('aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa', 'no-such-module'), false,
  'an unknown module should be false');
select is(public.tenant_has_module('bbbbbbbb-bbbb-4bbb-8bbb-bbbbbbbbbbbb', 'agency'), false,
  'another tenant''s module should be false for a non-member');
select is(public.tenant_has_module(null, 'agency'), false, 'a null tenant should be false');
select is(public.tenant_has_module('aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa', null), false,
  'a null module should be false');
select is(public.tenant_has_module('00000000-0000-4000-8000-000000000000', 'agency'), false,
  'a tenant that does not exist should be false');
reset role;

-- disabling flips it
update public.tenant_modules set enabled = false
  where tenant_id = 'aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa' and module_id = 'agency';
select pg_temp.login_as('11111111-1111-4111-8111-111111111111');
select is(public.tenant_has_module('aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa', 'agency'), false,
  'a disabled module should be false');
reset role;

select pg_temp.login_as('44444444-4444-4444-8444-444444444444');
select is(public.tenant_has_module('bbbbbbbb-bbbb-4bbb-8bbb-bbbbbbbbbbbb', 'agency'), true,
  'admin of B should see tenant B has agency');
select is(public.tenant_has_module('bbbbbbbb-bbbb-4bbb-8bbb-bbbbbbbbbbbb', 'billing'), false,
  'a disabled module of tenant B should be false');
select is(public.tenant_has_module('aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa', 'legacy'), false,
  'admin of B should get false for tenant A');
reset role;

select pg_temp.login_as('55555555-5555-4555-8555-555555555555');
select is(public.tenant_has_module('bbbbbbbb-bbbb-4bbb-8bbb-bbbbbbbbbbbb', 'agency'), false,
  'a stranger should get false');
reset role;

select pg_temp.login_anon();
select lives_ok($$ select public.tenant_has_module('bbbbbbbb-bbbb-4bbb-8bbb-bbbbbbbbbbbb', 'agency') $$,
  'anon should get an answer, not an error');
select is(public.tenant_has_module('bbbbbbbb-bbbb-4bbb-8bbb-bbbbbbbbbbbb', 'agency'), false,
  'anon should get false');
reset role;

select pg_temp.login_service_role();
select is(public.tenant_has_module('bbbbbbbb-bbbb-4bbb-8bbb-bbbbbbbbbbbb', 'agency'), true,
  'service_role should see every tenant''s modules');
reset role;

-- usable in another module's policy, evaluated per row
create table public.agency_clients (
  id bigint generated always as identity primary key,
  tenant_id uuid not null references public.tenants (id),
  name text not null
);
alter table public.agency_clients enable row level security;
create policy "members_with_agency_can_view_clients" on public.agency_clients
  for select to authenticated
  using (public.tenant_has_module(tenant_id, 'agency'));
insert into public.agency_clients (tenant_id, name) values
  ('aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa', 'client of A'),
  ('bbbbbbbb-bbbb-4bbb-8bbb-bbbbbbbbbbbb', 'client of B');
select pg_temp.login_as('44444444-4444-4444-8444-444444444444');
select results_eq($$ select name from public.agency_clients $$, $$ values ('client of B') $$,
  'a policy gated on tenant_has_module should show only tenants with the module enabled');
reset role;

select * from finish();
rollback;

-- tenants and tenant_members: members read their own tenants and those tenants' memberships;
-- nobody but service_role writes either table, so nobody can create a tenant, join one, or
-- promote themselves through the API. Refused inserts raise 42501; refused updates and deletes
-- find no row to change (RLS filters them), checked on `returning`.
begin;
\ir fixtures/personas.psql
select plan(64);

-- owner of A ---------------------------------------------------------------------------------
select pg_temp.login_as('11111111-1111-4111-8111-111111111111');
select results_eq($$ select id from public.tenants $$,
  $$ values ('aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa'::uuid) $$,
  'owner should see tenant A and no other tenant');
select results_eq($$ select user_id, role from public.tenant_members order by user_id $$,
  $$ values ('11111111-1111-4111-8111-111111111111'::uuid, 'owner'),
            ('22222222-2222-4222-8222-222222222222'::uuid, 'admin'),
            ('33333333-3333-4333-8333-333333333333'::uuid, 'member') $$,
  'owner should see the memberships of tenant A and no other');
select throws_ok($$ insert into public.tenants (name) values ('Owned by me') $$, '42501', null,
  'owner should not create a tenant');
select is_empty($$ update public.tenants set name = 'Renamed' returning id $$,
  'owner should not rename any tenant, their own included');
select is_empty($$ delete from public.tenants returning id $$,
  'owner should not delete any tenant, their own included');
select throws_ok($$ insert into public.tenant_members (tenant_id, user_id, role)
  values ('aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa', '55555555-5555-4555-8555-555555555555', 'member') $$,
  '42501', null, 'owner should not add a member through the API');
select is_empty($$ update public.tenant_members set role = 'member'
  where user_id = '22222222-2222-4222-8222-222222222222' returning user_id $$,
  'owner should not change a role through the API');
select is_empty($$ delete from public.tenant_members
  where user_id = '33333333-3333-4333-8333-333333333333' returning user_id $$,
  'owner should not remove a member through the API');
reset role;

-- admin of A ---------------------------------------------------------------------------------
select pg_temp.login_as('22222222-2222-4222-8222-222222222222');
select results_eq($$ select id from public.tenants $$,
  $$ values ('aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa'::uuid) $$,
  'admin should see tenant A and no other tenant');
select results_eq($$ select count(*)::int from public.tenant_members $$, $$ values (3) $$,
  'admin should see the three memberships of tenant A');
select throws_ok($$ insert into public.tenants (name) values ('Mine') $$, '42501', null,
  'admin should not create a tenant');
select is_empty($$ update public.tenants set name = 'Renamed' returning id $$,
  'admin should not rename any tenant');
select is_empty($$ delete from public.tenants returning id $$,
  'admin should not delete any tenant');
select throws_ok($$ insert into public.tenant_members (tenant_id, user_id, role)
  values ('bbbbbbbb-bbbb-4bbb-8bbb-bbbbbbbbbbbb', '22222222-2222-4222-8222-222222222222', 'owner') $$,
  '42501', null, 'admin should not join another tenant');
select is_empty($$ update public.tenant_members set role = 'owner'
  where user_id = '22222222-2222-4222-8222-222222222222' returning role $$,
  'admin should not promote themselves to owner');
select is_empty($$ update public.tenant_members set role = 'member'
  where user_id = '11111111-1111-4111-8111-111111111111' returning role $$,
  'admin should not demote the owner');
select is_empty($$ delete from public.tenant_members
  where user_id = '11111111-1111-4111-8111-111111111111' returning user_id $$,
  'admin should not remove the owner');
reset role;

-- plain member of A --------------------------------------------------------------------------
select pg_temp.login_as('33333333-3333-4333-8333-333333333333');
select results_eq($$ select id from public.tenants $$,
  $$ values ('aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa'::uuid) $$,
  'member should see tenant A and no other tenant');
select results_eq($$ select count(*)::int from public.tenant_members $$, $$ values (3) $$,
  'member should see the memberships of tenant A');
select throws_ok($$ insert into public.tenants (name) values ('Mine') $$, '42501', null,
  'member should not create a tenant');
select is_empty($$ update public.tenants set name = 'Renamed' returning id $$,
  'member should not rename any tenant');
select is_empty($$ delete from public.tenants returning id $$,
  'member should not delete any tenant');
select throws_ok($$ insert into public.tenant_members (tenant_id, user_id, role)
  values ('bbbbbbbb-bbbb-4bbb-8bbb-bbbbbbbbbbbb', '33333333-3333-4333-8333-333333333333', 'owner') $$,
  '42501', null, 'member should not join another tenant');
select is_empty($$ update public.tenant_members set role = 'owner'
  where user_id = '33333333-3333-4333-8333-333333333333' returning role $$,
  'member should not promote themselves');
select is_empty($$ delete from public.tenant_members returning user_id $$,
  'member should not remove anybody');
reset role;

-- admin of B ---------------------------------------------------------------------------------
select pg_temp.login_as('44444444-4444-4444-8444-444444444444');
select results_eq($$ select id from public.tenants $$,
  $$ values ('bbbbbbbb-bbbb-4bbb-8bbb-bbbbbbbbbbbb'::uuid) $$,
  'admin of B should see tenant B and no other tenant');
select is_empty($$ select id from public.tenants where id = 'aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa' $$,
  'admin of B should not see tenant A even when asking for it');
select results_eq($$ select user_id from public.tenant_members $$,
  $$ values ('44444444-4444-4444-8444-444444444444'::uuid) $$,
  'admin of B should see only the memberships of tenant B');
select is_empty($$ select user_id from public.tenant_members
  where tenant_id = 'aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa' $$,
  'admin of B should not see tenant A''s memberships even when asking for them');
select throws_ok($$ insert into public.tenants (name) values ('Mine') $$, '42501', null,
  'admin of B should not create a tenant');
select is_empty($$ update public.tenants set name = 'Hijacked' returning id $$,
  'admin of B should not rename tenant A or B');
select is_empty($$ delete from public.tenants returning id $$,
  'admin of B should not delete tenant A or B');
select throws_ok($$ insert into public.tenant_members (tenant_id, user_id, role)
  values ('aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa', '44444444-4444-4444-8444-444444444444', 'admin') $$,
  '42501', null, 'admin of B should not join tenant A');
select throws_ok($$ insert into public.tenant_members (tenant_id, user_id, role)
  values ('bbbbbbbb-bbbb-4bbb-8bbb-bbbbbbbbbbbb', '55555555-5555-4555-8555-555555555555', 'member') $$,
  '42501', null, 'admin of B should not add a member to tenant B through the API');
select is_empty($$ update public.tenant_members set role = 'owner' returning user_id $$,
  'admin of B should not change any role');
select is_empty($$ delete from public.tenant_members returning user_id $$,
  'admin of B should not remove any member');
reset role;

-- signed-in stranger -------------------------------------------------------------------------
select pg_temp.login_as('55555555-5555-4555-8555-555555555555');
select is_empty($$ select id from public.tenants $$, 'stranger should see no tenant');
select is_empty($$ select user_id from public.tenant_members $$, 'stranger should see no membership');
select throws_ok($$ insert into public.tenants (name) values ('Mine') $$, '42501', null,
  'stranger should not create a tenant');
select is_empty($$ update public.tenants set name = 'Mine' returning id $$,
  'stranger should not rename any tenant');
select is_empty($$ delete from public.tenants returning id $$, 'stranger should delete no tenant');
select throws_ok($$ insert into public.tenant_members (tenant_id, user_id, role)
  values ('aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa', '55555555-5555-4555-8555-555555555555', 'owner') $$,
  '42501', null, 'stranger should not join tenant A');
select is_empty($$ update public.tenant_members
  set user_id = '55555555-5555-4555-8555-555555555555' returning user_id $$,
  'stranger should not take over a membership');
select is_empty($$ delete from public.tenant_members returning user_id $$,
  'stranger should remove no membership');
reset role;

-- anon ---------------------------------------------------------------------------------------
select pg_temp.login_anon();
select is_empty($$ select id from public.tenants $$, 'anon should see no tenant');
select is_empty($$ select user_id from public.tenant_members $$, 'anon should see no membership');
select throws_ok($$ insert into public.tenants (name) values ('Anonymous') $$, '42501', null,
  'anon should not create a tenant');
select is_empty($$ update public.tenants set name = 'Anonymous' returning id $$,
  'anon should not rename any tenant');
select is_empty($$ delete from public.tenants returning id $$, 'anon should delete no tenant');
select throws_ok($$ insert into public.tenant_members (tenant_id, user_id)
  values ('aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa', '55555555-5555-4555-8555-555555555555') $$,
  '42501', null, 'anon should not add a membership');
select is_empty($$ update public.tenant_members set role = 'owner' returning user_id $$,
  'anon should change no membership');
select is_empty($$ delete from public.tenant_members returning user_id $$,
  'anon should remove no membership');
reset role;

-- service_role manages tenants and memberships -----------------------------------------------
select pg_temp.login_service_role();
select results_eq($$ select count(*)::int from public.tenants
  where id in ('aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa', 'bbbbbbbb-bbbb-4bbb-8bbb-bbbbbbbbbbbb') $$,
  $$ values (2) $$, 'service_role should see every tenant');
select results_eq($$ select count(*)::int from public.tenant_members
  where tenant_id in ('aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa', 'bbbbbbbb-bbbb-4bbb-8bbb-bbbbbbbbbbbb') $$,
  $$ values (4) $$, 'service_role should see every membership');
select lives_ok($$ insert into public.tenants (id, name)
  values ('cccccccc-cccc-4ccc-8ccc-cccccccccccc', 'Tenant C') $$,
  'service_role should create a tenant');
select lives_ok($$ insert into public.tenant_members (tenant_id, user_id, role)
  values ('cccccccc-cccc-4ccc-8ccc-cccccccccccc', '55555555-5555-4555-8555-555555555555', 'owner') $$,
  'service_role should add a member');
select isnt_empty($$ update public.tenant_members set role = 'admin'
  where tenant_id = 'cccccccc-cccc-4ccc-8ccc-cccccccccccc' returning role $$,
  'service_role should change a role');
select isnt_empty($$ update public.tenants set name = 'Tenant C2'
  where id = 'cccccccc-cccc-4ccc-8ccc-cccccccccccc' returning id $$,
  'service_role should rename a tenant');
select isnt_empty($$ delete from public.tenant_members
  where tenant_id = 'cccccccc-cccc-4ccc-8ccc-cccccccccccc' returning user_id $$,
  'service_role should remove a member');
select isnt_empty($$ delete from public.tenants
  where id = 'cccccccc-cccc-4ccc-8ccc-cccccccccccc' returning id $$,
  'service_role should delete a tenant');
reset role;

-- a membership granted by service_role takes effect at once ----------------------------------
insert into public.tenant_members (tenant_id, user_id, role)
values ('bbbbbbbb-bbbb-4bbb-8bbb-bbbbbbbbbbbb', '55555555-5555-4555-8555-555555555555', 'member');
select pg_temp.login_as('55555555-5555-4555-8555-555555555555');
select results_eq($$ select id from public.tenants $$,
  $$ values ('bbbbbbbb-bbbb-4bbb-8bbb-bbbbbbbbbbbb'::uuid) $$,
  'a new member of B should see tenant B');
select results_eq($$ select count(*)::int from public.tenant_members $$, $$ values (2) $$,
  'a new member of B should see the two memberships of tenant B');
reset role;
delete from public.tenant_members
where tenant_id = 'bbbbbbbb-bbbb-4bbb-8bbb-bbbbbbbbbbbb'
  and user_id = '55555555-5555-4555-8555-555555555555';

-- what the refused writes left behind --------------------------------------------------------
select results_eq($$ select tenant_id, user_id, role from public.tenant_members
  where tenant_id in ('aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa', 'bbbbbbbb-bbbb-4bbb-8bbb-bbbbbbbbbbbb')
  order by tenant_id, user_id $$,
  $$ values ('aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa'::uuid, '11111111-1111-4111-8111-111111111111'::uuid, 'owner'),
            ('aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa'::uuid, '22222222-2222-4222-8222-222222222222'::uuid, 'admin'),
            ('aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa'::uuid, '33333333-3333-4333-8333-333333333333'::uuid, 'member'),
            ('bbbbbbbb-bbbb-4bbb-8bbb-bbbbbbbbbbbb'::uuid, '44444444-4444-4444-8444-444444444444'::uuid, 'admin') $$,
  'memberships should be unchanged after the refused writes');
select results_eq($$ select name from public.tenants
  where id in ('aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa', 'bbbbbbbb-bbbb-4bbb-8bbb-bbbbbbbbbbbb') order by name $$,
  $$ values ('Tenant A'), ('Tenant B') $$,
  'tenants should be unchanged after the refused writes');

select * from finish();
rollback;

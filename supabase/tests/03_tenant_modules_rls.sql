-- tenant_modules: members read their tenants' modules; owners and admins install, change and
-- uninstall them (active catalog modules only); everybody else is held by RLS.
begin;
\ir fixtures/personas.psql
select plan(45);

insert into public.modules (id, name, is_active) values ('sunset', 'Sunset', false);

select policies_are('public', 'tenant_modules',
  array['users_can_view_tenant_modules', 'admins_can_insert_tenant_modules',
        'admins_can_update_tenant_modules', 'admins_can_delete_tenant_modules',
        'service_role_all_tenant_modules'],
  'tenant_modules should have exactly one policy per operation plus service_role''s');
select policy_roles_are('public', 'tenant_modules', 'admins_can_insert_tenant_modules',
  array['authenticated'], 'the insert policy should apply to authenticated only');

-- owner of A
select pg_temp.login_as('11111111-1111-4111-8111-111111111111');
select results_eq($$ select module_id from public.tenant_modules order by module_id $$,
  $$ values ('agency'), ('legacy') $$, 'owner should see the modules of tenant A only');
select lives_ok($$ insert into public.tenant_modules (tenant_id, module_id)
  values ('aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa', 'billing') $$,
  'owner should install an active module');
select throws_ok($$ insert into public.tenant_modules (tenant_id, module_id)
  values ('bbbbbbbb-bbbb-4bbb-8bbb-bbbbbbbbbbbb', 'legacy') $$,
  '42501', null, 'owner should not install into tenant B');
select throws_ok($$ insert into public.tenant_modules (tenant_id, module_id)
  values ('aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa', 'sunset') $$,
  '42501', null, 'owner should not install an inactive module');
select throws_ok($$ insert into public.tenant_modules (tenant_id, module_id)
  values ('aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa', 'no-such-module') $$,
  '42501', null, 'owner should not install an unknown module');
select isnt_empty($$ update public.tenant_modules set settings = '{"currency": "CHF"}'
  where module_id = 'agency' returning id $$,
  'owner should change the settings of tenant A''s module');
select is_empty($$ update public.tenant_modules set enabled = false
  where tenant_id = 'bbbbbbbb-bbbb-4bbb-8bbb-bbbbbbbbbbbb' returning id $$,
  'owner should not change tenant B''s modules');
select throws_ok($$ update public.tenant_modules set tenant_id = 'bbbbbbbb-bbbb-4bbb-8bbb-bbbbbbbbbbbb'
  where module_id = 'agency' $$,
  '42501', null, 'owner should not move a module to another tenant');
select throws_ok($$ update public.tenant_modules set module_id = 'billing'
  where module_id = 'legacy' $$,
  '42501', null, 'owner should not turn an installed module into another one');
select throws_ok($$ update public.tenant_modules set enabled = false where module_id = 'legacy' $$,
  '42501', null, 'owner should not change a module that is no longer active');
select isnt_empty($$ delete from public.tenant_modules where module_id = 'billing' returning id $$,
  'owner should uninstall a module of tenant A');
select is_empty($$ delete from public.tenant_modules
  where tenant_id = 'bbbbbbbb-bbbb-4bbb-8bbb-bbbbbbbbbbbb' returning id $$,
  'owner should not uninstall tenant B''s modules');
reset role;

-- admin of A
select pg_temp.login_as('22222222-2222-4222-8222-222222222222');
select results_eq($$ select count(*)::int from public.tenant_modules $$, $$ values (2) $$,
  'admin should see the modules of tenant A only');
select lives_ok($$ insert into public.tenant_modules (tenant_id, module_id, enabled)
  values ('aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa', 'billing', false) $$,
  'admin should install an active module');
select isnt_empty($$ update public.tenant_modules set enabled = true
  where module_id = 'billing' returning id $$, 'admin should enable a module');
select isnt_empty($$ delete from public.tenant_modules where module_id = 'billing' returning id $$,
  'admin should uninstall a module');
select throws_ok($$ insert into public.tenant_modules (tenant_id, module_id)
  values ('bbbbbbbb-bbbb-4bbb-8bbb-bbbbbbbbbbbb', 'legacy') $$,
  '42501', null, 'admin should not install into tenant B');
reset role;

-- plain member of A: reads, never writes
select pg_temp.login_as('33333333-3333-4333-8333-333333333333');
select results_eq($$ select module_id from public.tenant_modules order by module_id $$,
  $$ values ('agency'), ('legacy') $$, 'member should see the modules of tenant A');
select throws_ok($$ insert into public.tenant_modules (tenant_id, module_id)
  values ('aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa', 'billing') $$,
  '42501', null, 'member should not install a module');
select is_empty($$ update public.tenant_modules set enabled = false returning id $$,
  'member should not disable a module');
select is_empty($$ update public.tenant_modules set settings = '{"x": 1}' returning id $$,
  'member should not change settings');
select is_empty($$ delete from public.tenant_modules returning id $$,
  'member should not uninstall a module');
reset role;

-- admin of B: full rights on B, none on A
select pg_temp.login_as('44444444-4444-4444-8444-444444444444');
select results_eq($$ select module_id from public.tenant_modules order by module_id $$,
  $$ values ('agency'), ('billing') $$, 'admin of B should see the modules of tenant B only');
select is_empty($$ select id from public.tenant_modules
  where tenant_id = 'aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa' $$,
  'admin of B should not see tenant A''s modules even when asking for them');
select throws_ok($$ insert into public.tenant_modules (tenant_id, module_id)
  values ('aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa', 'billing') $$,
  '42501', null, 'admin of B should not install into tenant A');
select is_empty($$ update public.tenant_modules set enabled = false
  where tenant_id = 'aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa' returning id $$,
  'admin of B should not change tenant A''s modules');
select is_empty($$ delete from public.tenant_modules
  where tenant_id = 'aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa' returning id $$,
  'admin of B should not uninstall tenant A''s modules');
select isnt_empty($$ update public.tenant_modules set enabled = true
  where module_id = 'billing' returning id $$,
  'admin of B should enable a module of tenant B');
reset role;

-- signed-in stranger
select pg_temp.login_as('55555555-5555-4555-8555-555555555555');
select is_empty($$ select id from public.tenant_modules $$, 'stranger should see no module');
select throws_ok($$ insert into public.tenant_modules (tenant_id, module_id)
  values ('aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa', 'billing') $$,
  '42501', null, 'stranger should not install a module');
select is_empty($$ update public.tenant_modules set enabled = false returning id $$,
  'stranger should change nothing');
select is_empty($$ delete from public.tenant_modules returning id $$,
  'stranger should uninstall nothing');
reset role;

-- anon
select pg_temp.login_anon();
select is_empty($$ select id from public.tenant_modules $$, 'anon should see no module');
select throws_ok($$ insert into public.tenant_modules (tenant_id, module_id)
  values ('aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa', 'billing') $$,
  '42501', null, 'anon should not install a module');
select is_empty($$ update public.tenant_modules set enabled = false returning id $$,
  'anon should change nothing');
select is_empty($$ delete from public.tenant_modules returning id $$,
  'anon should uninstall nothing');
reset role;

-- service_role
select pg_temp.login_service_role();
select results_eq($$ select count(*)::int from public.tenant_modules
  where tenant_id in ('aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa', 'bbbbbbbb-bbbb-4bbb-8bbb-bbbbbbbbbbbb') $$,
  $$ values (4) $$, 'service_role should see every tenant''s modules');
select lives_ok($$ insert into public.tenant_modules (tenant_id, module_id)
  values ('aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa', 'billing') $$,
  'service_role should install a module for any tenant');
select isnt_empty($$ update public.tenant_modules set enabled = false
  where tenant_id = 'aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa' and module_id = 'billing' returning id $$,
  'service_role should change any tenant''s module');
select throws_ok($$ update public.tenant_modules set tenant_id = 'bbbbbbbb-bbbb-4bbb-8bbb-bbbbbbbbbbbb'
  where tenant_id = 'aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa' and module_id = 'billing' $$,
  '42501', null, 'service_role should not move a module to another tenant either');
select isnt_empty($$ delete from public.tenant_modules
  where tenant_id = 'aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa' and module_id = 'billing' returning id $$,
  'service_role should uninstall any tenant''s module');
reset role;

-- what the refused writes left behind
select results_eq($$ select module_id, enabled, settings from public.tenant_modules
  where tenant_id = 'aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa' order by module_id $$,
  $$ values ('agency', true, '{"currency": "CHF"}'::jsonb), ('legacy', true, '{}'::jsonb) $$,
  'tenant A should hold only the owner''s change');
select results_eq($$ select module_id, enabled, settings from public.tenant_modules
  where tenant_id = 'bbbbbbbb-bbbb-4bbb-8bbb-bbbbbbbbbbbb' order by module_id $$,
  $$ values ('agency', true, '{"currency": "GBP"}'::jsonb), ('billing', true, '{}'::jsonb) $$,
  'tenant B should hold only its admin''s change');

select * from finish();
rollback;

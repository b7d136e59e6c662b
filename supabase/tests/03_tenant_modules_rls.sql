-- tenant_modules: members read their tenants' modules; owners and admins install, change and
-- uninstall them (active catalog modules only, and a row never moves to another tenant or
-- module); everybody else is held off by RLS.
begin;
\ir fixtures/personas.psql
select plan(58);

-- an inactive module nobody has installed, and a user who administers both tenants
insert into public.modules (id, name, is_active) values ('sunset', 'Sunset', false);
insert into auth.users (id, email) values ('66666666-6666-4666-8666-666666666666', 'both@ab.test');
insert into public.tenant_members (tenant_id, user_id, role) values
  ('aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa', '66666666-6666-4666-8666-666666666666', 'admin'),
  ('bbbbbbbb-bbbb-4bbb-8bbb-bbbbbbbbbbbb', '66666666-6666-4666-8666-666666666666', 'owner');

-- owner of A ---------------------------------------------------------------------------------
select pg_temp.login_as('11111111-1111-4111-8111-111111111111');
select results_eq($$ select module_id from public.tenant_modules order by module_id $$,
  $$ values ('agency'), ('zz_legacy') $$, 'owner should see the modules of tenant A and no other');
select is_empty($$ select id from public.tenant_modules
  where tenant_id = 'bbbbbbbb-bbbb-4bbb-8bbb-bbbbbbbbbbbb' $$,
  'owner should not see tenant B''s modules even when asking for them');
select lives_ok($$ insert into public.tenant_modules (tenant_id, module_id, settings)
  values ('aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa', 'zz_billing', '{"vat": true}') $$,
  'owner should install an active module in tenant A');
select throws_ok($$ insert into public.tenant_modules (tenant_id, module_id)
  values ('bbbbbbbb-bbbb-4bbb-8bbb-bbbbbbbbbbbb', 'zz_reports') $$,
  '42501', null, 'owner should not install a module in tenant B');
select throws_ok($$ insert into public.tenant_modules (tenant_id, module_id)
  values ('aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa', 'sunset') $$,
  '42501', null, 'owner should not install an inactive module');
select throws_ok($$ insert into public.tenant_modules (tenant_id, module_id)
  values ('aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa', 'no-such-module') $$,
  '42501', null, 'owner should not install a module missing from the catalog');
select isnt_empty($$ update public.tenant_modules set settings = '{"currency": "CHF"}'
  where module_id = 'agency' returning id $$,
  'owner should change the settings of tenant A''s module');
select is_empty($$ update public.tenant_modules set enabled = false
  where tenant_id = 'bbbbbbbb-bbbb-4bbb-8bbb-bbbbbbbbbbbb' returning id $$,
  'owner should not change tenant B''s modules');
select throws_ok($$ update public.tenant_modules set tenant_id = 'bbbbbbbb-bbbb-4bbb-8bbb-bbbbbbbbbbbb'
  where module_id = 'agency' $$,
  '42501', null, 'owner should not move a module to another tenant');
select throws_ok($$ update public.tenant_modules set module_id = 'zz_reports'
  where module_id = 'zz_billing' $$,
  '42501', null, 'owner should not turn an installed module into another one');
select throws_ok($$ update public.tenant_modules set module_id = 'sunset'
  where module_id = 'zz_billing' $$,
  '42501', null, 'owner should not turn an installed module into an inactive one');
select throws_ok($$ update public.tenant_modules set module_id = 'no-such-module'
  where module_id = 'zz_billing' $$,
  '42501', null, 'owner should not turn an installed module into an unknown one');
select throws_ok($$ update public.tenant_modules set enabled = false where module_id = 'zz_legacy' $$,
  '42501', null, 'owner should not change a module that is no longer active');
select isnt_empty($$ delete from public.tenant_modules where module_id = 'zz_billing' returning id $$,
  'owner should uninstall a module of tenant A');
select is_empty($$ delete from public.tenant_modules
  where tenant_id = 'bbbbbbbb-bbbb-4bbb-8bbb-bbbbbbbbbbbb' returning id $$,
  'owner should not uninstall tenant B''s modules');
reset role;

-- admin of A ---------------------------------------------------------------------------------
select pg_temp.login_as('22222222-2222-4222-8222-222222222222');
select results_eq($$ select module_id from public.tenant_modules order by module_id $$,
  $$ values ('agency'), ('zz_legacy') $$, 'admin should see the modules of tenant A and no other');
select results_eq($$ insert into public.tenant_modules (tenant_id, module_id, enabled)
  values ('aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa', 'zz_reports', false) returning module_id, enabled $$,
  $$ values ('zz_reports', false) $$,
  'admin should install an active module and read it back (insert ... returning)');
select throws_ok($$ insert into public.tenant_modules (tenant_id, module_id)
  values ('bbbbbbbb-bbbb-4bbb-8bbb-bbbbbbbbbbbb', 'zz_reports') $$,
  '42501', null, 'admin should not install a module in tenant B');
select throws_ok($$ insert into public.tenant_modules (tenant_id, module_id)
  values ('aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa', 'sunset') $$,
  '42501', null, 'admin should not install an inactive module');
select isnt_empty($$ update public.tenant_modules set enabled = true
  where module_id = 'zz_reports' returning id $$, 'admin should enable a module of tenant A');
select is_empty($$ update public.tenant_modules set enabled = false
  where tenant_id = 'bbbbbbbb-bbbb-4bbb-8bbb-bbbbbbbbbbbb' returning id $$,
  'admin should not change tenant B''s modules');
select throws_ok($$ update public.tenant_modules set tenant_id = 'bbbbbbbb-bbbb-4bbb-8bbb-bbbbbbbbbbbb'
  where module_id = 'zz_reports' $$,
  '42501', null, 'admin should not move a module to another tenant');
select isnt_empty($$ delete from public.tenant_modules where module_id = 'zz_reports' returning id $$,
  'admin should uninstall a module of tenant A');
select is_empty($$ delete from public.tenant_modules
  where tenant_id = 'bbbbbbbb-bbbb-4bbb-8bbb-bbbbbbbbbbbb' returning id $$,
  'admin should not uninstall tenant B''s modules');
reset role;

-- plain member of A: reads, never writes -----------------------------------------------------
select pg_temp.login_as('33333333-3333-4333-8333-333333333333');
select results_eq($$ select module_id, settings from public.tenant_modules order by module_id $$,
  $$ values ('agency', '{"currency": "CHF", "timezone": "UTC", "max_clients": 100}'::jsonb),
            ('zz_legacy', '{}'::jsonb) $$,
  'member should see the modules of tenant A with their settings (agency''s schema defaults filled in)');
select is_empty($$ select id from public.tenant_modules
  where tenant_id = 'bbbbbbbb-bbbb-4bbb-8bbb-bbbbbbbbbbbb' $$,
  'member should not see tenant B''s modules');
select throws_ok($$ insert into public.tenant_modules (tenant_id, module_id)
  values ('aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa', 'zz_billing') $$,
  '42501', null, 'member should not install a module');
select is_empty($$ update public.tenant_modules set enabled = false returning id $$,
  'member should not disable a module');
select is_empty($$ update public.tenant_modules set settings = '{"x": 1}' returning id $$,
  'member should not change settings');
select is_empty($$ delete from public.tenant_modules returning id $$,
  'member should not uninstall a module');
reset role;

-- admin of B: full rights on B, none on A ----------------------------------------------------
select pg_temp.login_as('44444444-4444-4444-8444-444444444444');
select results_eq($$ select module_id from public.tenant_modules order by module_id $$,
  $$ values ('agency'), ('zz_billing') $$, 'admin of B should see the modules of tenant B only');
select is_empty($$ select id from public.tenant_modules
  where tenant_id = 'aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa' $$,
  'admin of B should not see tenant A''s modules even when asking for them');
select lives_ok($$ insert into public.tenant_modules (tenant_id, module_id)
  values ('bbbbbbbb-bbbb-4bbb-8bbb-bbbbbbbbbbbb', 'zz_reports') $$,
  'admin of B should install a module in tenant B');
select throws_ok($$ insert into public.tenant_modules (tenant_id, module_id)
  values ('aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa', 'zz_billing') $$,
  '42501', null, 'admin of B should not install a module in tenant A');
select isnt_empty($$ update public.tenant_modules set enabled = true
  where module_id = 'zz_billing' returning id $$,
  'admin of B should enable a module of tenant B');
select is_empty($$ update public.tenant_modules set enabled = false
  where tenant_id = 'aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa' returning id $$,
  'admin of B should not change tenant A''s modules');
select isnt_empty($$ delete from public.tenant_modules where module_id = 'zz_reports' returning id $$,
  'admin of B should uninstall a module of tenant B');
select is_empty($$ delete from public.tenant_modules
  where tenant_id = 'aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa' returning id $$,
  'admin of B should not uninstall tenant A''s modules');
reset role;

-- admin of both tenants: still cannot move a row between them --------------------------------
select pg_temp.login_as('66666666-6666-4666-8666-666666666666');
select results_eq($$ select count(*)::int from public.tenant_modules $$, $$ values (4) $$,
  'an admin of both tenants should see the modules of both');
select lives_ok($$ insert into public.tenant_modules (tenant_id, module_id)
  values ('aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa', 'zz_reports') $$,
  'an admin of both tenants should install a module in tenant A');
select throws_ok($$ update public.tenant_modules set tenant_id = 'bbbbbbbb-bbbb-4bbb-8bbb-bbbbbbbbbbbb'
  where tenant_id = 'aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa' and module_id = 'zz_reports' $$,
  '42501', null, 'an admin of both tenants should not move a module from one to the other');
select isnt_empty($$ delete from public.tenant_modules
  where tenant_id = 'aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa' and module_id = 'zz_reports' returning id $$,
  'an admin of both tenants should uninstall it again');
reset role;

-- signed-in stranger -------------------------------------------------------------------------
select pg_temp.login_as('55555555-5555-4555-8555-555555555555');
select is_empty($$ select id from public.tenant_modules $$, 'stranger should see no module');
select throws_ok($$ insert into public.tenant_modules (tenant_id, module_id)
  values ('aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa', 'zz_billing') $$,
  '42501', null, 'stranger should not install a module');
select is_empty($$ update public.tenant_modules set enabled = false returning id $$,
  'stranger should change nothing');
select is_empty($$ delete from public.tenant_modules returning id $$,
  'stranger should uninstall nothing');
reset role;

-- anon ---------------------------------------------------------------------------------------
select pg_temp.login_anon();
select is_empty($$ select id from public.tenant_modules $$, 'anon should see no module');
select throws_ok($$ insert into public.tenant_modules (tenant_id, module_id)
  values ('aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa', 'zz_billing') $$,
  '42501', null, 'anon should not install a module');
select is_empty($$ update public.tenant_modules set enabled = false returning id $$,
  'anon should change nothing');
select is_empty($$ delete from public.tenant_modules returning id $$,
  'anon should uninstall nothing');
reset role;

-- service_role -------------------------------------------------------------------------------
select pg_temp.login_service_role();
select results_eq($$ select count(*)::int from public.tenant_modules
  where tenant_id in ('aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa', 'bbbbbbbb-bbbb-4bbb-8bbb-bbbbbbbbbbbb') $$,
  $$ values (4) $$, 'service_role should see every tenant''s modules');
select lives_ok($$ insert into public.tenant_modules (tenant_id, module_id)
  values ('aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa', 'zz_billing') $$,
  'service_role should install a module for any tenant');
select lives_ok($$ insert into public.tenant_modules (tenant_id, module_id)
  values ('aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa', 'sunset') $$,
  'service_role should install even an inactive module (it is not held by the policies)');
select isnt_empty($$ update public.tenant_modules set enabled = false
  where tenant_id = 'aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa' and module_id = 'zz_billing' returning id $$,
  'service_role should change any tenant''s module');
select throws_ok($$ update public.tenant_modules set tenant_id = 'bbbbbbbb-bbbb-4bbb-8bbb-bbbbbbbbbbbb'
  where tenant_id = 'aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa' and module_id = 'zz_billing' $$,
  '42501', null, 'service_role should not move a module to another tenant either');
select isnt_empty($$ delete from public.tenant_modules
  where tenant_id = 'aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa' and module_id in ('zz_billing', 'sunset')
  returning id $$,
  'service_role should uninstall any tenant''s module');
reset role;

-- what the refused writes left behind --------------------------------------------------------
select results_eq($$ select module_id, enabled, settings from public.tenant_modules
  where tenant_id = 'aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa' order by module_id $$,
  $$ values ('agency', true, '{"currency": "CHF", "timezone": "UTC", "max_clients": 100}'::jsonb),
            ('zz_legacy', true, '{}'::jsonb) $$,
  'tenant A should hold only its owner''s and admin''s changes');
select results_eq($$ select module_id, enabled, settings from public.tenant_modules
  where tenant_id = 'bbbbbbbb-bbbb-4bbb-8bbb-bbbbbbbbbbbb' order by module_id $$,
  $$ values ('agency', true, '{"currency": "GBP", "timezone": "UTC", "max_clients": 100}'::jsonb),
            ('zz_billing', true, '{}'::jsonb) $$,
  'tenant B should hold only its admin''s changes');

select * from finish();
rollback;

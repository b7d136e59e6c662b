-- modules, the system catalog: every signed-in user reads it; only service_role writes it.
begin;
\ir fixtures/personas.psql
select plan(17);

select policies_are('public', 'modules',
  array['authenticated_can_view_modules', 'service_role_all_modules'],
  'modules should have exactly the catalog policies');

-- every signed-in persona reads the whole catalog and writes nothing
select pg_temp.login_as('11111111-1111-4111-8111-111111111111');
select results_eq($$ select id from public.modules where id in ('agency', 'billing', 'legacy') order by id $$,
  $$ values ('agency'), ('billing'), ('legacy') $$,
  'owner should read the catalog, inactive modules included');
select throws_ok($$ insert into public.modules (id, name) values ('sneaky', 'Sneaky') $$,
  '42501', null, 'owner should not add to the catalog');
select is_empty($$ update public.modules set is_active = true where id = 'legacy' returning id $$,
  'owner should not re-activate a module');
select is_empty($$ delete from public.modules where id = 'agency' returning id $$,
  'owner should not delete a module');
reset role;

select pg_temp.login_as('33333333-3333-4333-8333-333333333333');
select isnt_empty($$ select id from public.modules where id = 'agency' $$,
  'member should read the catalog');
select is_empty($$ update public.modules set version = '9.9.9' returning id $$,
  'member should not change a version');
reset role;

select pg_temp.login_as('55555555-5555-4555-8555-555555555555');
select isnt_empty($$ select id from public.modules where id = 'agency' $$,
  'stranger should read the catalog');
select throws_ok($$ insert into public.modules (id, name) values ('mine', 'Mine') $$,
  '42501', null, 'stranger should not add to the catalog');
select is_empty($$ delete from public.modules returning id $$,
  'stranger should delete nothing');
reset role;

-- anon sees nothing
select pg_temp.login_anon();
select is_empty($$ select id from public.modules $$, 'anon should not read the catalog');
select throws_ok($$ insert into public.modules (id, name) values ('anon', 'Anon') $$,
  '42501', null, 'anon should not add to the catalog');
reset role;

-- service_role manages the catalog
select pg_temp.login_service_role();
select lives_ok($$ insert into public.modules (id, name, version) values ('reports', 'Reports', '0.1.0') $$,
  'service_role should add a module');
select isnt_empty($$ update public.modules set is_active = false where id = 'reports' returning id $$,
  'service_role should deactivate a module');
select isnt_empty($$ delete from public.modules where id = 'reports' returning id $$,
  'service_role should delete a module');
reset role;

select results_eq($$ select is_active, version from public.modules where id = 'legacy' $$,
  $$ values (false, '0.9.0') $$, 'legacy should be unchanged after the refused writes');
select results_eq($$ select count(*)::int from public.modules where id in ('sneaky', 'mine', 'anon') $$,
  $$ values (0) $$, 'no refused insert should have landed');

select * from finish();
rollback;

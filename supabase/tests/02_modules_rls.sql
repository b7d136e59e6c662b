-- modules, the system catalog: every signed-in user reads all of it (inactive modules included);
-- anon reads nothing; only service_role writes it. Also what supabase/seed.sql puts in it.
begin;
-- what supabase/seed.sql left in the catalog, before the fixture touches it
create temp table seeded on commit drop as
  select id, name, description, version, is_active from public.modules where id = 'agency';
\ir fixtures/personas.psql
select plan(34);

create temp table catalog_before on commit drop as
  select id, name, description, version, is_active from public.modules;
grant select on catalog_before to authenticated, service_role;

-- every signed-in persona: reads the whole catalog, writes nothing ---------------------------
select pg_temp.login_as('11111111-1111-4111-8111-111111111111');
select set_eq($$ select id from public.modules $$, $$ select id from catalog_before $$,
  'owner should read the whole catalog, inactive modules included');
select throws_ok($$ insert into public.modules (id, name) values ('sneaky', 'Sneaky') $$,
  '42501', null, 'owner should not add to the catalog');
select is_empty($$ update public.modules set is_active = true where id = 'zz_legacy' returning id $$,
  'owner should not re-activate a module');
select is_empty($$ delete from public.modules where id = 'agency' returning id $$,
  'owner should not delete a module');
reset role;

select pg_temp.login_as('22222222-2222-4222-8222-222222222222');
select set_eq($$ select id from public.modules $$, $$ select id from catalog_before $$,
  'admin should read the whole catalog');
select throws_ok($$ insert into public.modules (id, name) values ('sneaky', 'Sneaky') $$,
  '42501', null, 'admin should not add to the catalog');
select is_empty($$ update public.modules set version = '9.9.9' returning id $$,
  'admin should not change a version');
select is_empty($$ delete from public.modules returning id $$,
  'admin should not delete a module');
reset role;

select pg_temp.login_as('33333333-3333-4333-8333-333333333333');
select set_eq($$ select id from public.modules $$, $$ select id from catalog_before $$,
  'member should read the whole catalog');
select throws_ok($$ insert into public.modules (id, name) values ('sneaky', 'Sneaky') $$,
  '42501', null, 'member should not add to the catalog');
select is_empty($$ update public.modules set name = 'Mine' returning id $$,
  'member should not rename a module');
select is_empty($$ delete from public.modules returning id $$,
  'member should not delete a module');
reset role;

select pg_temp.login_as('44444444-4444-4444-8444-444444444444');
select set_eq($$ select id from public.modules $$, $$ select id from catalog_before $$,
  'admin of B should read the whole catalog');
select throws_ok($$ insert into public.modules (id, name) values ('sneaky', 'Sneaky') $$,
  '42501', null, 'admin of B should not add to the catalog');
select is_empty($$ update public.modules set is_active = false returning id $$,
  'admin of B should not deactivate a module');
select is_empty($$ delete from public.modules returning id $$,
  'admin of B should not delete a module');
reset role;

select pg_temp.login_as('55555555-5555-4555-8555-555555555555');
select set_eq($$ select id from public.modules $$, $$ select id from catalog_before $$,
  'a signed-in stranger should read the whole catalog');
select results_eq($$ select name, version, is_active from public.modules where id = 'zz_billing' $$,
  $$ values ('Billing', '2.1.0-beta.1', true) $$,
  'a signed-in stranger should read a module''s details');
select throws_ok($$ insert into public.modules (id, name) values ('mine', 'Mine') $$,
  '42501', null, 'stranger should not add to the catalog');
select is_empty($$ update public.modules set description = 'pwned' returning id $$,
  'stranger should not change a description');
select is_empty($$ delete from public.modules returning id $$,
  'stranger should delete nothing');
reset role;

-- anon: nothing ------------------------------------------------------------------------------
select pg_temp.login_anon();
select is_empty($$ select id from public.modules $$, 'anon should not read the catalog');
select throws_ok($$ insert into public.modules (id, name) values ('anon', 'Anon') $$,
  '42501', null, 'anon should not add to the catalog');
select is_empty($$ update public.modules set is_active = true returning id $$,
  'anon should change no module');
select is_empty($$ delete from public.modules returning id $$,
  'anon should delete no module');
reset role;

-- service_role manages the catalog -----------------------------------------------------------
select pg_temp.login_service_role();
select set_eq($$ select id from public.modules $$, $$ select id from catalog_before $$,
  'service_role should read the whole catalog');
select lives_ok($$ insert into public.modules (id, name, version) values ('zz_crm', 'CRM', '0.1.0') $$,
  'service_role should add a module');
select isnt_empty($$ update public.modules set version = '0.2.0', description = 'Contacts'
  where id = 'zz_crm' returning id $$, 'service_role should change a module');
select isnt_empty($$ update public.modules set is_active = false where id = 'zz_crm' returning id $$,
  'service_role should deactivate a module');
select isnt_empty($$ delete from public.modules where id = 'zz_crm' returning id $$,
  'service_role should delete a module');
reset role;

-- what the refused writes left behind --------------------------------------------------------
select set_eq($$ select id, name, description, version, is_active from public.modules $$,
  $$ select id, name, description, version, is_active from catalog_before $$,
  'the catalog should be unchanged after the refused writes');

-- defaults of a new module -------------------------------------------------------------------
insert into public.modules (id, name) values ('defaults', 'Defaults');
select results_eq($$ select version, is_active, description from public.modules where id = 'defaults' $$,
  $$ values ('1.0.0', true, null::text) $$,
  'a new module should default to version 1.0.0, active, without a description');
select ok((select created_at is not null from public.modules where id = 'defaults'),
  'a new module should get a created_at');

-- the seeded module (the stack loads supabase/seed.sql after the migrations) -----------------
select results_eq($$ select name, version, is_active, description is not null from seeded $$,
  $$ values ('Agency', '1.0.0', true, true) $$,
  'the seed should provide the agency module: active, version 1.0.0, with a description');

select * from finish();
rollback;

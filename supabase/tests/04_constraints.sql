-- Constraints of the registry: slugs, semver, settings shape and size, one row per tenant and
-- module, cascades, and updated_at as a strictly increasing version.
begin;
\ir fixtures/personas.psql
select plan(26);

-- slugs
select lives_ok($$ insert into public.modules (id, name) values ('crm', 'CRM') $$,
  'a lowercase slug should be accepted');
select lives_ok($$ insert into public.modules (id, name) values ('a1_b-c', 'Mixed') $$,
  'digits, "_" and "-" after the first letter should be accepted');
select throws_ok($$ insert into public.modules (id, name) values ('Agency2', 'Upper') $$,
  '23514', null, 'an uppercase slug should be refused');
select throws_ok($$ insert into public.modules (id, name) values ('1st', 'Digit') $$,
  '23514', null, 'a slug starting with a digit should be refused');
select throws_ok($$ insert into public.modules (id, name) values ('a', 'Short') $$,
  '23514', null, 'a one-letter slug should be refused');
select throws_ok($$ insert into public.modules (id, name) values (repeat('a', 64), 'Long') $$,
  '23514', null, 'a 64-character slug should be refused');
select throws_ok($$ insert into public.modules (id, name) values ('has space', 'Space') $$,
  '23514', null, 'a slug with a space should be refused');

-- semver
select is((select version from public.modules where id = 'crm'), '1.0.0',
  'version should default to 1.0.0');
select lives_ok($$ insert into public.modules (id, name, version) values ('pre', 'Pre', '1.2.3-rc.1+build.5') $$,
  'a semver with pre-release and build metadata should be accepted');
select throws_ok($$ insert into public.modules (id, name, version) values ('v-two', 'V', '1.2') $$,
  '23514', null, 'a version without a patch number should be refused');
select throws_ok($$ insert into public.modules (id, name, version) values ('v-lead', 'V', '01.2.3') $$,
  '23514', null, 'a version with a leading zero should be refused');
select throws_ok($$ insert into public.modules (id, name, version) values ('v-prefix', 'V', 'v1.2.3') $$,
  '23514', null, 'a version with a "v" prefix should be refused');
select throws_ok($$ insert into public.modules (id, name) values ('noname', null) $$,
  '23502', null, 'a module without a name should be refused');

-- settings
select is((select settings from public.tenant_modules
  where tenant_id = 'aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa' and module_id = 'legacy'), '{}'::jsonb,
  'settings should default to an empty object');
select throws_ok($$ insert into public.tenant_modules (tenant_id, module_id, settings)
  values ('aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa', 'crm', '[1, 2]') $$,
  '23514', null, 'array settings should be refused');
select throws_ok($$ insert into public.tenant_modules (tenant_id, module_id, settings)
  values ('aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa', 'crm', '"text"') $$,
  '23514', null, 'string settings should be refused');
select throws_ok($$ insert into public.tenant_modules (tenant_id, module_id, settings)
  values ('aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa', 'crm', 'null') $$,
  '23514', null, 'JSON null settings should be refused');
select throws_ok($$ insert into public.tenant_modules (tenant_id, module_id, settings)
  values ('aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa', 'crm',
    jsonb_build_object('blob', repeat('x', 70000))) $$,
  '23514', null, 'settings over 64 KiB should be refused');

-- one row per tenant and module
select throws_ok($$ insert into public.tenant_modules (tenant_id, module_id)
  values ('aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa', 'agency') $$,
  '23505', null, 'installing a module twice should be refused');
select throws_ok($$ insert into public.tenant_modules (tenant_id, module_id)
  values ('aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa', 'ghost') $$,
  '23503', null, 'installing a module missing from the catalog should be refused');

-- updated_at: strictly increasing, even within one transaction; installed_at fixed
create temp table seen as select updated_at, installed_at from public.tenant_modules
  where tenant_id = 'aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa' and module_id = 'agency';
update public.tenant_modules set enabled = false, installed_at = '2000-01-01'
  where tenant_id = 'aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa' and module_id = 'agency';
update public.tenant_modules set enabled = true
  where tenant_id = 'aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa' and module_id = 'agency';
select ok((select tm.updated_at > s.updated_at from public.tenant_modules tm, seen s
  where tm.tenant_id = 'aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa' and tm.module_id = 'agency'),
  'updated_at should increase on every update, even within one transaction');
select ok((select tm.installed_at = s.installed_at from public.tenant_modules tm, seen s
  where tm.tenant_id = 'aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa' and tm.module_id = 'agency'),
  'installed_at should not change on update');

-- cascades
delete from public.modules where id = 'legacy';
select is_empty($$ select id from public.tenant_modules where module_id = 'legacy' $$,
  'deleting a catalog module should uninstall it everywhere');
delete from auth.users where id = '33333333-3333-4333-8333-333333333333';
select is_empty($$ select user_id from public.tenant_members
  where user_id = '33333333-3333-4333-8333-333333333333' $$,
  'deleting a user should remove their memberships');
delete from public.tenants where id = 'bbbbbbbb-bbbb-4bbb-8bbb-bbbbbbbbbbbb';
select is_empty($$ select id from public.tenant_modules
  where tenant_id = 'bbbbbbbb-bbbb-4bbb-8bbb-bbbbbbbbbbbb' $$,
  'deleting a tenant should uninstall its modules');
select is_empty($$ select user_id from public.tenant_members
  where tenant_id = 'bbbbbbbb-bbbb-4bbb-8bbb-bbbbbbbbbbbb' $$,
  'deleting a tenant should remove its memberships');

select * from finish();
rollback;

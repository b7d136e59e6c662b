-- Constraints of the registry, checked as the table owner (no RLS in the way): slugs, semver,
-- roles, settings shape and size, one row per tenant and module, foreign keys and cascades, the
-- database-owned timestamps, updated_at as a strictly increasing version, and immutable identity.
begin;
\ir fixtures/personas.psql
select plan(56);

-- module slugs -------------------------------------------------------------------------------
select lives_ok($$ insert into public.modules (id, name) values ('zz_crm', 'CRM') $$,
  'a lowercase slug should be accepted');
select lives_ok($$ insert into public.modules (id, name) values ('a1_b-c', 'Mixed') $$,
  'digits, "_" and "-" after the first letter should be accepted');
select lives_ok($$ insert into public.modules (id, name) values ('ab', 'Two') $$,
  'a two-character slug should be accepted');
select lives_ok($$ insert into public.modules (id, name) values (repeat('a', 63), 'Longest') $$,
  'a 63-character slug should be accepted');
select throws_ok($$ insert into public.modules (id, name) values (repeat('a', 64), 'Long') $$,
  '23514', null, 'a 64-character slug should be refused');
select throws_ok($$ insert into public.modules (id, name) values ('a', 'Short') $$,
  '23514', null, 'a one-character slug should be refused');
select throws_ok($$ insert into public.modules (id, name) values ('Agency2', 'Upper') $$,
  '23514', null, 'an uppercase slug should be refused');
select throws_ok($$ insert into public.modules (id, name) values ('1st', 'Digit') $$,
  '23514', null, 'a slug starting with a digit should be refused');
select throws_ok($$ insert into public.modules (id, name) values ('-dash', 'Dash') $$,
  '23514', null, 'a slug starting with "-" should be refused');
select throws_ok($$ insert into public.modules (id, name) values ('has space', 'Space') $$,
  '23514', null, 'a slug with a space should be refused');
select throws_ok($$ insert into public.modules (id, name) values ('café', 'Accent') $$,
  '23514', null, 'a slug with a non-ASCII letter should be refused');
select throws_ok($$ insert into public.modules (id, name) values (E'zz_crm\n', 'Newline') $$,
  '23514', null, 'a slug with a trailing newline should be refused');
select throws_ok($$ insert into public.modules (id, name) values ('noname', null) $$,
  '23502', null, 'a module without a name should be refused');

-- semver -------------------------------------------------------------------------------------
select is((select version from public.modules where id = 'zz_crm'), '1.0.0',
  'version should default to 1.0.0');
select lives_ok($$ insert into public.modules (id, name, version)
  values ('pre', 'Pre', '1.2.3-rc.1+build.5') $$,
  'a semver with pre-release and build metadata should be accepted');
select lives_ok($$ insert into public.modules (id, name, version) values ('zero', 'Zero', '0.0.0') $$,
  'version 0.0.0 should be accepted');
select throws_ok($$ insert into public.modules (id, name, version) values ('v-two', 'V', '1.2') $$,
  '23514', null, 'a version without a patch number should be refused');
select throws_ok($$ insert into public.modules (id, name, version) values ('v-lead', 'V', '01.2.3') $$,
  '23514', null, 'a version with a leading zero should be refused');
select throws_ok($$ insert into public.modules (id, name, version) values ('v-prefix', 'V', 'v1.2.3') $$,
  '23514', null, 'a version with a "v" prefix should be refused');
select throws_ok($$ insert into public.modules (id, name, version) values ('v-pre', 'V', '1.2.3-01') $$,
  '23514', null, 'a numeric pre-release with a leading zero should be refused');
select throws_ok($$ insert into public.modules (id, name, version) values ('v-empty', 'V', '') $$,
  '23514', null, 'an empty version should be refused');
select throws_ok($$ insert into public.modules (id, name, version) values ('v-null', 'V', null) $$,
  '23502', null, 'a null version should be refused');

-- tenants and memberships --------------------------------------------------------------------
select lives_ok($$ insert into public.tenants (name) values ('Just a name') $$,
  'a tenant should be created from just a name');
select ok((select id is not null and created_at is not null from public.tenants where name = 'Just a name'),
  'a new tenant should get an id and a created_at');
select throws_ok($$ insert into public.tenants (name) values (null) $$,
  '23502', null, 'a tenant without a name should be refused');
select lives_ok($$ insert into public.tenant_members (tenant_id, user_id)
  values ('bbbbbbbb-bbbb-4bbb-8bbb-bbbbbbbbbbbb', '55555555-5555-4555-8555-555555555555') $$,
  'a membership should be created from a tenant and a user');
select is((select role from public.tenant_members
  where tenant_id = 'bbbbbbbb-bbbb-4bbb-8bbb-bbbbbbbbbbbb' and user_id = '55555555-5555-4555-8555-555555555555'),
  'member', 'role should default to member');
select throws_ok($$ insert into public.tenant_members (tenant_id, user_id, role)
  values ('bbbbbbbb-bbbb-4bbb-8bbb-bbbbbbbbbbbb', '55555555-5555-4555-8555-555555555555', 'owner') $$,
  '23505', null, 'a second membership of the same user in the same tenant should be refused');
select throws_ok($$ insert into public.tenant_members (tenant_id, user_id, role)
  values ('bbbbbbbb-bbbb-4bbb-8bbb-bbbbbbbbbbbb', '33333333-3333-4333-8333-333333333333', 'superuser') $$,
  '23514', null, 'a role other than owner, admin or member should be refused');
select throws_ok($$ insert into public.tenant_members (tenant_id, user_id)
  values ('bbbbbbbb-bbbb-4bbb-8bbb-bbbbbbbbbbbb', '99999999-9999-4999-8999-999999999999') $$,
  '23503', null, 'a membership of a user missing from auth.users should be refused');
select throws_ok($$ insert into public.tenant_members (tenant_id, user_id)
  values ('99999999-9999-4999-8999-999999999999', '33333333-3333-4333-8333-333333333333') $$,
  '23503', null, 'a membership of a tenant that does not exist should be refused');

-- installed modules --------------------------------------------------------------------------
select results_eq($$ insert into public.tenant_modules (tenant_id, module_id)
  values ('aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa', 'zz_crm') returning enabled, settings $$,
  $$ values (true, '{}'::jsonb) $$,
  'an installed module should default to enabled with empty settings');
select throws_ok($$ insert into public.tenant_modules (tenant_id, module_id, settings)
  values ('aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa', 'pre', '[1, 2]') $$,
  '23514', null, 'array settings should be refused');
select throws_ok($$ insert into public.tenant_modules (tenant_id, module_id, settings)
  values ('aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa', 'pre', '"text"') $$,
  '23514', null, 'string settings should be refused');
select throws_ok($$ insert into public.tenant_modules (tenant_id, module_id, settings)
  values ('aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa', 'pre', '42') $$,
  '23514', null, 'number settings should be refused');
select throws_ok($$ insert into public.tenant_modules (tenant_id, module_id, settings)
  values ('aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa', 'pre', 'null') $$,
  '23514', null, 'JSON null settings should be refused');
select throws_ok($$ insert into public.tenant_modules (tenant_id, module_id, settings)
  values ('aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa', 'pre', null) $$,
  '23502', null, 'SQL null settings should be refused');
select throws_ok($$ update public.tenant_modules set settings = '[]'
  where tenant_id = 'aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa' and module_id = 'zz_crm' $$,
  '23514', null, 'changing settings to a non-object should be refused');
select throws_ok($$ insert into public.tenant_modules (tenant_id, module_id, settings)
  values ('aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa', 'pre',
    jsonb_build_object('blob', repeat('x', 70000))) $$,
  '23514', null, 'settings over 64 KiB should be refused');
select throws_ok($$ insert into public.tenant_modules (tenant_id, module_id)
  values ('aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa', 'agency') $$,
  '23505', null, 'installing a module twice in one tenant should be refused');
select throws_ok($$ insert into public.tenant_modules (tenant_id, module_id)
  values ('aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa', 'ghost') $$,
  '23503', null, 'installing a module missing from the catalog should be refused');
select throws_ok($$ insert into public.tenant_modules (tenant_id, module_id)
  values ('99999999-9999-4999-8999-999999999999', 'agency') $$,
  '23503', null, 'installing a module in a tenant that does not exist should be refused');

-- identity is fixed, whoever updates ---------------------------------------------------------
select throws_ok($$ update public.tenant_modules set tenant_id = 'bbbbbbbb-bbbb-4bbb-8bbb-bbbbbbbbbbbb'
  where tenant_id = 'aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa' and module_id = 'zz_crm' $$,
  '42501', null, 'even the table owner should not move an installed module to another tenant');
select throws_ok($$ update public.tenant_modules set id = gen_random_uuid()
  where tenant_id = 'aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa' and module_id = 'zz_crm' $$,
  '42501', null, 'an installed module''s id should not change');

-- timestamps: set by the database; updated_at strictly increases -----------------------------
insert into public.tenant_modules (tenant_id, module_id, installed_at, updated_at)
values ('bbbbbbbb-bbbb-4bbb-8bbb-bbbbbbbbbbbb', 'zz_crm', '2000-01-01', 'infinity');
select results_eq($$ select installed_at = now(), updated_at = now() from public.tenant_modules
  where tenant_id = 'bbbbbbbb-bbbb-4bbb-8bbb-bbbbbbbbbbbb' and module_id = 'zz_crm' $$,
  $$ values (true, true) $$,
  'installed_at and updated_at given on insert should be replaced by now()');

create temp table versions (n int, installed_at timestamptz, updated_at timestamptz);
insert into versions select 0, installed_at, updated_at from public.tenant_modules
  where tenant_id = 'aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa' and module_id = 'agency';
update public.tenant_modules set enabled = false
  where tenant_id = 'aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa' and module_id = 'agency';
insert into versions select 1, installed_at, updated_at from public.tenant_modules
  where tenant_id = 'aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa' and module_id = 'agency';
update public.tenant_modules set enabled = true, installed_at = '2000-01-01', updated_at = '2000-01-01'
  where tenant_id = 'aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa' and module_id = 'agency';
insert into versions select 2, installed_at, updated_at from public.tenant_modules
  where tenant_id = 'aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa' and module_id = 'agency';
update public.tenant_modules set settings = settings
  where tenant_id = 'aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa' and module_id = 'agency';
insert into versions select 3, installed_at, updated_at from public.tenant_modules
  where tenant_id = 'aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa' and module_id = 'agency';
select is((select count(*)::int from versions as v join versions as w on w.n = v.n + 1
  where w.updated_at > v.updated_at), 3,
  'updated_at should strictly increase on every update, even within one transaction');
select is((select count(distinct installed_at)::int from versions), 1,
  'installed_at should never change on update, even when asked to');

-- many updates of one row in one statement-free burst: still strictly increasing
create temp table burst (updated_at timestamptz);
do $$
begin
  for i in 1..50 loop
    update public.tenant_modules set enabled = not enabled
      where tenant_id = 'aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa' and module_id = 'zz_legacy';
    insert into burst select updated_at from public.tenant_modules
      where tenant_id = 'aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa' and module_id = 'zz_legacy';
  end loop;
end;
$$;
select is((select count(distinct updated_at)::int from burst), 50,
  '50 quick updates of one row should give 50 different updated_at values');

-- a stored updated_at ahead of the clock (clock step back, restored data) still moves forward
alter table public.tenant_modules disable trigger tenant_modules_before_write;
update public.tenant_modules set updated_at = '2999-01-01 00:00:00+00'
  where tenant_id = 'aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa' and module_id = 'zz_crm';
alter table public.tenant_modules enable trigger tenant_modules_before_write;
update public.tenant_modules set enabled = false
  where tenant_id = 'aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa' and module_id = 'zz_crm';
select is((select updated_at from public.tenant_modules
  where tenant_id = 'aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa' and module_id = 'zz_crm'),
  '2999-01-01 00:00:00.000001+00'::timestamptz,
  'updated_at should advance by one microsecond when the clock is behind the stored value');

-- optimistic concurrency the way the edge function uses it, as the tenant's owner
select pg_temp.login_as('11111111-1111-4111-8111-111111111111');
create temp table read_version as select updated_at from public.tenant_modules
  where tenant_id = 'aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa' and module_id = 'agency';
select isnt_empty($$ update public.tenant_modules set settings = '{"currency": "USD"}'
  where tenant_id = 'aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa' and module_id = 'agency'
    and updated_at = (select updated_at from read_version) returning id $$,
  'an update conditioned on the version just read should apply');
select is_empty($$ update public.tenant_modules set settings = '{"currency": "JPY"}'
  where tenant_id = 'aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa' and module_id = 'agency'
    and updated_at = (select updated_at from read_version) returning id $$,
  'a second update conditioned on the now stale version should find no row');
reset role;

-- cascades -----------------------------------------------------------------------------------
delete from public.modules where id = 'zz_legacy';
select is_empty($$ select id from public.tenant_modules where module_id = 'zz_legacy' $$,
  'deleting a catalog module should uninstall it from every tenant');
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
select results_eq($$ select count(*)::int from public.tenant_modules
  where tenant_id = 'aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa' $$, $$ values (2) $$,
  'the cascades should leave other tenants'' modules alone');

select * from finish();
rollback;

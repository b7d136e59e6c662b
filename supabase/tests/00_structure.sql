-- The shape the rest of the suite relies on: RLS on every table, exactly the policies the issue
-- names (one per operation, to the right roles), the private helpers locked down, every function
-- with a pinned search_path, and an index behind every column a policy or foreign key filters by.
begin;
create extension if not exists pgtap with schema extensions;
set local search_path = public, extensions;
select plan(46);

-- tables and RLS
select tables_are('public', array['tenants', 'tenant_members', 'modules', 'tenant_modules'],
  'public should hold exactly the registry''s tables');
select is(
  (select array_agg(c.relname::text order by c.relname) from pg_catalog.pg_class as c
   where c.relnamespace = 'public'::regnamespace and c.relkind = 'r' and not c.relrowsecurity),
  null, 'every table in public should have row level security enabled');

-- policies: exactly these, one per operation, to these roles
select policies_are('public', 'tenants', array['members_can_view_their_tenants'],
  'tenants should only have a select policy');
select policies_are('public', 'tenant_members', array['members_can_view_memberships_of_their_tenants'],
  'tenant_members should only have a select policy');
select policies_are('public', 'modules',
  array['authenticated_can_view_modules', 'service_role_all_modules'],
  'modules should have exactly the catalog policies');
select policies_are('public', 'tenant_modules',
  array['users_can_view_tenant_modules', 'admins_can_insert_tenant_modules',
        'admins_can_update_tenant_modules', 'admins_can_delete_tenant_modules',
        'service_role_all_tenant_modules'],
  'tenant_modules should have one policy per operation plus service_role''s');
select results_eq(
  $$ select tablename::text collate "default", policyname::text collate "default", cmd,
       roles::text[] collate "default", permissive
     from pg_catalog.pg_policies where schemaname = 'public' order by 1, 2 $$,
  $$ values
     ('modules', 'authenticated_can_view_modules', 'SELECT', array['authenticated'], 'PERMISSIVE'),
     ('modules', 'service_role_all_modules', 'ALL', array['service_role'], 'PERMISSIVE'),
     ('tenant_members', 'members_can_view_memberships_of_their_tenants', 'SELECT', array['authenticated'], 'PERMISSIVE'),
     ('tenant_modules', 'admins_can_delete_tenant_modules', 'DELETE', array['authenticated'], 'PERMISSIVE'),
     ('tenant_modules', 'admins_can_insert_tenant_modules', 'INSERT', array['authenticated'], 'PERMISSIVE'),
     ('tenant_modules', 'admins_can_update_tenant_modules', 'UPDATE', array['authenticated'], 'PERMISSIVE'),
     ('tenant_modules', 'service_role_all_tenant_modules', 'ALL', array['service_role'], 'PERMISSIVE'),
     ('tenant_modules', 'users_can_view_tenant_modules', 'SELECT', array['authenticated'], 'PERMISSIVE'),
     ('tenants', 'members_can_view_their_tenants', 'SELECT', array['authenticated'], 'PERMISSIVE') $$,
  'each policy should cover one operation for one role (for all only for service_role)');
select ok((select with_check is not null from pg_catalog.pg_policies
  where policyname = 'admins_can_update_tenant_modules'),
  'the update policy should have a WITH CHECK');
select is(
  (select array_agg(policyname::text order by policyname) from pg_catalog.pg_policies
   where schemaname = 'public'
     and regexp_replace(coalesce(qual, '') || ' ' || coalesce(with_check, ''),
       '\( SELECT private\.', '', 'g') ~ 'private\.'),
  null, 'every policy should call the private helpers inside a sub-select (once per statement)');
select is(
  (select count(*)::int from pg_catalog.pg_policies
   where schemaname = 'public' and coalesce(qual, '') || coalesce(with_check, '') ~ '\( SELECT private\.'),
  6, 'the six tenant-scoped policies should reach the caller''s tenants through the helpers');

-- indexes
select indexes_are('public', 'tenant_members',
  array['tenant_members_pkey', 'tenant_members_user_id_tenant_id_key'],
  'tenant_members should have the primary key and the by-user index, nothing redundant');
select has_index('public', 'tenant_members', 'tenant_members_pkey', array['tenant_id', 'user_id'],
  'memberships should be indexed by tenant (primary key: one row per tenant and user)');
select is(
  (select pg_catalog.pg_get_indexdef('public.tenant_members_user_id_tenant_id_key'::regclass)),
  'CREATE UNIQUE INDEX tenant_members_user_id_tenant_id_key ON public.tenant_members USING btree (user_id, tenant_id) INCLUDE (role)',
  'memberships should be indexed by user, covering the role (membership checks)');
select indexes_are('public', 'tenant_modules',
  array['tenant_modules_pkey', 'tenant_modules_tenant_id_module_id_key',
        'tenant_modules_module_id_tenant_id_key'],
  'tenant_modules should have the primary key and the two lookups, nothing redundant');
select has_index('public', 'tenant_modules', 'tenant_modules_tenant_id_module_id_key',
  array['tenant_id', 'module_id'], 'installed modules should be indexed by tenant (unique key)');
select has_index('public', 'tenant_modules', 'tenant_modules_module_id_tenant_id_key',
  array['module_id', 'tenant_id'], 'installed modules should be indexed by module (foreign key)');
select indexes_are('public', 'tenants', array['tenants_pkey'], 'tenants should only have its primary key');
select indexes_are('public', 'modules', array['modules_pkey'], 'modules should only have its primary key');

-- the private schema and its helpers
select schema_privs_are('private', 'anon', array[]::text[],
  'anon should not even reach the private schema');
select schema_privs_are('private', 'authenticated', array['USAGE'],
  'authenticated should reach the private schema (policies call its helpers)');
select functions_are('private',
  array['user_tenant_ids', 'admin_tenant_ids', 'tenant_has_module', 'tenant_modules_before_write'],
  'private should hold exactly the policy helpers and the trigger function');
select is_definer('private', 'user_tenant_ids', array[]::name[],
  'private.user_tenant_ids should be security definer (it reads memberships past RLS)');
select is_definer('private', 'admin_tenant_ids', array[]::name[],
  'private.admin_tenant_ids should be security definer');
select is_definer('private', 'tenant_has_module', array['uuid', 'text'],
  'private.tenant_has_module should be security definer');
select volatility_is('private', 'user_tenant_ids', array[]::name[], 'stable',
  'private.user_tenant_ids should be stable');
select volatility_is('private', 'admin_tenant_ids', array[]::name[], 'stable',
  'private.admin_tenant_ids should be stable');
select volatility_is('private', 'tenant_has_module', array['uuid', 'text'], 'stable',
  'private.tenant_has_module should be stable');
select function_privs_are('private', 'user_tenant_ids', array[]::text[], 'anon', array[]::text[],
  'anon should not execute private.user_tenant_ids');
select function_privs_are('private', 'admin_tenant_ids', array[]::text[], 'anon', array[]::text[],
  'anon should not execute private.admin_tenant_ids');
select function_privs_are('private', 'tenant_has_module', array['uuid', 'text'], 'anon',
  array[]::text[], 'anon should not execute private.tenant_has_module');
select function_privs_are('private', 'user_tenant_ids', array[]::text[], 'public', array[]::text[],
  'public should not execute private.user_tenant_ids');
select function_privs_are('private', 'admin_tenant_ids', array[]::text[], 'public', array[]::text[],
  'public should not execute private.admin_tenant_ids');
select function_privs_are('private', 'tenant_has_module', array['uuid', 'text'], 'public',
  array[]::text[], 'public should not execute private.tenant_has_module');
select function_privs_are('private', 'user_tenant_ids', array[]::text[], 'authenticated',
  array['EXECUTE'], 'authenticated should execute private.user_tenant_ids (its policies call it)');
select function_privs_are('private', 'tenant_modules_before_write', array[]::text[],
  'authenticated', array[]::text[], 'nobody should call the trigger function directly');

-- public.tenant_has_module
select function_returns('public', 'tenant_has_module', array['uuid', 'text'], 'boolean',
  'tenant_has_module should return boolean');
select isnt_definer('public', 'tenant_has_module', array['uuid', 'text'],
  'tenant_has_module should be security invoker (no security definer in an exposed schema)');
select volatility_is('public', 'tenant_has_module', array['uuid', 'text'], 'stable',
  'tenant_has_module should be stable');
select function_privs_are('public', 'tenant_has_module', array['uuid', 'text'], 'authenticated',
  array['EXECUTE'], 'authenticated should execute tenant_has_module');
select function_privs_are('public', 'tenant_has_module', array['uuid', 'text'], 'anon',
  array['EXECUTE'], 'anon should execute tenant_has_module (and always get false)');

-- every function pins its search_path; no security definer where PostgREST can reach it
select is(
  (select array_agg(p.oid::regprocedure::text order by 1) from pg_catalog.pg_proc as p
   where p.pronamespace in ('public'::regnamespace, 'private'::regnamespace)
     and not coalesce(p.proconfig, '{}') @> array['search_path=""']),
  null, 'every function in public and private should pin an empty search_path');
select is(
  (select array_agg(p.oid::regprocedure::text order by 1) from pg_catalog.pg_proc as p
   where p.pronamespace = 'public'::regnamespace and p.prosecdef),
  null, 'no function in public should be security definer');

-- the trigger that owns timestamps and identity
select has_trigger('public', 'tenant_modules', 'tenant_modules_before_write',
  'tenant_modules should have its before-write trigger');
select trigger_is('public', 'tenant_modules', 'tenant_modules_before_write',
  'private', 'tenant_modules_before_write', 'the trigger should run private.tenant_modules_before_write');

-- Supabase's default grants are in force: RLS, not a missing grant, is what refuses writes.
select table_privs_are('public', 'tenant_modules', 'authenticated',
  array['DELETE', 'INSERT', 'REFERENCES', 'SELECT', 'TRIGGER', 'TRUNCATE', 'UPDATE'],
  'authenticated should hold Supabase''s default privileges on tenant_modules');
select table_privs_are('public', 'tenant_members', 'anon',
  array['DELETE', 'INSERT', 'REFERENCES', 'SELECT', 'TRIGGER', 'TRUNCATE', 'UPDATE'],
  'anon should hold Supabase''s default privileges on tenant_members');

select * from finish();
rollback;

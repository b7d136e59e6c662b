-- The shape the rest of the suite relies on: RLS everywhere, the private helpers locked down,
-- and an index behind every column a policy or foreign key filters by.
begin;
create extension if not exists pgtap with schema extensions;
set local search_path = public, extensions;
select plan(24);

select tables_are('public', array['tenants', 'tenant_members', 'modules', 'tenant_modules'],
  'public should hold exactly the registry''s tables');
select is(
  (select array_agg(c.relname::text order by c.relname) from pg_class c
   where c.relnamespace = 'public'::regnamespace and c.relkind = 'r' and not c.relrowsecurity),
  null, 'every table in public should have row level security enabled');

select has_index('public', 'tenant_members', 'tenant_members_user_id_idx', array['user_id'],
  'memberships should be indexed by user (membership checks)');
select has_index('public', 'tenant_members', 'tenant_members_pkey', array['tenant_id', 'user_id'],
  'memberships should be indexed by tenant (primary key)');
select has_index('public', 'tenant_modules', 'tenant_modules_tenant_id_module_id_key',
  array['tenant_id', 'module_id'], 'installed modules should be indexed by tenant (unique key)');
select has_index('public', 'tenant_modules', 'tenant_modules_module_id_idx', array['module_id'],
  'installed modules should be indexed by module (foreign key)');

select schema_privs_are('private', 'anon', array[]::text[],
  'anon should not even reach the private schema');

-- the private helpers
select is(p.prosecdef, true, format('%s should be security definer', p.oid::regprocedure))
from pg_proc p where p.oid in ('private.user_tenant_ids()'::regprocedure, 'private.admin_tenant_ids()'::regprocedure)
order by p.proname;
select is(p.proconfig, array['search_path=""'], format('%s should pin an empty search_path', p.oid::regprocedure))
from pg_proc p where p.oid in ('private.user_tenant_ids()'::regprocedure, 'private.admin_tenant_ids()'::regprocedure)
order by p.proname;
select function_privs_are('private', 'user_tenant_ids', array[]::text[], 'anon', array[]::text[],
  'anon should not execute private.user_tenant_ids');
select function_privs_are('private', 'admin_tenant_ids', array[]::text[], 'anon', array[]::text[],
  'anon should not execute private.admin_tenant_ids');
select function_privs_are('private', 'user_tenant_ids', array[]::text[], 'public', array[]::text[],
  'public should not execute private.user_tenant_ids');
select function_privs_are('private', 'admin_tenant_ids', array[]::text[], 'public', array[]::text[],
  'public should not execute private.admin_tenant_ids');
select function_privs_are('private', 'user_tenant_ids', array[]::text[], 'authenticated',
  array['EXECUTE'], 'authenticated should execute private.user_tenant_ids');
select function_privs_are('private', 'tenant_modules_before_update', array[]::text[], 'authenticated',
  array[]::text[], 'nobody should call the trigger function directly');
select is(p.proconfig, array['search_path=""'], 'tenant_has_module should pin an empty search_path')
from pg_proc p where p.oid = 'public.tenant_has_module(uuid, text)'::regprocedure;

-- Supabase's default grants are in force: RLS, not a missing grant, is what refuses writes.
select table_privs_are('public', 'tenant_modules', 'authenticated',
  array['DELETE', 'INSERT', 'REFERENCES', 'SELECT', 'TRIGGER', 'TRUNCATE', 'UPDATE'],
  'authenticated should hold Supabase''s default privileges on tenant_modules');
select table_privs_are('public', 'tenant_members', 'anon',
  array['DELETE', 'INSERT', 'REFERENCES', 'SELECT', 'TRIGGER', 'TRUNCATE', 'UPDATE'],
  'anon should hold Supabase''s default privileges on tenant_members');

-- policies evaluate the helpers once per statement
select ok(pg_get_expr(p.polqual, p.polrelid) like '%( SELECT private.user_tenant_ids()%',
  'the select policy should wrap the helper in a sub-select (initPlan)')
from pg_policy p where p.polname = 'users_can_view_tenant_modules';
select ok(pg_get_expr(p.polqual, p.polrelid) like '%( SELECT private.admin_tenant_ids()%',
  'the delete policy should wrap the helper in a sub-select (initPlan)')
from pg_policy p where p.polname = 'admins_can_delete_tenant_modules';
select policy_cmd_is('public', 'tenant_modules', 'admins_can_update_tenant_modules', 'update',
  'the update policy should cover updates only');
select ok((select polwithcheck is not null from pg_policy where polname = 'admins_can_update_tenant_modules'),
  'the update policy should have a WITH CHECK');

select * from finish();
rollback;

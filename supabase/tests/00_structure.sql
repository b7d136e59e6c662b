-- The shape the rest of the suite relies on: RLS on every table, exactly the policies the issue
-- names (one per operation, to the right roles), the private helpers locked down, every function
-- with a pinned search_path, and an index behind every column a policy or foreign key filters by.
-- It checks the registry's own objects (listed below), so a team's own module tables, policies
-- and functions beside them (README: "Add your own module") keep it green.
begin;
create extension if not exists pgtap with schema extensions;
set local search_path = public, extensions;
select plan(107);

create temporary table registry_tables (name text) on commit drop;
insert into registry_tables values ('tenants'), ('tenant_members'), ('modules'), ('tenant_modules'), ('module_versions');
create temporary table registry_functions (name text) on commit drop;
insert into registry_functions
select unnest(array['user_tenant_ids', 'admin_tenant_ids', 'tenant_has_module',
  -- module versions and dependencies (issue 9)
  'semver_sort', 'semver_max', 'json_pointer_path', 'jsonb_set_path', 'module_migrations_problems',
  'module_migration_apply', 'modules_check_version', 'modules_check_requires',
  'tenant_modules_migrate_settings', 'tenant_modules_check_requires',
  'tenant_modules_check_required_by', 'install_tenant_module', 'upgrade_tenant_module',
  'tenant_module_with_dependents', 'uninstall_tenant_module', 'disable_tenant_module',
  'upgrade_tenant_modules',
  'tenant_modules_before_write', 'tenant_modules_apply_settings_defaults',
  'tenant_modules_check_settings', 'modules_check_settings_schema', 'modules_apply_settings_schema',
  'merge_tenant_module_settings', 'refresh_time_zone_names', 'jsonb_merge_patch', 'jsonb_too_deep',
  'json_path_key', 'json_schema_list', 'json_schema_regex', 'json_schema_date_ok',
  'json_schema_time_ok', 'json_schema_format_ok', 'json_schema_format_message',
  'json_schema_type_name', 'json_schema_collect', 'json_schema_apply_defaults',
  'json_schema_errors', 'json_schema_problems_at', 'json_schema_problems', 'semver_parts',
  'semver_compare_parts', 'semver_compare', 'semver_range_parse', 'semver_range_problem',
  'semver_test', 'semver_satisfies', 'semver_max_satisfying']);
-- the events and uninstall with purge (issue 10)
insert into registry_tables values ('tenant_module_events');
insert into registry_functions
select unnest(array['tenant_module_events_immutable', 'jsonb_merge_diff', 'settings_change',
  'tenant_modules_record_event', 'tenant_module_events_after', 'owned_table', 'has_tenant_id',
  'modules_check_owned_tables', 'tenant_module_owned_rows', 'tenant_module_uninstall_preview']);

-- tables and RLS
select is(
  array(select name from registry_tables except
        select c.relname::text from pg_catalog.pg_class as c
        where c.relnamespace = 'public'::regnamespace and c.relkind = 'r'),
  array[]::text[], 'public should hold the registry''s tables');
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
select policies_are('public', 'module_versions',
  array['authenticated_can_view_module_versions', 'service_role_can_view_module_versions'],
  'module_versions should only have select policies (the database writes it)');
select policies_are('public', 'tenant_modules',
  array['users_can_view_tenant_modules', 'admins_can_insert_tenant_modules',
        'admins_can_update_tenant_modules', 'admins_can_delete_tenant_modules',
        'service_role_all_tenant_modules'],
  'tenant_modules should have one policy per operation plus service_role''s');
select policies_are('public', 'tenant_module_events',
  array['members_can_view_tenant_module_events', 'service_role_can_view_tenant_module_events'],
  'tenant_module_events should only have select policies (nobody writes events through the API)');
select results_eq(
  $$ select tablename::text collate "default", policyname::text collate "default", cmd,
       roles::text[] collate "default", permissive
     from pg_catalog.pg_policies
     where schemaname = 'public' and tablename in (select name from registry_tables)
     order by 1, 2 $$,
  $$ values
     ('module_versions', 'authenticated_can_view_module_versions', 'SELECT', array['authenticated'], 'PERMISSIVE'),
     ('module_versions', 'service_role_can_view_module_versions', 'SELECT', array['service_role'], 'PERMISSIVE'),
     ('modules', 'authenticated_can_view_modules', 'SELECT', array['authenticated'], 'PERMISSIVE'),
     ('modules', 'service_role_all_modules', 'ALL', array['service_role'], 'PERMISSIVE'),
     ('tenant_members', 'members_can_view_memberships_of_their_tenants', 'SELECT', array['authenticated'], 'PERMISSIVE'),
     ('tenant_module_events', 'members_can_view_tenant_module_events', 'SELECT', array['authenticated'], 'PERMISSIVE'),
     ('tenant_module_events', 'service_role_can_view_tenant_module_events', 'SELECT', array['service_role'], 'PERMISSIVE'),
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
   where schemaname = 'public' and tablename in (select name from registry_tables)
     and regexp_replace(coalesce(qual, '') || ' ' || coalesce(with_check, ''),
       '\( SELECT private\.', '', 'g') ~ 'private\.'),
  null, 'every policy should call the private helpers inside a sub-select (once per statement)');
select is(
  (select count(*)::int from pg_catalog.pg_policies
   where schemaname = 'public' and tablename in (select name from registry_tables)
     and coalesce(qual, '') || coalesce(with_check, '') ~ '\( SELECT private\.'),
  7, 'the seven tenant-scoped policies should reach the caller''s tenants through the helpers');

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
        'tenant_modules_module_id_tenant_id_key', 'tenant_modules_module_id_version_tenant_id_key'],
  'tenant_modules should have the primary key and the three lookups, nothing redundant');
select has_index('public', 'tenant_modules', 'tenant_modules_tenant_id_module_id_key',
  array['tenant_id', 'module_id'], 'installed modules should be indexed by tenant (unique key)');
select has_index('public', 'tenant_modules', 'tenant_modules_module_id_tenant_id_key',
  array['module_id', 'tenant_id'], 'installed modules should be indexed by module (foreign key)');
select has_index('public', 'tenant_modules', 'tenant_modules_module_id_version_tenant_id_key',
  array['module_id', 'version', 'tenant_id'],
  'installed modules should be indexed by module and version (foreign key, bulk upgrades)');
select indexes_are('public', 'module_versions', array['module_versions_pkey'],
  'module_versions should only have its primary key (module, version)');
select indexes_are('public', 'tenants', array['tenants_pkey'], 'tenants should only have its primary key');
select indexes_are('public', 'modules', array['modules_pkey'], 'modules should only have its primary key');
select indexes_are('public', 'tenant_module_events',
  array['tenant_module_events_pkey', 'tenant_module_events_tenant_id_id_key',
        'tenant_module_events_tenant_id_module_id_id_key',
        'tenant_module_events_tenant_id_transaction_id_id_key'],
  'tenant_module_events should have the primary key, the two listings and the polling order, nothing redundant');
select has_index('public', 'tenant_module_events', 'tenant_module_events_tenant_id_transaction_id_id_key',
  array['tenant_id', 'transaction_id', 'id'], 'events should be indexed by tenant, transaction, then id (polling)');
select has_index('public', 'tenant_module_events', 'tenant_module_events_tenant_id_id_key',
  array['tenant_id', 'id'], 'events should be indexed by tenant, then id (listing, foreign key, RLS)');
select has_index('public', 'tenant_module_events', 'tenant_module_events_tenant_id_module_id_id_key',
  array['tenant_id', 'module_id', 'id'], 'events should be indexed by tenant and module, then id (one module''s listing)');

-- the private schema and its helpers
select schema_privs_are('private', 'anon', array[]::text[],
  'anon should not even reach the private schema');
select schema_privs_are('private', 'authenticated', array['USAGE'],
  'authenticated should reach the private schema (policies call its helpers)');
select is(
  array(select unnest(array['user_tenant_ids', 'admin_tenant_ids', 'tenant_has_module',
          'tenant_modules_before_write', 'tenant_modules_apply_settings_defaults',
          'tenant_modules_check_settings', 'modules_check_settings_schema',
          'modules_apply_settings_schema', 'jsonb_merge_patch', 'jsonb_too_deep',
          'json_schema_errors', 'json_schema_apply_defaults', 'json_schema_problems',
          'refresh_time_zone_names'])
        except select p.proname::text from pg_catalog.pg_proc as p
        where p.pronamespace = 'private'::regnamespace),
  array[]::text[],
  'private should hold at least the policy helpers, the triggers and the settings contract''s functions');
select is(
  (select array_agg(p.oid::regprocedure::text order by 1) from pg_catalog.pg_proc as p
   where p.pronamespace = 'private'::regnamespace
     and p.proname in (select name from registry_functions)
     and pg_catalog.has_function_privilege('anon', p.oid, 'EXECUTE')),
  null, 'anon should execute no registry function in private (the validators included)');
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

-- the settings contract (issue 8) ----------------------------------------------------------
select has_column('public', 'modules', 'settings_schema', 'modules should have a settings_schema');
select col_type_is('public', 'modules', 'settings_schema', 'jsonb', 'settings_schema should be jsonb');
select col_is_null('public', 'modules', 'settings_schema',
  'settings_schema should be nullable (null: any JSON object)');
select col_hasnt_default('public', 'modules', 'settings_schema',
  'settings_schema should have no default');

select has_table('private', 'time_zone_names', 'private should hold the time-zone names');
select has_table('private', 'json_schema_patterns', 'private should hold the pattern translations');
select ok((select count(*) > 300 and bool_or(name = 'Europe/Paris') and not bool_or(name ~ '^(posix|right)/')
    from private.time_zone_names),
  'the time-zone names should be loaded, without the posix/ and right/ copies');
select table_privs_are('private', 'time_zone_names', 'authenticated', array['SELECT'],
  'authenticated should only read the time-zone names');
select table_privs_are('private', 'json_schema_patterns', 'authenticated', array['SELECT'],
  'authenticated should only read the pattern translations');
select table_privs_are('private', 'json_schema_patterns', 'service_role', array['SELECT'],
  'service_role should only read the pattern translations (the catalog''s trigger writes them)');
select is(
  (select array_agg(c.oid::regclass::text order by 1) from pg_catalog.pg_class as c
   where c.relnamespace = 'private'::regnamespace and c.relkind = 'r'
     and pg_catalog.has_table_privilege('anon', c.oid,
       'SELECT, INSERT, UPDATE, DELETE, TRUNCATE, REFERENCES, TRIGGER')),
  null, 'anon should hold no privilege on any table in private');

select results_eq(
  $$ select t.tgname::text collate "default", pg_catalog.pg_get_triggerdef(t.oid) collate "default"
     from pg_catalog.pg_trigger as t
     where t.tgrelid in ('public.modules'::regclass, 'public.tenant_modules'::regclass)
       and not t.tgisinternal
     order by 1 $$,
  $$ values
     ('modules_apply_settings_schema', 'CREATE TRIGGER modules_apply_settings_schema AFTER INSERT OR UPDATE OF version, settings_schema, requires, migrations ON public.modules FOR EACH ROW EXECUTE FUNCTION private.modules_apply_settings_schema()'),
     ('modules_check_owned_tables', 'CREATE TRIGGER modules_check_owned_tables BEFORE INSERT OR UPDATE OF owned_tables ON public.modules FOR EACH ROW EXECUTE FUNCTION private.modules_check_owned_tables()'),
     ('modules_check_settings_schema', 'CREATE TRIGGER modules_check_settings_schema BEFORE INSERT OR UPDATE OF settings_schema ON public.modules FOR EACH ROW EXECUTE FUNCTION private.modules_check_settings_schema()'),
     ('modules_check_version', 'CREATE TRIGGER modules_check_version BEFORE INSERT OR UPDATE OF version, requires, migrations ON public.modules FOR EACH ROW EXECUTE FUNCTION private.modules_check_version()'),
     ('modules_requires', 'CREATE CONSTRAINT TRIGGER modules_requires AFTER INSERT OR DELETE OR UPDATE OF requires, version ON public.modules DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION private.modules_check_requires()'),
     ('tenant_modules_before_write', 'CREATE TRIGGER tenant_modules_before_write BEFORE INSERT OR UPDATE ON public.tenant_modules FOR EACH ROW EXECUTE FUNCTION private.tenant_modules_before_write()'),
     ('tenant_modules_migrate_settings', 'CREATE TRIGGER tenant_modules_migrate_settings BEFORE INSERT OR UPDATE OF version ON public.tenant_modules FOR EACH ROW EXECUTE FUNCTION private.tenant_modules_migrate_settings()'),
     ('tenant_modules_record_event', 'CREATE TRIGGER tenant_modules_record_event AFTER INSERT OR DELETE OR UPDATE ON public.tenant_modules FOR EACH ROW EXECUTE FUNCTION private.tenant_modules_record_event()'),
     ('tenant_modules_required_by', 'CREATE CONSTRAINT TRIGGER tenant_modules_required_by AFTER DELETE OR UPDATE OF enabled, version ON public.tenant_modules DEFERRABLE INITIALLY IMMEDIATE FOR EACH ROW EXECUTE FUNCTION private.tenant_modules_check_required_by()'),
     ('tenant_modules_requires', 'CREATE CONSTRAINT TRIGGER tenant_modules_requires AFTER INSERT OR UPDATE OF enabled, version ON public.tenant_modules DEFERRABLE INITIALLY IMMEDIATE FOR EACH ROW EXECUTE FUNCTION private.tenant_modules_check_requires()'),
     ('tenant_modules_settings_contract', 'CREATE TRIGGER tenant_modules_settings_contract AFTER INSERT OR UPDATE OF settings, version ON public.tenant_modules FOR EACH ROW EXECUTE FUNCTION private.tenant_modules_check_settings()'),
     ('tenant_modules_settings_defaults', 'CREATE TRIGGER tenant_modules_settings_defaults BEFORE INSERT OR UPDATE OF settings, version ON public.tenant_modules FOR EACH ROW EXECUTE FUNCTION private.tenant_modules_apply_settings_defaults()') $$,
  'modules and tenant_modules should have exactly these triggers: schemas, requirements and owned tables checked before and versions recorded after a catalog write, requirements between modules at commit; on tenant_modules the version migrated and defaults filled before, the contract after (past RLS) a write, each enabled module''s requirements after each statement, and the events recorder');
select results_eq(
  $$ select t.tgname::text collate "default", pg_catalog.pg_get_triggerdef(t.oid) collate "default"
     from pg_catalog.pg_trigger as t
     where t.tgrelid = 'public.tenant_module_events'::regclass and not t.tgisinternal
     order by 1 $$,
  $$ values
     ('tenant_module_events_immutable', 'CREATE TRIGGER tenant_module_events_immutable BEFORE DELETE OR UPDATE ON public.tenant_module_events FOR EACH ROW EXECUTE FUNCTION private.tenant_module_events_immutable()'),
     ('tenant_module_events_no_truncate', 'CREATE TRIGGER tenant_module_events_no_truncate BEFORE TRUNCATE ON public.tenant_module_events FOR EACH STATEMENT EXECUTE FUNCTION private.tenant_module_events_immutable()') $$,
  'tenant_module_events should refuse update, delete and truncate by trigger (for postgres too)');
select is_definer('private', 'tenant_modules_record_event', array[]::name[],
  'the events recorder should be security definer (it writes events nobody else may insert)');
select table_privs_are('public', 'tenant_module_events', 'authenticated', array['SELECT'],
  'authenticated should only read events');
select table_privs_are('public', 'tenant_module_events', 'service_role', array['SELECT'],
  'service_role should only read events');
select table_privs_are('public', 'tenant_module_events', 'anon', array[]::text[],
  'anon should hold no privilege on events');
select function_privs_are('public', 'tenant_module_events_after', array['uuid', 'bigint', 'integer', 'text'],
  'anon', array[]::text[], 'anon should not execute tenant_module_events_after');
select function_privs_are('public', 'tenant_module_uninstall_preview', array['uuid', 'text'],
  'anon', array[]::text[], 'anon should not execute tenant_module_uninstall_preview');
select function_privs_are('public', 'uninstall_tenant_module', array['uuid', 'text', 'boolean', 'boolean'],
  'anon', array[]::text[], 'anon should not execute uninstall_tenant_module');
select is_definer('private', 'modules_check_settings_schema', array[]::name[],
  'the catalog''s schema check should be security definer (it stores pattern translations)');
select is_definer('private', 'modules_apply_settings_schema', array[]::name[],
  'the catalog''s schema rollout should be security definer (it checks and updates every tenant''s row)');
select is_definer('private', 'tenant_modules_apply_settings_defaults', array[]::name[],
  'the defaults trigger should be security definer (it reads the catalog, which anon cannot)');
select is_definer('private', 'tenant_modules_check_settings', array[]::name[],
  'the contract trigger should be security definer (it reads the catalog and the private caches)');
select is(
  (select array_agg(p.oid::regprocedure::text || ' by ' || r.rolname order by 1)
   from pg_catalog.pg_proc as p
   cross join (values ('public'), ('anon'), ('authenticated'), ('service_role')) as r (rolname)
   where p.pronamespace = 'private'::regnamespace and p.prorettype = 'trigger'::regtype
     and p.proname in (select name from registry_functions)
     and (case when r.rolname = 'public'
            then exists (select 1 from pg_catalog.aclexplode(p.proacl) as a
                         where a.grantee = 0 and a.privilege_type = 'EXECUTE')
            else pg_catalog.has_function_privilege(r.rolname, p.oid, 'EXECUTE') end)),
  null, 'no API role should execute a trigger function directly');
select function_privs_are('private', 'refresh_time_zone_names', array[]::text[], 'authenticated',
  array[]::text[], 'authenticated should not reload the time-zone names');
select function_privs_are('private', 'refresh_time_zone_names', array[]::text[], 'service_role',
  array[]::text[], 'service_role should not reload the time-zone names');
select function_privs_are('private', 'json_schema_errors', array['jsonb', 'jsonb', 'text'],
  'authenticated', array['EXECUTE'],
  'authenticated should execute private.json_schema_errors (to check settings before writing them)');

select function_returns('public', 'merge_tenant_module_settings', array['uuid', 'text', 'jsonb'],
  'setof tenant_modules', 'merge_tenant_module_settings should return the updated rows');
select is(pg_catalog.pg_get_function_arguments('public.merge_tenant_module_settings(uuid, text, jsonb)'::regprocedure),
  'tenant_id uuid, module_id text, patch jsonb',
  'merge_tenant_module_settings should take tenant_id, module_id and patch (PostgREST''s argument names)');
select isnt_definer('public', 'merge_tenant_module_settings', array['uuid', 'text', 'jsonb'],
  'merge_tenant_module_settings should be security invoker (RLS decides)');
select volatility_is('public', 'merge_tenant_module_settings', array['uuid', 'text', 'jsonb'],
  'volatile', 'merge_tenant_module_settings should be volatile (it writes)');
select function_privs_are('public', 'merge_tenant_module_settings', array['uuid', 'text', 'jsonb'],
  'authenticated', array['EXECUTE'], 'authenticated should execute merge_tenant_module_settings');
select function_privs_are('public', 'merge_tenant_module_settings', array['uuid', 'text', 'jsonb'],
  'service_role', array['EXECUTE'], 'service_role should execute merge_tenant_module_settings');
select function_privs_are('public', 'merge_tenant_module_settings', array['uuid', 'text', 'jsonb'],
  'anon', array[]::text[], 'anon should not execute merge_tenant_module_settings');
select function_privs_are('public', 'merge_tenant_module_settings', array['uuid', 'text', 'jsonb'],
  'public', array[]::text[], 'public should not execute merge_tenant_module_settings');
select volatility_is('private', 'jsonb_merge_patch', array['jsonb', 'jsonb'], 'immutable',
  'private.jsonb_merge_patch should be immutable (pure)');
select volatility_is('private', 'jsonb_too_deep', array['jsonb'], 'immutable',
  'private.jsonb_too_deep should be immutable (pure)');
select is(
  (select array_agg(p.oid::regprocedure::text order by 1) from pg_catalog.pg_proc as p
   where p.pronamespace in ('public'::regnamespace, 'private'::regnamespace)
     and p.proname in (select name from registry_functions)
     and p.provolatile = 'i'
     and p.prosrc ~* '\m(from|join|update|into)\s+(public|private)\.'),
  null, 'no immutable function should read or write a table (it would be cached wrongly)');
select is(
  (select array_agg(distinct p.oid::regprocedure::text || ' calls ' || q.oid::regprocedure::text)
   from pg_catalog.pg_proc as p
   cross join lateral regexp_matches(p.prosrc, 'private\.(\w+)\s*\(', 'g') as m
   join pg_catalog.pg_proc as q on q.pronamespace = 'private'::regnamespace and q.proname = m[1]
   where p.pronamespace in ('public'::regnamespace, 'private'::regnamespace)
     and p.proname in (select name from registry_functions)
     and p.provolatile = 'i' and q.provolatile <> 'i'),
  null, 'no immutable function should call a stable or volatile one');

-- module versions and dependencies (issue 9) -----------------------------------------------
select col_not_null('public', 'tenant_modules', 'version', 'tenant_modules.version should be not null');
select col_default_is('public', 'tenant_modules', 'version', '',
  'tenant_modules.version should default to '''' (the database sets the current version)');
select fk_ok('public', 'tenant_modules', array['module_id', 'version'],
  'public', 'module_versions', array['module_id', 'version'],
  'an installed version should be a published version of the module');
select col_type_is('public', 'modules', 'requires', 'jsonb', 'modules.requires should be jsonb');
select col_type_is('public', 'modules', 'migrations', 'jsonb', 'modules.migrations should be jsonb');
select table_privs_are('public', 'module_versions', 'authenticated', array['SELECT'],
  'authenticated should read module_versions and write nothing');
select table_privs_are('public', 'module_versions', 'service_role', array['SELECT'],
  'service_role should read module_versions and write nothing (the catalog''s triggers do)');
select is(
  (select array_agg(p.oid::regprocedure::text order by 1) from pg_catalog.pg_proc as p
   where p.pronamespace = 'public'::regnamespace
     and p.proname in ('install_tenant_module', 'upgrade_tenant_module', 'uninstall_tenant_module',
                       'disable_tenant_module')
     and not p.prosecdef and p.provolatile = 'v'
     and p.prorettype = 'public.tenant_modules'::regtype and p.proretset
     and pg_catalog.has_function_privilege('authenticated', p.oid, 'EXECUTE')
     and pg_catalog.has_function_privilege('service_role', p.oid, 'EXECUTE')
     and not pg_catalog.has_function_privilege('anon', p.oid, 'EXECUTE')
     and not exists (select 1 from pg_catalog.aclexplode(p.proacl) as a
                     where a.grantee = 0 and a.privilege_type = 'EXECUTE')),
  array['disable_tenant_module(uuid,text,boolean)', 'install_tenant_module(uuid,text,jsonb,boolean,boolean)',
        'uninstall_tenant_module(uuid,text,boolean,boolean)', 'upgrade_tenant_module(uuid,text,text)'],
  'the four tenant-module RPCs should be security invoker, volatile, return setof tenant_modules, and be executable by authenticated and service_role only');
select is(pg_catalog.pg_get_function_arguments('public.install_tenant_module(uuid, text, jsonb, boolean, boolean)'::regprocedure),
  'tenant_id uuid, module_id text, settings jsonb DEFAULT ''{}''::jsonb, enabled boolean DEFAULT true, with_dependencies boolean DEFAULT false',
  'install_tenant_module should take PostgREST''s argument names, with_dependencies off by default');
select is(
  (select array_agg(r.rolname order by r.rolname)
   from (values ('anon'), ('authenticated'), ('service_role')) as r (rolname)
   where pg_catalog.has_function_privilege(r.rolname,
     'private.upgrade_tenant_modules(text, text, uuid, integer)'::regprocedure, 'EXECUTE')),
  null, 'no API role should run the operators'' bulk upgrade (private.upgrade_tenant_modules)');

-- semantic versions
select is(
  (select array_agg(p.oid::regprocedure::text order by 1) from pg_catalog.pg_proc as p
   where p.pronamespace = 'private'::regnamespace and p.proname like 'semver\_%'
     and not (p.provolatile = 'i' and p.proparallel = 's' and not p.prosecdef
              and p.prolang = (select l.oid from pg_catalog.pg_language as l where l.lanname = 'plpgsql'))),
  null, 'the semver functions should be immutable, parallel safe, security invoker PL/pgSQL');
select is(
  (select array_agg(p.oid::regprocedure::text || ' by ' || r.rolname order by 1)
   from pg_catalog.pg_proc as p
   cross join (values ('authenticated'), ('service_role')) as r (rolname)
   where p.pronamespace = 'private'::regnamespace and p.proname like 'semver\_%'
     and not pg_catalog.has_function_privilege(r.rolname, p.oid, 'EXECUTE')),
  null, 'authenticated and service_role should execute every semver function');

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
     and p.proname in (select name from registry_functions)
     and not coalesce(p.proconfig, '{}') @> array['search_path=""']),
  null, 'every registry function should pin an empty search_path');
select is(
  (select array_agg(p.oid::regprocedure::text order by 1) from pg_catalog.pg_proc as p
   where p.pronamespace = 'public'::regnamespace and p.prosecdef
     and p.proname in (select name from registry_functions)),
  null, 'no registry function in public should be security definer');

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

-- Module dependencies (issue 9): a catalog module requires others by semver range. Publishing a
-- range no published version satisfies, a cycle, or deleting a required module is refused at
-- commit (the tests force the deferred check with `set constraints ... immediate`). A tenant's
-- enabled module needs its requirements installed, enabled and in range, on every write path
-- (REST as an admin under RLS, the RPCs, service_role, postgres): installs without them,
-- disabling or uninstalling a required module, upgrading it out of a dependent's range, or
-- upgrading a module to a version with a new requirement the tenant lacks are refused with 23503;
-- one statement (or a transaction with the check deferred) may do them together. Then the RPCs
-- install_tenant_module(with_dependencies), uninstall_tenant_module(cascade),
-- disable_tenant_module(cascade) and upgrade_tenant_module as each persona, and the operators'
-- batch blocked by a dependency. Test modules: zz_portal requires zz_sales ^1.0.0, which requires
-- zz_crm ^1.2.0 (2.0.0: zz_crm ^2.0.0 and zz_mail ^1.0.0).
begin;
\ir fixtures/personas.psql
\ir fixtures/settings.psql
\ir fixtures/versions.psql
select plan(93);

insert into public.tenants (id, name) values
  ('cccccccc-cccc-4ccc-8ccc-cccccccccccc', 'Tenant C'),
  ('dddddddd-dddd-4ddd-8ddd-dddddddddddd', 'Tenant D'),
  ('eeeeeeee-eeee-4eee-8eee-eeeeeeeeeeee', 'Tenant E');

select pg_temp.publish('zz_crm', '1.0.0'), pg_temp.publish('zz_crm', '1.2.0'),
  pg_temp.publish('zz_mail', '1.0.0'),
  pg_temp.publish('zz_sales', '1.0.0', null, '{}', '{"zz_crm": "^1.2.0"}'),
  pg_temp.publish('zz_portal', '1.0.0', null, '{}', '{"zz_sales": "^1.0.0"}');

-- tenant C runs zz_sales 1.0.0 on zz_crm 1.2.0 (service_role upgrades them)
insert into public.tenant_modules (tenant_id, module_id) values
  ('cccccccc-cccc-4ccc-8ccc-cccccccccccc', 'zz_sales'),
  ('cccccccc-cccc-4ccc-8ccc-cccccccccccc', 'zz_crm');

-- A tenant's test modules as "<module> <version> <enabled|disabled>", read past RLS.
create function pg_temp.deps_of(p_tenant_id uuid) returns text[]
language sql security definer set search_path = '' as $$
  select coalesce(array_agg(tm.module_id || ' ' || tm.version || ' '
      || case when tm.enabled then 'enabled' else 'disabled' end order by tm.module_id), '{}')
  from public.tenant_modules as tm
  where tm.tenant_id = p_tenant_id and tm.module_id in ('zz_crm', 'zz_mail', 'zz_sales', 'zz_portal');
$$;

-- the catalog, as postgres (operator SQL) ---------------------------------------------------
select lives_ok($$ set constraints public.modules_requires immediate $$,
  'the test catalog''s requirements should hold at commit');
set constraints public.modules_requires deferred;
select throws_ok($$ select pg_temp.publish('zz_bad', '1.0.0', null, '{}', '{"zz_crm": "^5.0.0"}');
    set constraints public.modules_requires immediate $$,
  '23503', 'module "zz_bad" requires versions that are not published: zz_crm ^5.0.0',
  'a requirement no published version satisfies should be refused at commit (23503)');
select is(pg_temp.refusal($$ select pg_temp.publish('zz_bad', '1.0.0', null, '{}', '{"zz_crm": "^5.0.0", "zz_mail": "^1.0.0"}');
    set constraints public.modules_requires immediate $$) - 'message',
  '{"sqlstate": "23503", "constraint": "modules_requires", "detail": [{"module_id": "zz_crm", "range": "^5.0.0"}]}',
  'the refusal should list each unsatisfiable requirement as {module_id, range}');
select throws_ok($$ select pg_temp.publish('zz_bad', '1.0.0', null, '{}', '{"zz_ghost": "*"}');
    set constraints public.modules_requires immediate $$,
  '23503', 'module "zz_bad" requires versions that are not published: zz_ghost *',
  'a requirement on a module missing from the catalog should be refused at commit');
select is(pg_temp.refusal_undone($$ select pg_temp.publish('zz_bad', '1.0.0', null, '{}', '{"zz_crm": "^3.0.0"}');
    select pg_temp.publish('zz_crm', '3.0.0');
    set constraints public.modules_requires immediate $$),
  null, 'a requirement should be accepted when the version it needs is published later in the same transaction');
select throws_ok($$ update public.modules set requires = '{"zz_portal": "^1.0.0"}' where id = 'zz_crm' $$,
  '23503', 'the new requirements of module "zz_crm" 1.2.0 are not met by 1 tenant(s) running it',
  'new requirements for a version a tenant runs without them should be refused (23503)');
select throws_ok($$ update public.modules set version = '1.3.0', requires = '{"zz_portal": "^1.0.0"}' where id = 'zz_crm';
    set constraints public.modules_requires immediate $$,
  '23514', 'module requirements form a cycle: zz_crm → zz_portal → zz_sales → zz_crm',
  'requirements that form a cycle should be refused at commit (23514)');
select is(pg_temp.refusal($$ select pg_temp.publish('zz_bad', '1.0.0', null, '{}', '{"zz_bad": "*"}') $$) - 'message',
  '{"sqlstate": "23514", "constraint": "modules_contract",
    "detail": [{"path": "requires.zz_bad", "message": "a module cannot require itself"}]}',
  'a module requiring itself should be refused at once');
select throws_ok($$ delete from public.modules where id = 'zz_sales'; set constraints public.modules_requires immediate $$,
  '23503', 'module "zz_sales" is required by zz_portal',
  'deleting a module another requires should be refused at commit (23503)');
select is(pg_temp.refusal_undone($$ delete from public.modules where id in ('zz_portal', 'zz_sales');
    delete from public.modules where id = 'zz_crm';
    set constraints public.modules_requires immediate $$),
  null, 'deleting a module with the modules that require it should be accepted');
select is(array(select id from public.modules where id like 'zz\_%' and requires <> '{}' order by id),
  array['zz_portal', 'zz_sales'], 'the refused publications should have left the catalog''s requirements as they were');

-- owner of A: plain REST writes under RLS -----------------------------------------------------
select pg_temp.login_as('11111111-1111-4111-8111-111111111111');
select throws_ok($$ insert into public.tenant_modules (tenant_id, module_id)
    values ('aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa', 'zz_sales') $$,
  '23503', 'module "zz_sales" 1.0.0 requires modules this tenant does not have enabled in range: zz_crm ^1.2.0 (not installed)',
  'owner should not install a module without its requirements (23503)');
select is(pg_temp.refusal($$ insert into public.tenant_modules (tenant_id, module_id)
    values ('aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa', 'zz_sales') $$) - 'message',
  '{"sqlstate": "23503", "constraint": "tenant_modules_requires",
    "detail": [{"module_id": "zz_crm", "range": "^1.2.0", "installed_version": null, "enabled": false}]}',
  'the refusal should list each missing requirement as {module_id, range, installed_version, enabled}');
select results_eq($$ insert into public.tenant_modules (tenant_id, module_id) values
    ('aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa', 'zz_sales'), ('aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa', 'zz_crm')
    returning module_id, version $$,
  $$ values ('zz_sales', '1.0.0'), ('zz_crm', '1.2.0') $$,
  'owner should install a module and its requirement in one multi-row insert, dependent first');
select throws_ok($$ update public.tenant_modules set enabled = false where module_id = 'zz_crm' $$,
  '23503', 'module "zz_crm" is required by enabled modules of this tenant: zz_sales',
  'owner should not disable a module an enabled module requires (23503)');
select throws_ok($$ delete from public.tenant_modules where module_id = 'zz_crm' $$,
  '23503', 'module "zz_crm" is required by enabled modules of this tenant: zz_sales',
  'owner should not uninstall a module an enabled module requires (23503)');
select is(pg_temp.refusal($$ delete from public.tenant_modules where module_id = 'zz_crm' $$) - 'message',
  '{"sqlstate": "23503", "constraint": "tenant_modules_required_by",
    "detail": [{"module_id": "zz_sales", "version": "1.0.0", "range": "^1.2.0"}]}',
  'the refusal should list the dependents as {module_id, version, range}');
select lives_ok($$ update public.tenant_modules set enabled = false where module_id = 'zz_sales' $$,
  'owner should disable the dependent');
select lives_ok($$ update public.tenant_modules set enabled = false where module_id = 'zz_crm' $$,
  'owner should then disable the required module (its dependent is disabled)');
select throws_ok($$ update public.tenant_modules set enabled = true where module_id = 'zz_sales' $$,
  '23503', 'module "zz_sales" 1.0.0 requires modules this tenant does not have enabled in range: zz_crm ^1.2.0 (disabled)',
  'owner should not enable a module whose requirement is disabled');
select ok(not public.tenant_has_module('aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa', 'zz_crm'),
  'tenant_has_module should say no for a disabled module, as before');
select lives_ok($$ update public.tenant_modules set enabled = true where module_id in ('zz_crm', 'zz_sales') $$,
  'owner should enable both in one statement');
select ok(public.tenant_has_module('aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa', 'zz_sales'),
  'tenant_has_module should say yes for an enabled module with requirements, as before');
select lives_ok($$ delete from public.tenant_modules where module_id = 'zz_sales' $$,
  'owner should uninstall the dependent');
select lives_ok($$ delete from public.tenant_modules where module_id = 'zz_crm' $$,
  'owner should then uninstall the module nothing requires any more');
reset role;

-- admin of A: the RPCs ------------------------------------------------------------------------
select pg_temp.login_as('22222222-2222-4222-8222-222222222222');
select throws_ok($$ insert into public.tenant_modules (tenant_id, module_id)
    values ('aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa', 'zz_portal') $$,
  '23503', 'module "zz_portal" 1.0.0 requires modules this tenant does not have enabled in range: zz_sales ^1.0.0 (not installed)',
  'admin should not install a module without its requirements (23503)');
select throws_ok($$ select public.install_tenant_module('aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa', 'zz_portal') $$,
  '23503', 'module "zz_portal" 1.0.0 requires modules this tenant does not have enabled in range: zz_sales ^1.0.0 (not installed)',
  'admin should not install a module without its requirements through the RPC either');
select results_eq($$ select r.module_id, r.version, r.enabled, r.n = 3 from (
      select t.module_id, t.version, t.enabled, row_number() over () as n
      from public.install_tenant_module('aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa', 'zz_portal',
        with_dependencies => true) as t) as r
    order by r.module_id $$,
  $$ values ('zz_crm', '1.2.0', true, false), ('zz_portal', '1.0.0', true, true),
            ('zz_sales', '1.0.0', true, false) $$,
  'admin should install a module with its missing requirements, transitively, at their current versions, its own row last');
select throws_ok($$ select public.uninstall_tenant_module('aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa', 'zz_crm') $$,
  '23503', 'module "zz_crm" is required by enabled modules of this tenant: zz_sales',
  'admin should not uninstall a required module through the RPC');
select throws_ok($$ select public.disable_tenant_module('aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa', 'zz_sales') $$,
  '23503', 'module "zz_sales" is required by enabled modules of this tenant: zz_portal',
  'admin should not disable a required module through the RPC');
select results_eq($$ select module_id, enabled
    from public.disable_tenant_module('aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa', 'zz_crm', cascade => true)
    order by module_id $$,
  $$ values ('zz_crm', false), ('zz_portal', false), ('zz_sales', false) $$,
  'admin should disable a module with every enabled module that requires it, transitively (cascade)');
select results_eq($$ select module_id
    from public.uninstall_tenant_module('aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa', 'zz_portal') $$,
  $$ values ('zz_portal') $$, 'admin should uninstall a disabled module nothing requires');
select results_eq($$ select module_id, version, enabled
    from public.install_tenant_module('aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa', 'zz_portal',
      with_dependencies => true)
    order by module_id $$,
  $$ values ('zz_crm', '1.2.0', true), ('zz_portal', '1.0.0', true), ('zz_sales', '1.0.0', true) $$,
  'with_dependencies should enable the disabled requirements and install the module, in one call');
select results_eq($$ select module_id
    from public.uninstall_tenant_module('aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa', 'zz_sales', cascade => true)
    order by module_id $$,
  $$ values ('zz_portal'), ('zz_sales') $$,
  'admin should uninstall a module with every enabled module that requires it (cascade)');
select is(pg_temp.deps_of('aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa'), array['zz_crm 1.2.0 enabled'],
  'the cascade should have left the module they required');
select results_eq($$ select module_id, version
    from public.install_tenant_module('aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa', 'zz_sales') $$,
  $$ values ('zz_sales', '1.0.0') $$, 'admin should install a module whose requirement is there');
reset role;

-- the catalog moves on, as postgres: zz_crm 1.3.0 and 2.0.0; zz_sales 1.1.0 adds zz_mail, 2.0.0
-- moves to zz_crm ^2.0.0
select pg_temp.publish('zz_crm', '1.3.0'), pg_temp.publish('zz_crm', '2.0.0'),
  pg_temp.publish('zz_sales', '1.1.0', null, '{}', '{"zz_crm": "^1.2.0", "zz_mail": "^1.0.0"}'),
  pg_temp.publish('zz_sales', '2.0.0', null, '{}', '{"zz_crm": "^2.0.0", "zz_mail": "^1.0.0"}');

select pg_temp.login_as('22222222-2222-4222-8222-222222222222');
select throws_ok($$ select public.upgrade_tenant_module('aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa', 'zz_crm') $$,
  '23503', 'module "zz_crm" cannot move to 2.0.0: zz_sales requires ^1.2.0',
  'admin should not upgrade a required module beyond a dependent''s range (to the current version by default)');
select results_eq($$ select module_id, version
    from public.upgrade_tenant_module('aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa', 'zz_crm', '1.3.0') $$,
  $$ values ('zz_crm', '1.3.0') $$,
  'admin should upgrade a required module within its dependents'' ranges');
select results_eq($$ select module_id, version
    from public.upgrade_tenant_module('aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa', 'zz_crm', '1.3.0') $$,
  $$ values ('zz_crm', '1.3.0') $$,
  'admin should get the row back, unchanged, when it is already at the target');
select throws_ok($$ select public.upgrade_tenant_module('aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa', 'zz_crm', '1.2.0') $$,
  '23514', 'module "zz_crm" cannot be downgraded from 1.3.0 to 1.2.0',
  'admin should not downgrade through the RPC (23514)');
select throws_ok($$ select public.upgrade_tenant_module('aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa', 'zz_crm', '9.0.0') $$,
  '23503', 'module "zz_crm" has no version 9.0.0',
  'admin should not upgrade to an unpublished version through the RPC (23503)');
select throws_ok($$ select public.upgrade_tenant_module('aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa', 'zz_sales', '1.1.0') $$,
  '23503', 'module "zz_sales" 1.1.0 requires modules this tenant does not have enabled in range: zz_mail ^1.0.0 (not installed)',
  'admin should not upgrade a module to a version whose new requirement the tenant lacks');
select is_empty($$ select * from public.upgrade_tenant_module('aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa', 'zz_mail') $$,
  'upgrading a module the tenant has not installed should return nothing');
select throws_ok($$ select public.install_tenant_module('bbbbbbbb-bbbb-4bbb-8bbb-bbbbbbbbbbbb', 'zz_crm') $$,
  '42501', null, 'admin should not install in tenant B through the RPC');
select is_empty($$ select * from public.upgrade_tenant_module('bbbbbbbb-bbbb-4bbb-8bbb-bbbbbbbbbbbb', 'agency') $$,
  'admin should not upgrade tenant B''s modules through the RPC');
select is_empty($$ select * from public.disable_tenant_module('bbbbbbbb-bbbb-4bbb-8bbb-bbbbbbbbbbbb', 'agency', true) $$,
  'admin should not disable tenant B''s modules through the RPC');
select is_empty($$ select * from public.uninstall_tenant_module('bbbbbbbb-bbbb-4bbb-8bbb-bbbbbbbbbbbb', 'agency', true) $$,
  'admin should not uninstall tenant B''s modules through the RPC');
reset role;
select is(pg_temp.deps_of('aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa'), array['zz_crm 1.3.0 enabled', 'zz_sales 1.0.0 enabled'],
  'tenant A should hold only the admin''s accepted changes');

-- member of A: the RPCs change nothing -------------------------------------------------------
select pg_temp.login_as('33333333-3333-4333-8333-333333333333');
select throws_ok($$ select public.install_tenant_module('aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa', 'zz_mail') $$,
  '42501', null, 'member should not install through the RPC (RLS)');
select throws_ok($$ select public.install_tenant_module('aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa', 'zz_sales',
    with_dependencies => true) $$,
  '42501', null, 'member should not install the missing requirements through the RPC either (RLS)');
select is_empty($$ select * from public.upgrade_tenant_module('aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa', 'zz_crm') $$,
  'member should upgrade nothing through the RPC');
select is_empty($$ select * from public.disable_tenant_module('aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa', 'zz_crm', true) $$,
  'member should disable nothing through the RPC');
select is_empty($$ select * from public.uninstall_tenant_module('aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa', 'zz_crm', true) $$,
  'member should uninstall nothing through the RPC');
reset role;
select is(pg_temp.deps_of('aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa'), array['zz_crm 1.3.0 enabled', 'zz_sales 1.0.0 enabled'],
  'the member''s calls should have changed nothing');

-- outsider (signed in, no tenant) ------------------------------------------------------------
select pg_temp.login_as('55555555-5555-4555-8555-555555555555');
select throws_ok($$ select public.install_tenant_module('aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa', 'zz_mail') $$,
  '42501', null, 'outsider should not install through the RPC');
select is_empty($$ select * from public.upgrade_tenant_module('aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa', 'zz_crm', '1.3.0') $$,
  'outsider should upgrade nothing through the RPC, nor learn the installed version');
select is_empty($$ select * from public.disable_tenant_module('aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa', 'zz_crm', true) $$,
  'outsider should disable nothing through the RPC');
select is_empty($$ select * from public.uninstall_tenant_module('aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa', 'zz_crm', true) $$,
  'outsider should uninstall nothing through the RPC');
reset role;
select is(pg_temp.deps_of('aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa'), array['zz_crm 1.3.0 enabled', 'zz_sales 1.0.0 enabled'],
  'the outsider''s calls should have changed nothing');

-- admin of B: a transaction that defers the check ---------------------------------------------
select pg_temp.login_as('44444444-4444-4444-8444-444444444444');
select throws_ok($$ set constraints public.tenant_modules_requires deferred;
    insert into public.tenant_modules (tenant_id, module_id) values ('bbbbbbbb-bbbb-4bbb-8bbb-bbbbbbbbbbbb', 'zz_sales');
    set constraints public.tenant_modules_requires immediate $$,
  '23503', 'module "zz_sales" 2.0.0 requires modules this tenant does not have enabled in range: zz_crm ^2.0.0 (not installed), zz_mail ^1.0.0 (not installed)',
  'a deferred check should still refuse, at the end, a module whose requirements never came');
select lives_ok($$ set constraints public.tenant_modules_requires deferred;
    insert into public.tenant_modules (tenant_id, module_id) values ('bbbbbbbb-bbbb-4bbb-8bbb-bbbbbbbbbbbb', 'zz_sales');
    insert into public.tenant_modules (tenant_id, module_id) values ('bbbbbbbb-bbbb-4bbb-8bbb-bbbbbbbbbbbb', 'zz_mail');
    insert into public.tenant_modules (tenant_id, module_id) values ('bbbbbbbb-bbbb-4bbb-8bbb-bbbbbbbbbbbb', 'zz_crm');
    set constraints public.tenant_modules_requires immediate $$,
  'admin of B should install a module before its requirements in a transaction that defers the check');
select is(pg_temp.deps_of('bbbbbbbb-bbbb-4bbb-8bbb-bbbbbbbbbbbb'),
  array['zz_crm 2.0.0 enabled', 'zz_mail 1.0.0 enabled', 'zz_sales 2.0.0 enabled'],
  'tenant B should run the current versions');
select is(pg_temp.refusal_undone($$ set constraints public.tenant_modules_requires deferred;
    delete from public.tenant_modules where tenant_id = 'bbbbbbbb-bbbb-4bbb-8bbb-bbbbbbbbbbbb'
      and module_id in ('zz_sales', 'zz_crm');
    insert into public.tenant_modules (tenant_id, module_id) values ('bbbbbbbb-bbbb-4bbb-8bbb-bbbbbbbbbbbb', 'zz_sales');
    select public.install_tenant_module('bbbbbbbb-bbbb-4bbb-8bbb-bbbbbbbbbbbb', 'zz_reports');
    insert into public.tenant_modules (tenant_id, module_id) values ('bbbbbbbb-bbbb-4bbb-8bbb-bbbbbbbbbbbb', 'zz_crm');
    set constraints public.tenant_modules_requires immediate $$),
  null, 'the RPCs should keep a transaction''s deferred requirement check deferred');
select ok(public.tenant_has_module('bbbbbbbb-bbbb-4bbb-8bbb-bbbbbbbbbbbb', 'zz_sales'),
  'tenant_has_module should say yes for the module installed before its requirements');
select throws_ok($$ update public.tenant_modules set enabled = false where module_id = 'zz_mail' $$,
  '23503', 'module "zz_mail" is required by enabled modules of this tenant: zz_sales',
  'admin of B should not disable a module an enabled module requires');
select throws_ok($$ select public.install_tenant_module('aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa', 'zz_mail') $$,
  '42501', null, 'admin of B should not install in tenant A through the RPC');
reset role;

-- anon: may not call the RPCs at all ----------------------------------------------------------
select pg_temp.login_anon();
select throws_ok($$ select public.install_tenant_module('aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa', 'zz_mail') $$,
  '42501', 'permission denied for function install_tenant_module', 'anon should not execute install_tenant_module');
select throws_ok($$ select public.upgrade_tenant_module('aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa', 'zz_crm') $$,
  '42501', 'permission denied for function upgrade_tenant_module', 'anon should not execute upgrade_tenant_module');
select throws_ok($$ select public.uninstall_tenant_module('aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa', 'zz_crm', true) $$,
  '42501', 'permission denied for function uninstall_tenant_module', 'anon should not execute uninstall_tenant_module');
select throws_ok($$ select public.disable_tenant_module('aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa', 'zz_crm', true) $$,
  '42501', 'permission denied for function disable_tenant_module', 'anon should not execute disable_tenant_module');
select throws_ok($$ insert into public.tenant_modules (tenant_id, module_id)
    values ('aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa', 'zz_mail') $$,
  '42501', null, 'anon should not install a module');
reset role;

-- service_role: tenant C upgrades, tenant D installs -----------------------------------------
select pg_temp.login_service_role();
select throws_ok($$ update public.tenant_modules set version = '1.1.0'
    where tenant_id = 'cccccccc-cccc-4ccc-8ccc-cccccccccccc' and module_id = 'zz_sales' $$,
  '23503', 'module "zz_sales" 1.1.0 requires modules this tenant does not have enabled in range: zz_mail ^1.0.0 (not installed)',
  'service_role should not upgrade a module to a version whose new requirement is missing');
select throws_ok($$ update public.tenant_modules set version = '2.0.0'
    where tenant_id = 'cccccccc-cccc-4ccc-8ccc-cccccccccccc' and module_id = 'zz_crm' $$,
  '23503', 'module "zz_crm" cannot move to 2.0.0: zz_sales requires ^1.2.0',
  'service_role should not upgrade a required module beyond a dependent''s range');
select is(pg_temp.refusal($$ update public.tenant_modules set version = '2.0.0'
    where tenant_id = 'cccccccc-cccc-4ccc-8ccc-cccccccccccc' and module_id = 'zz_crm' $$) - 'message',
  '{"sqlstate": "23503", "constraint": "tenant_modules_required_by",
    "detail": [{"module_id": "zz_sales", "version": "1.0.0", "range": "^1.2.0"}]}',
  'the refused upgrade should list the dependents whose range it leaves');
select results_eq($$ select module_id, version
    from public.install_tenant_module('cccccccc-cccc-4ccc-8ccc-cccccccccccc', 'zz_mail') $$,
  $$ values ('zz_mail', '1.0.0') $$, 'service_role should install the new requirement through the RPC');
select results_eq($$ select module_id, version
    from public.upgrade_tenant_module('cccccccc-cccc-4ccc-8ccc-cccccccccccc', 'zz_sales', '1.1.0') $$,
  $$ values ('zz_sales', '1.1.0') $$, 'service_role should then upgrade the module to the version that needs it');
select results_eq($$ with u as (update public.tenant_modules set version = '2.0.0'
      where tenant_id = 'cccccccc-cccc-4ccc-8ccc-cccccccccccc' and module_id in ('zz_crm', 'zz_sales')
      returning module_id, version)
    select * from u order by module_id $$,
  $$ values ('zz_crm', '2.0.0'), ('zz_sales', '2.0.0') $$,
  'service_role should upgrade a module and its requirement together in one statement');
select throws_ok($$ insert into public.tenant_modules (tenant_id, module_id)
    values ('dddddddd-dddd-4ddd-8ddd-dddddddddddd', 'zz_sales') $$,
  '23503', 'module "zz_sales" 2.0.0 requires modules this tenant does not have enabled in range: zz_crm ^2.0.0 (not installed), zz_mail ^1.0.0 (not installed)',
  'service_role should not install a module without its requirements (23503)');
select results_eq($$ select module_id, version, enabled
    from public.install_tenant_module('dddddddd-dddd-4ddd-8ddd-dddddddddddd', 'zz_sales', with_dependencies => true)
    order by module_id $$,
  $$ values ('zz_crm', '2.0.0', true), ('zz_mail', '1.0.0', true), ('zz_sales', '2.0.0', true) $$,
  'service_role should install a module with its requirements through the RPC');
select throws_ok($$ select public.uninstall_tenant_module('dddddddd-dddd-4ddd-8ddd-dddddddddddd', 'zz_mail') $$,
  '23503', 'module "zz_mail" is required by enabled modules of this tenant: zz_sales',
  'service_role should not uninstall a required module');
select results_eq($$ select module_id
    from public.uninstall_tenant_module('dddddddd-dddd-4ddd-8ddd-dddddddddddd', 'zz_crm', cascade => true)
    order by module_id $$,
  $$ values ('zz_crm'), ('zz_sales') $$,
  'service_role should uninstall a module with its dependents (cascade)');
select results_eq($$ select module_id, enabled
    from public.disable_tenant_module('dddddddd-dddd-4ddd-8ddd-dddddddddddd', 'zz_mail') $$,
  $$ values ('zz_mail', false) $$,
  'service_role should disable a module nothing requires any more');
reset role;
select is(pg_temp.deps_of('cccccccc-cccc-4ccc-8ccc-cccccccccccc'),
  array['zz_crm 2.0.0 enabled', 'zz_mail 1.0.0 enabled', 'zz_sales 2.0.0 enabled'],
  'tenant C should end on the versions service_role upgraded it to');

-- postgres: plain SQL, tenant deletion, the batch ---------------------------------------------
select throws_ok($$ insert into public.tenant_modules (tenant_id, module_id)
    values ('eeeeeeee-eeee-4eee-8eee-eeeeeeeeeeee', 'zz_sales') $$,
  '23503', 'module "zz_sales" 2.0.0 requires modules this tenant does not have enabled in range: zz_crm ^2.0.0 (not installed), zz_mail ^1.0.0 (not installed)',
  'postgres should not install a module without its requirements (23503)');
select lives_ok($$ insert into public.tenant_modules (tenant_id, module_id) values
    ('eeeeeeee-eeee-4eee-8eee-eeeeeeeeeeee', 'zz_sales'), ('eeeeeeee-eeee-4eee-8eee-eeeeeeeeeeee', 'zz_mail'),
    ('eeeeeeee-eeee-4eee-8eee-eeeeeeeeeeee', 'zz_crm') $$,
  'postgres should install a module and its requirements in one multi-row insert');
select throws_ok($$ update public.tenant_modules set enabled = false
    where tenant_id = 'eeeeeeee-eeee-4eee-8eee-eeeeeeeeeeee' and module_id = 'zz_crm' $$,
  '23503', 'module "zz_crm" is required by enabled modules of this tenant: zz_sales',
  'postgres should not disable a required module either');
select is(pg_temp.refusal_undone($$ set constraints public.tenant_modules_required_by deferred;
    delete from public.tenant_modules where tenant_id = 'eeeeeeee-eeee-4eee-8eee-eeeeeeeeeeee' and module_id = 'zz_crm';
    delete from public.tenant_modules where tenant_id = 'eeeeeeee-eeee-4eee-8eee-eeeeeeeeeeee' and module_id = 'zz_sales';
    set constraints public.tenant_modules_required_by immediate $$),
  null, 'a transaction that defers the check should uninstall a required module before its dependent');
select lives_ok($$ delete from public.tenants where id = 'eeeeeeee-eeee-4eee-8eee-eeeeeeeeeeee' $$,
  'deleting a tenant should remove its modules (cascade), requirements and all');
select is(pg_temp.deps_of('eeeeeeee-eeee-4eee-8eee-eeeeeeeeeeee'), '{}'::text[],
  'the deleted tenant should have no module left');
select results_eq($$ select tenant_id, from_version, outcome, message, errors
    from private.upgrade_tenant_modules('zz_crm', '2.0.0', null, 10) $$,
  $$ values ('aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa'::uuid, '1.3.0', 'blocked',
              'module "zz_crm" cannot move to 2.0.0: zz_sales requires ^1.2.0',
              '[{"module_id": "zz_sales", "version": "1.0.0", "range": "^1.2.0"}]'::jsonb),
            ('bbbbbbbb-bbbb-4bbb-8bbb-bbbbbbbbbbbb'::uuid, '2.0.0', 'current', null, null),
            ('cccccccc-cccc-4ccc-8ccc-cccccccccccc'::uuid, '2.0.0', 'current', null, null) $$,
  'the batch should report a tenant whose dependents hold the module back as blocked, with them');
select results_eq($$ select tenant_id, outcome, message
    from private.upgrade_tenant_modules('zz_sales', '1.1.0', null, 10) $$,
  $$ values ('aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa'::uuid, 'blocked',
              'module "zz_sales" 1.1.0 requires modules this tenant does not have enabled in range: zz_mail ^1.0.0 (not installed)'),
            ('bbbbbbbb-bbbb-4bbb-8bbb-bbbbbbbbbbbb'::uuid, 'current', null),
            ('cccccccc-cccc-4ccc-8ccc-cccccccccccc'::uuid, 'current', null) $$,
  'the batch should report a tenant lacking a new requirement as blocked');
select is(pg_temp.deps_of('aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa'), array['zz_crm 1.3.0 enabled', 'zz_sales 1.0.0 enabled'],
  'the blocked tenant should be left as it was');
select throws_ok($$ delete from public.modules where id = 'zz_mail' $$,
  '23503', 'module "zz_mail" is required by enabled modules of this tenant: zz_sales',
  'deleting a catalog module that tenants'' enabled modules require should be refused (23503)');

select * from finish();
rollback;

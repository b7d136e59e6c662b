-- tenant_module_events (issue 10): every change of tenant_modules is recorded once, by the
-- database, on every path: a tenant admin through RLS (as PostgREST runs a REST request), the RPCs
-- (install, merge, upgrade, disable, uninstall), service_role and postgres SQL. Each event has the
-- actor and its role, the module version and what changed; a write that changes nothing records
-- nothing. Events are immutable for every role, members read their tenant's only, deleting a
-- tenant deletes its events, pollers page through tenant_module_events_after(), and Realtime
-- publishes the table. Uninstall with purge of owned tables: 14_uninstall_purge.sql.
begin;
\ir fixtures/personas.psql
\ir fixtures/events.psql
select plan(106);

-- tenant C starts without modules: service_role's and postgres's writes go there
insert into public.tenants (id, name) values ('cccccccc-cccc-4ccc-8ccc-cccccccccccc', 'Tenant C');

-- a catalog of our own: zz_crm takes any settings, zz_deals requires it
insert into public.modules (id, name, version) values ('zz_crm', 'CRM', '1.0.0');
insert into public.modules (id, name, version, requires)
values ('zz_deals', 'Deals', '1.0.0', '{"zz_crm": "^1.0.0"}');

-- Publishes the next version of zz_crm, whose settings migration runs p_steps (as postgres, the
-- catalog's writer; the test is rolled back before the requirements are checked at commit).
create function pg_temp.publish_crm(p_version text, p_steps jsonb) returns void
language sql as $$
  update public.modules set version = p_version, migrations = jsonb_build_object(p_version, p_steps)
  where id = 'zz_crm';
$$;

-- owner of A: every event type through RLS, as PostgREST runs a REST request ----------------
select pg_temp.login_as('11111111-1111-4111-8111-111111111111');
select lives_ok($$ insert into public.tenant_modules (tenant_id, module_id, settings)
    values ('aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa', 'zz_crm', '{"region": "eu", "seats": 5}') $$,
  'owner should install zz_crm in tenant A through RLS');
select results_eq($$ select * from pg_temp.new_events() $$,
  $$ values ('A', 'zz_crm', 'installed', '1.0.0', 'owner', 'authenticated',
             '{"settings": {"region": "eu", "seats": 5}, "enabled": true}'::jsonb) $$,
  'an install through RLS should record installed, by the owner, at the current version, with the settings and enabled');
update public.tenant_modules set settings = '{"region": "eu", "seats": 6, "plan": "pro"}'
where tenant_id = 'aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa' and module_id = 'zz_crm';
select results_eq($$ select * from pg_temp.new_events() $$,
  $$ values ('A', 'zz_crm', 'settings_changed', '1.0.0', 'owner', 'authenticated',
             '{"patch": {"seats": 6, "plan": "pro"}}'::jsonb) $$,
  'a settings update through RLS should record settings_changed with the merge patch from the old settings to the new');
select isnt_empty($$ update public.tenant_modules set settings = settings
    where module_id = 'zz_crm' returning id $$,
  'owner should be allowed a write that changes nothing (settings = settings)');
update public.tenant_modules set enabled = true, settings = '{"plan": "pro", "seats": 6, "region": "eu"}'
where module_id = 'zz_crm';
update public.tenant_modules set settings = settings || '{}' where module_id = 'zz_crm';
select is_empty($$ select * from pg_temp.new_events() $$,
  'updates that change neither settings nor enabled should record nothing');
select isnt_empty($$ update public.tenant_modules set enabled = false
    where module_id = 'zz_crm' returning id $$,
  'owner should disable zz_crm through RLS');
select results_eq($$ select * from pg_temp.new_events() $$,
  $$ values ('A', 'zz_crm', 'disabled', '1.0.0', 'owner', 'authenticated', null::jsonb) $$,
  'disabling should record disabled, without a change');
update public.tenant_modules set enabled = true, settings = settings - 'plan' where module_id = 'zz_crm';
select results_eq($$ select * from pg_temp.new_events() $$,
  $$ values ('A', 'zz_crm', 'settings_changed', '1.0.0', 'owner', 'authenticated', '{"patch": {"plan": null}}'::jsonb),
            ('A', 'zz_crm', 'enabled', '1.0.0', 'owner', 'authenticated', null::jsonb) $$,
  'an update of settings and enabled should record both, settings_changed first (a removed key patched to null)');
reset role;
select pg_temp.publish_crm('1.1.0', '[{"op": "move", "from": "/region", "path": "/area"}]');
select pg_temp.login_as('11111111-1111-4111-8111-111111111111');
select isnt_empty($$ update public.tenant_modules set version = '1.1.0'
    where module_id = 'zz_crm' returning id $$,
  'owner should upgrade zz_crm through RLS (an update of version)');
select results_eq($$ select * from pg_temp.new_events() $$,
  $$ values ('A', 'zz_crm', 'upgraded', '1.1.0', 'owner', 'authenticated',
             '{"from": "1.0.0", "to": "1.1.0", "patch": {"region": null, "area": "eu"}}'::jsonb) $$,
  'an upgrade should record upgraded at the new version, with from, to and the settings change its migration made');
update public.tenant_modules set settings = '{"area": null, "seats": 6}' where module_id = 'zz_crm';
select results_eq($$ select * from pg_temp.new_events() $$,
  $$ values ('A', 'zz_crm', 'settings_changed', '1.1.0', 'owner', 'authenticated',
             '{"before": {"area": "eu", "seats": 6}, "after": {"area": null, "seats": 6}}'::jsonb) $$,
  'new settings holding a null (which a merge patch cannot set) should be recorded as before and after');
select isnt_empty($$ delete from public.tenant_modules where module_id = 'zz_crm' returning id $$,
  'owner should uninstall zz_crm through RLS');
select results_eq($$ select * from pg_temp.new_events() $$,
  $$ values ('A', 'zz_crm', 'uninstalled', '1.1.0', 'owner', 'authenticated',
             '{"settings": {"area": null, "seats": 6}, "purged": false, "purged_rows": null}'::jsonb) $$,
  'an uninstall should record uninstalled at the version it had, with the last settings, not purged');
select ok((select bool_and(e.occurred_at = now() and e.transaction_id = pg_current_xact_id())
    from public.tenant_module_events as e where e.module_id = 'zz_crm'),
  'events should carry the time and the id of the transaction that wrote them');
select results_eq($$ select count(*)::int from public.tenant_module_events where module_id = 'zz_crm' $$,
  $$ values (8) $$, 'owner should read the eight events of tenant A''s zz_crm through RLS');
reset role;

-- admin of A: every event type through the RPCs ----------------------------------------------
select pg_temp.login_as('22222222-2222-4222-8222-222222222222');
select results_eq($$ select module_id, version, enabled from public.install_tenant_module(
      'aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa', 'zz_crm', '{"region": "us"}', false) $$,
  $$ values ('zz_crm', '1.1.0', false) $$,
  'admin should install zz_crm, disabled, with install_tenant_module');
select results_eq($$ select * from pg_temp.new_events() $$,
  $$ values ('A', 'zz_crm', 'installed', '1.1.0', 'admin', 'authenticated',
             '{"settings": {"region": "us"}, "enabled": false}'::jsonb) $$,
  'install_tenant_module should record installed, by the admin, at the current version');
select results_eq($$ select module_id, enabled from public.install_tenant_module(
      'aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa', 'zz_deals', with_dependencies => true) $$,
  $$ values ('zz_crm', true), ('zz_deals', true) $$,
  'admin should install zz_deals with its dependencies (enabling zz_crm)');
select results_eq($$ select * from pg_temp.new_events() $$,
  $$ values ('A', 'zz_crm', 'enabled', '1.1.0', 'admin', 'authenticated', null::jsonb),
            ('A', 'zz_deals', 'installed', '1.0.0', 'admin', 'authenticated',
             '{"settings": {}, "enabled": true}'::jsonb) $$,
  'an install with dependencies should record the requirement enabled, then the module installed');
select results_eq($$ select settings from public.merge_tenant_module_settings(
      'aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa', 'zz_crm', '{"seats": 3, "nothing": null}') $$,
  $$ values ('{"region": "us", "seats": 3}'::jsonb) $$,
  'admin should merge settings with merge_tenant_module_settings');
select results_eq($$ select * from pg_temp.new_events() $$,
  $$ values ('A', 'zz_crm', 'settings_changed', '1.1.0', 'admin', 'authenticated', '{"patch": {"seats": 3}}'::jsonb) $$,
  'a merge should record one settings_changed with the patch that took effect');
select isnt_empty($$ select * from public.merge_tenant_module_settings(
      'aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa', 'zz_crm', '{"seats": 3}') $$,
  'admin should get the row back from a merge that changes nothing');
select isnt_empty($$ select * from public.merge_tenant_module_settings(
      'aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa', 'zz_crm', '{}') $$,
  'admin should get the row back from an empty merge');
select is_empty($$ select * from pg_temp.new_events() $$,
  'merges that change nothing should record nothing');
reset role;
select pg_temp.publish_crm('1.2.0', '[{"op": "add", "path": "/tier", "value": "gold"}]');
select pg_temp.login_as('22222222-2222-4222-8222-222222222222');
select results_eq($$ select version from public.upgrade_tenant_module(
      'aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa', 'zz_crm') $$,
  $$ values ('1.2.0') $$, 'admin should upgrade zz_crm with upgrade_tenant_module');
select results_eq($$ select version from public.upgrade_tenant_module(
      'aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa', 'zz_crm', '1.2.0') $$,
  $$ values ('1.2.0') $$, 'admin should get the row back upgrading to the version it already has');
select results_eq($$ select * from pg_temp.new_events() $$,
  $$ values ('A', 'zz_crm', 'upgraded', '1.2.0', 'admin', 'authenticated',
             '{"from": "1.1.0", "to": "1.2.0", "patch": {"tier": "gold"}}'::jsonb) $$,
  'upgrade_tenant_module should record one upgraded (none when already there) with its migration''s change');
select set_eq($$ select module_id from public.disable_tenant_module(
      'aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa', 'zz_crm', cascade => true) $$,
  $$ values ('zz_crm'), ('zz_deals') $$,
  'admin should disable zz_crm and its dependent with disable_tenant_module');
select bag_eq($$ select * from pg_temp.new_events() $$,
  $$ values ('A', 'zz_crm', 'disabled', '1.2.0', 'admin', 'authenticated', null::jsonb),
            ('A', 'zz_deals', 'disabled', '1.0.0', 'admin', 'authenticated', null::jsonb) $$,
  'a cascading disable should record disabled for each module it disabled');
select results_eq($$ select module_id from public.uninstall_tenant_module(
      'aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa', 'zz_deals') $$,
  $$ values ('zz_deals') $$, 'admin should uninstall zz_deals with uninstall_tenant_module');
select results_eq($$ select module_id from public.uninstall_tenant_module(
      'aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa', 'zz_crm', purge => true) $$,
  $$ values ('zz_crm') $$, 'admin should uninstall zz_crm with purge (it owns no table)');
select results_eq($$ select * from pg_temp.new_events() $$,
  $$ values ('A', 'zz_deals', 'uninstalled', '1.0.0', 'admin', 'authenticated',
             '{"settings": {}, "purged": false, "purged_rows": null}'::jsonb),
            ('A', 'zz_crm', 'uninstalled', '1.2.0', 'admin', 'authenticated',
             '{"settings": {"region": "us", "seats": 3, "tier": "gold"}, "purged": true, "purged_rows": {}}'::jsonb) $$,
  'uninstall_tenant_module should record uninstalled with the settings, purged false without purge and true with it');
select is_empty($$ select * from public.uninstall_tenant_module('aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa', 'zz_crm') $$,
  'admin should get nothing uninstalling a module that is no longer installed');
select is_empty($$ select * from pg_temp.new_events() $$, 'and that should record nothing');
-- events are written by the database only
select throws_ok($$ insert into public.tenant_module_events (tenant_id, module_id, event, actor_role)
    values ('aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa', 'zz_crm', 'installed', 'authenticated') $$,
  '42501', 'permission denied for table tenant_module_events', 'admin should not insert an event');
select throws_ok($$ update public.tenant_module_events set event = 'enabled' $$,
  '42501', 'permission denied for table tenant_module_events', 'admin should not update events');
select throws_ok($$ delete from public.tenant_module_events $$,
  '42501', 'permission denied for table tenant_module_events', 'admin should not delete events');
select throws_ok($$ truncate public.tenant_module_events $$,
  '42501', 'permission denied for table tenant_module_events', 'admin should not truncate events');
reset role;

-- member of A: reads the tenant's events, writes nothing, so records nothing -----------------
select pg_temp.login_as('33333333-3333-4333-8333-333333333333');
select results_eq($$ select count(*)::int, count(distinct tenant_id)::int from public.tenant_module_events $$,
  $$ values (pg_temp.events_of('aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa'), 1) $$,
  'member should read every event of tenant A, and only tenant A''s');
select is_empty($$ select id from public.tenant_module_events
    where tenant_id = 'bbbbbbbb-bbbb-4bbb-8bbb-bbbbbbbbbbbb' $$,
  'member should not read tenant B''s events even when asking for them');
select throws_ok($$ insert into public.tenant_modules (tenant_id, module_id)
    values ('aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa', 'zz_crm') $$,
  '42501', null, 'member should not install a module through RLS');
select throws_ok($$ select public.install_tenant_module('aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa', 'zz_crm') $$,
  '42501', null, 'member should not install a module with install_tenant_module');
select is_empty($$ update public.tenant_modules set enabled = false returning id $$,
  'member should disable nothing through RLS');
select is_empty($$ select * from public.merge_tenant_module_settings(
      'aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa', 'agency', '{"currency": "USD"}') $$,
  'member should change nothing with merge_tenant_module_settings');
select is_empty($$ select * from public.disable_tenant_module('aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa', 'agency') $$,
  'member should disable nothing with disable_tenant_module');
select is_empty($$ select * from public.uninstall_tenant_module('aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa', 'agency') $$,
  'member should uninstall nothing with uninstall_tenant_module');
select is_empty($$ delete from public.tenant_modules returning id $$,
  'member should uninstall nothing through RLS');
select is_empty($$ select * from pg_temp.new_events() $$,
  'member''s refused writes should record nothing');
select throws_ok($$ update public.tenant_module_events set actor = null $$,
  '42501', 'permission denied for table tenant_module_events', 'member should not update events');
select throws_ok($$ delete from public.tenant_module_events $$,
  '42501', 'permission denied for table tenant_module_events', 'member should not delete events');
reset role;

-- outsiders: the admin of B reads B's events only; a stranger reads none ---------------------
select pg_temp.login_as('44444444-4444-4444-8444-444444444444');
select results_eq($$ select module_id, event from public.tenant_module_events order by id $$,
  $$ values ('agency', 'installed'), ('zz_billing', 'installed') $$,
  'admin of B should read the events of tenant B only');
select is_empty($$ select id from public.tenant_module_events
    where tenant_id = 'aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa' $$,
  'admin of B should not read tenant A''s events even when asking for them');
select is_empty($$ update public.tenant_modules set enabled = false
    where tenant_id = 'aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa' returning id $$,
  'admin of B should change nothing in tenant A');
select is_empty($$ select * from public.uninstall_tenant_module('aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa', 'agency') $$,
  'admin of B should uninstall nothing in tenant A');
select is_empty($$ select * from pg_temp.new_events() $$,
  'admin of B''s refused writes should record nothing');
reset role;
select pg_temp.login_as('55555555-5555-4555-8555-555555555555');
select is_empty($$ select id from public.tenant_module_events $$,
  'a stranger should read no event');
select is_empty($$ select * from public.merge_tenant_module_settings(
      'aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa', 'agency', '{"currency": "USD"}') $$,
  'a stranger should change nothing');
select is_empty($$ select * from pg_temp.new_events() $$, 'a stranger''s refused write should record nothing');
reset role;

-- anon ---------------------------------------------------------------------------------------
select pg_temp.login_anon();
select throws_ok($$ select id from public.tenant_module_events $$,
  '42501', 'permission denied for table tenant_module_events', 'anon should not read events');
select throws_ok($$ insert into public.tenant_module_events (tenant_id, module_id, event, actor_role)
    values ('aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa', 'zz_crm', 'installed', 'anon') $$,
  '42501', 'permission denied for table tenant_module_events', 'anon should not insert an event');
select throws_ok($$ select * from public.tenant_module_events_after('aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa') $$,
  '42501', null, 'anon should not execute tenant_module_events_after');
select is_empty($$ update public.tenant_modules set enabled = false returning id $$,
  'anon should change no installed module');
select is_empty($$ select * from pg_temp.new_events() $$, 'anon should record nothing');
reset role;

-- service_role: every event type, as REST requests and RPCs with the service key -----------
select pg_temp.login_service_role();
select lives_ok($$ insert into public.tenant_modules (tenant_id, module_id, settings)
    values ('cccccccc-cccc-4ccc-8ccc-cccccccccccc', 'zz_crm', '{"seats": 1}') $$,
  'service_role should install zz_crm in tenant C');
select isnt_empty($$ update public.tenant_modules set enabled = false
    where tenant_id = 'cccccccc-cccc-4ccc-8ccc-cccccccccccc' returning id $$,
  'service_role should disable it');
select isnt_empty($$ update public.tenant_modules set enabled = true, settings = settings
    where tenant_id = 'cccccccc-cccc-4ccc-8ccc-cccccccccccc' returning id $$,
  'service_role should enable it');
select isnt_empty($$ select * from public.merge_tenant_module_settings(
      'cccccccc-cccc-4ccc-8ccc-cccccccccccc', 'zz_crm', '{"seats": 2}') $$,
  'service_role should merge settings');
select results_eq($$ select * from pg_temp.new_events() $$,
  $$ values ('C', 'zz_crm', 'installed', '1.2.0', null, 'service_role', '{"settings": {"seats": 1}, "enabled": true}'::jsonb),
            ('C', 'zz_crm', 'disabled', '1.2.0', null, 'service_role', null::jsonb),
            ('C', 'zz_crm', 'enabled', '1.2.0', null, 'service_role', null::jsonb),
            ('C', 'zz_crm', 'settings_changed', '1.2.0', null, 'service_role', '{"patch": {"seats": 2}}'::jsonb) $$,
  'service_role''s install, disable, enable and merge should be recorded with role service_role and no actor');
reset role;
select pg_temp.publish_crm('1.3.0', '[{"op": "remove", "path": "/seats"}]');
select pg_temp.login_service_role();
select results_eq($$ select version, settings from public.upgrade_tenant_module(
      'cccccccc-cccc-4ccc-8ccc-cccccccccccc', 'zz_crm') $$,
  $$ values ('1.3.0', '{}'::jsonb) $$, 'service_role should upgrade with upgrade_tenant_module');
select results_eq($$ select module_id from public.disable_tenant_module(
      'cccccccc-cccc-4ccc-8ccc-cccccccccccc', 'zz_crm') $$,
  $$ values ('zz_crm') $$, 'service_role should disable with disable_tenant_module');
select isnt_empty($$ delete from public.tenant_modules
    where tenant_id = 'cccccccc-cccc-4ccc-8ccc-cccccccccccc' returning id $$,
  'service_role should uninstall');
select results_eq($$ select * from pg_temp.new_events() $$,
  $$ values ('C', 'zz_crm', 'upgraded', '1.3.0', null, 'service_role',
             '{"from": "1.2.0", "to": "1.3.0", "patch": {"seats": null}}'::jsonb),
            ('C', 'zz_crm', 'disabled', '1.3.0', null, 'service_role', null::jsonb),
            ('C', 'zz_crm', 'uninstalled', '1.3.0', null, 'service_role',
             '{"settings": {}, "purged": false, "purged_rows": null}'::jsonb) $$,
  'service_role''s upgrade, disable and uninstall should be recorded with role service_role and no actor');
select results_eq($$ select count(distinct tenant_id)::int from public.tenant_module_events $$,
  $$ values (3) $$, 'service_role should read the events of every tenant');
select throws_ok($$ insert into public.tenant_module_events (tenant_id, module_id, event, actor_role)
    values ('cccccccc-cccc-4ccc-8ccc-cccccccccccc', 'zz_crm', 'installed', 'service_role') $$,
  '42501', 'permission denied for table tenant_module_events', 'service_role should not insert an event');
select throws_ok($$ update public.tenant_module_events set event = 'enabled' $$,
  '42501', 'permission denied for table tenant_module_events', 'service_role should not update events');
select throws_ok($$ delete from public.tenant_module_events $$,
  '42501', 'permission denied for table tenant_module_events', 'service_role should not delete events');
select throws_ok($$ truncate public.tenant_module_events $$,
  '42501', 'permission denied for table tenant_module_events', 'service_role should not truncate events');
reset role;

-- postgres (SQL editor, migrations, operators): every event type, and no way around the trigger
select set_config('request.jwt.claims', '', true);
insert into public.tenant_modules (tenant_id, module_id, settings)
values ('cccccccc-cccc-4ccc-8ccc-cccccccccccc', 'zz_crm', '{"a": 1}');
update public.tenant_modules set settings = '{"a": 2}', enabled = false
where tenant_id = 'cccccccc-cccc-4ccc-8ccc-cccccccccccc';
update public.tenant_modules set enabled = true where tenant_id = 'cccccccc-cccc-4ccc-8ccc-cccccccccccc';
update public.tenant_modules set enabled = true, settings = '{"a": 2}', version = '1.3.0'
where tenant_id = 'cccccccc-cccc-4ccc-8ccc-cccccccccccc';
select results_eq($$ select * from pg_temp.new_events() $$,
  $$ values ('C', 'zz_crm', 'installed', '1.3.0', null, 'postgres', '{"settings": {"a": 1}, "enabled": true}'::jsonb),
            ('C', 'zz_crm', 'settings_changed', '1.3.0', null, 'postgres', '{"patch": {"a": 2}}'::jsonb),
            ('C', 'zz_crm', 'disabled', '1.3.0', null, 'postgres', null::jsonb),
            ('C', 'zz_crm', 'enabled', '1.3.0', null, 'postgres', null::jsonb) $$,
  'postgres''s install, update of settings and enabled (two events), enable and no-op should be recorded with role postgres and no actor');
select pg_temp.publish_crm('1.4.0', '[{"op": "add", "path": "/b", "value": 2}]');
update public.tenant_modules set version = '1.4.0', settings = '{"a": null}'
where tenant_id = 'cccccccc-cccc-4ccc-8ccc-cccccccccccc';
select results_eq($$ select * from pg_temp.new_events() $$,
  $$ values ('C', 'zz_crm', 'upgraded', '1.4.0', null, 'postgres',
             '{"from": "1.3.0", "to": "1.4.0", "before": {"a": 2}, "after": {"a": null}}'::jsonb) $$,
  'an upgrade writing settings that hold a null should record from, to, before and after');
select pg_temp.publish_crm('1.5.0', '[{"op": "add", "path": "/c", "value": 3}]');
select results_eq($$ select tenant_id, from_version, outcome
    from private.upgrade_tenant_modules('zz_crm', '1.5.0', null, 100) $$,
  $$ values ('cccccccc-cccc-4ccc-8ccc-cccccccccccc'::uuid, '1.4.0', 'upgraded') $$,
  'postgres should upgrade zz_crm everywhere with the bulk upgrade batch');
update public.tenant_modules set settings = settings || '{"list": [null, 1], "nested": {"x": {}}}'
where tenant_id = 'cccccccc-cccc-4ccc-8ccc-cccccccccccc';
delete from public.tenant_modules where tenant_id = 'cccccccc-cccc-4ccc-8ccc-cccccccccccc';
select results_eq($$ select * from pg_temp.new_events() $$,
  $$ values ('C', 'zz_crm', 'upgraded', '1.5.0', null, 'postgres',
             '{"from": "1.4.0", "to": "1.5.0", "patch": {"c": 3}}'::jsonb),
            ('C', 'zz_crm', 'settings_changed', '1.5.0', null, 'postgres',
             '{"patch": {"list": [null, 1], "nested": {"x": {}}}}'::jsonb),
            ('C', 'zz_crm', 'uninstalled', '1.5.0', null, 'postgres',
             '{"settings": {"a": null, "c": 3, "list": [null, 1], "nested": {"x": {}}}, "purged": false, "purged_rows": null}'::jsonb) $$,
  'the bulk upgrade, an update and a delete in SQL should be recorded with role postgres and no actor (a null kept or inside an array still fits a patch)');
select is(
  (select array_agg(format('%s -> %s', c.before, c.after) order by c.n)
   from (values
     (1, '{}'::jsonb, '{"a": 1}'::jsonb), (2, '{"a": 1}', '{}'), (3, '{"a": {"b": 1, "c": 2}}', '{"a": {"b": 1}}'),
     (4, '{"a": 1}', '{"a": {"b": [1, null]}}'), (5, '{"a": {"b": 1}}', '{"a": 2}'), (6, '{"a": [1]}', '{"a": {}}'),
     (7, '{"a": {"b": {"c": 1}}}', '{"a": {"b": {"d": 2}}, "e": "x"}'), (8, '{"a": null}', '{"a": null, "b": 1}'),
     (9, '{"a": 1}', '{"a": {"b": null}}'), (10, '{"a": {"b": 1}}', '{"a": {"b": 1, "c": null}}')
   ) as c (n, before, after)
   cross join lateral (select private.settings_change(c.before, c.after) as change) as x
   where case when x.change ? 'patch'
           then private.jsonb_merge_patch(c.before, x.change -> 'patch') is distinct from c.after
           else x.change is distinct from jsonb_build_object('before', c.before, 'after', c.after)
             or c.after::text !~ ': null' end),
  null,
  'a recorded patch should turn the old settings into the new, and before/after be used only for a null member');
select throws_ok($$ update public.tenant_module_events set actor_role = 'nobody' $$,
  '42501', 'tenant module events cannot be changed or deleted', 'postgres should not update events');
select throws_ok($$ delete from public.tenant_module_events
    where id = (select max(id) from public.tenant_module_events) $$,
  '42501', 'tenant module events cannot be changed or deleted', 'postgres should not delete an event');
select throws_ok($$ truncate public.tenant_module_events $$,
  '42501', 'tenant module events cannot be changed or deleted', 'postgres should not truncate events');
set local client_min_messages = warning;
select throws_ok($$ truncate public.tenants cascade $$,
  '42501', 'tenant module events cannot be changed or deleted',
  'postgres should not truncate the events by truncating the tenants');
reset client_min_messages;

-- polling with tenant_module_events_after(): the events above were all written by this
-- transaction, still in flight, so the function holds them back; events of finished transactions
-- are stood in for by rows postgres inserts with an old transaction id (nobody else may insert).
-- That a cursor never skips an event another transaction commits later is shown with two
-- connections in the Deno tests.
insert into public.tenant_module_events (tenant_id, module_id, event, version, actor_role, transaction_id)
select 'aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa'::uuid, case when g % 3 = 0 then 'zz_deals' else 'zz_crm' end,
  'enabled', '1.0.0', 'postgres', '1'::xid8
from generate_series(1, 1200) as g
union all
select 'bbbbbbbb-bbbb-4bbb-8bbb-bbbbbbbbbbbb'::uuid, 'agency', 'enabled', '1.0.0', 'postgres', '1'::xid8
from generate_series(1, 3);
create temp table polled as
select e.id, e.tenant_id, e.module_id,
  row_number() over (partition by e.tenant_id order by e.id) as n,
  row_number() over (partition by e.tenant_id, e.module_id order by e.id) as n_module
from public.tenant_module_events as e
where e.transaction_id = '1'::xid8;
grant select on polled to authenticated, service_role;
select id as third_id from polled where tenant_id = 'aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa' and n = 3 \gset
select count(*) as skipped_events from pg_temp.new_events() \gset

select pg_temp.login_as('33333333-3333-4333-8333-333333333333');
select is_empty($$ select id from public.tenant_module_events_after('aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa', 0, 1000)
    where transaction_id = pg_current_xact_id() $$,
  'polling should hold back the events of a transaction still in flight (this one)');
select results_eq($$ select id from public.tenant_module_events_after('aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa', 0, 3) $$,
  $$ select id from polled where tenant_id = 'aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa' and n <= 3 order by n $$,
  'member should poll tenant A''s first events, oldest first');
select results_eq(format($$ select id from public.tenant_module_events_after('aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa', %s, 2) $$, :'third_id'),
  $$ select id from polled where tenant_id = 'aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa' and n in (4, 5) order by n $$,
  'polling after a cursor should return the events after it, in order');
select results_eq($$ select id from public.tenant_module_events_after('aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa', null, 2) $$,
  $$ select id from polled where tenant_id = 'aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa' and n <= 2 order by n $$,
  'a null cursor should start from the beginning');
select results_eq($$ select id, module_id from public.tenant_module_events_after('aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa', 0, 4, 'zz_deals') $$,
  $$ select id, module_id from polled where tenant_id = 'aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa'
       and module_id = 'zz_deals' and n_module <= 4 order by n_module $$,
  'polling one module should return only its events, in order');
select is((select count(*)::int from public.tenant_module_events_after('aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa', 0, 0)), 1,
  'a limit of 0 should be raised to 1');
select is((select count(*)::int from public.tenant_module_events_after('aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa', 0, -5)), 1,
  'a negative limit should be raised to 1');
select is((select count(*)::int from public.tenant_module_events_after('aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa', 0, 5000)), 1000,
  'a limit over 1000 should be lowered to 1000');
select is((select count(*)::int from public.tenant_module_events_after('aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa')), 100,
  'the limit should default to 100');
select is((select count(*)::int from public.tenant_module_events_after('aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa', 0, null)), 100,
  'a null limit should mean 100');
select is_empty($$ select id from public.tenant_module_events_after('bbbbbbbb-bbbb-4bbb-8bbb-bbbbbbbbbbbb') $$,
  'member of A should poll nothing of tenant B');
reset role;
select pg_temp.login_as('44444444-4444-4444-8444-444444444444');
select results_eq($$ select id from public.tenant_module_events_after('bbbbbbbb-bbbb-4bbb-8bbb-bbbbbbbbbbbb') $$,
  $$ select id from polled where tenant_id = 'bbbbbbbb-bbbb-4bbb-8bbb-bbbbbbbbbbbb' order by n $$,
  'admin of B should poll tenant B''s events');
select is_empty($$ select id from public.tenant_module_events_after('aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa') $$,
  'admin of B should poll nothing of tenant A');
reset role;
select pg_temp.login_as('55555555-5555-4555-8555-555555555555');
select is_empty($$ select id from public.tenant_module_events_after('aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa') $$,
  'a stranger should poll nothing');
reset role;
select pg_temp.login_service_role();
select results_eq($$ select id from public.tenant_module_events_after('aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa', 0, 3) $$,
  $$ select id from polled where tenant_id = 'aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa' and n <= 3 order by n $$,
  'service_role should poll any tenant''s events');
reset role;

-- Realtime -----------------------------------------------------------------------------------
select results_eq($$ select schemaname::text collate "default", tablename::text collate "default"
    from pg_catalog.pg_publication_tables
    where pubname = 'supabase_realtime' and tablename = 'tenant_module_events' $$,
  $$ values ('public', 'tenant_module_events') $$,
  'public.tenant_module_events should be in the supabase_realtime publication');

-- deleting a tenant deletes its events and records none, dependencies and all ----------------
select set_config('request.jwt.claims', '', true);
insert into public.tenant_modules (tenant_id, module_id) values
  ('bbbbbbbb-bbbb-4bbb-8bbb-bbbbbbbbbbbb', 'zz_crm'),
  ('bbbbbbbb-bbbb-4bbb-8bbb-bbbbbbbbbbbb', 'zz_deals');
select count(*) as skipped_events from pg_temp.new_events() \gset
select count(*) as a_events from public.tenant_module_events
where tenant_id = 'aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa' \gset
select lives_ok($$ delete from public.tenants where id = 'bbbbbbbb-bbbb-4bbb-8bbb-bbbbbbbbbbbb' $$,
  'postgres should delete tenant B, whose zz_deals requires its zz_crm');
select is_empty($$ select id from public.tenant_module_events where tenant_id = 'bbbbbbbb-bbbb-4bbb-8bbb-bbbbbbbbbbbb' $$,
  'deleting a tenant should delete its events');
select is_empty($$ select * from pg_temp.new_events() $$,
  'deleting a tenant should record no uninstalled event');
select results_eq($$ select count(*) from public.tenant_module_events
    where tenant_id = 'aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa' $$,
  format('values (%s::bigint)', :'a_events'),
  'deleting a tenant should leave the other tenants'' events alone');

select * from finish();
rollback;

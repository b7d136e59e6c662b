-- Who writes settings, and how: the agency contract (supabase/modules/agency.json) holds for every
-- persona and every path. Owners and admins (as PostgREST runs their requests: role
-- authenticated, JWT claims set), service_role and postgres are refused invalid settings on
-- insert, update and the merge RPC; members, strangers and anon get RLS's answer before the
-- contract's (42501 or no row), so the settings contract tells them nothing. Then the merge RPC
-- itself: RFC 7396 semantics, untouched values kept as stored, its answer, and what it refuses.
begin;
\ir fixtures/personas.psql
\ir fixtures/settings.psql
select plan(134);

-- a third tenant without modules, for service_role's and postgres's installs
insert into public.tenants (id, name) values ('cccccccc-cccc-4ccc-8ccc-cccccccccccc', 'Tenant C');

-- tenant A starts without agency, so its owner and admin can try to install it
delete from public.tenant_modules
where tenant_id = 'aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa' and module_id = 'agency';

-- settings the agency schema refuses, each on its own; the merge RPC refuses a patch nested too
-- deep before merging it (22023), everything else like any other write (23514)
create temp table bad_settings (ord integer, label text, settings jsonb, merge_sqlstate char(5))
on commit drop;
insert into bad_settings values
  (1, 'max_clients -5', '{"max_clients": -5}', '23514'),
  (2, 'timezone "Mars/Olympus"', '{"timezone": "Mars/Olympus"}', '23514'),
  (3, 'currency 123', '{"currency": 123}', '23514'),
  (4, 'the unknown key isAdmin', '{"isAdmin": true}', '23514'),
  (5, '40 levels of nesting', jsonb_build_object('deep', pg_temp.nest(39)), '22023');
grant select on bad_settings to authenticated, anon, service_role;

-- the same statements for every persona
create function pg_temp.insert_sql(p_tenant_id uuid, p_settings jsonb) returns text
language sql as $$
  select format('insert into public.tenant_modules (tenant_id, module_id, settings) values (%L, %L, %L)',
    p_tenant_id, 'agency', p_settings);
$$;
create function pg_temp.update_sql(p_tenant_id uuid, p_settings jsonb) returns text
language sql as $$
  select format('update public.tenant_modules set settings = settings || %L where tenant_id = %L and module_id = %L returning id',
    p_settings, p_tenant_id, 'agency');
$$;
-- PostgREST's upsert (Prefer: resolution=merge-duplicates)
create function pg_temp.upsert_sql(p_tenant_id uuid, p_settings jsonb) returns text
language sql as $$
  select format('insert into public.tenant_modules (tenant_id, module_id, settings) values (%L, %L, %L) on conflict (tenant_id, module_id) do update set settings = excluded.settings',
    p_tenant_id, 'agency', p_settings);
$$;
create function pg_temp.merge_sql(p_tenant_id uuid, p_patch jsonb) returns text
language sql as $$
  select format('select * from public.merge_tenant_module_settings(%L, %L, %L)',
    p_tenant_id, 'agency', p_patch);
$$;

-- owner of A ---------------------------------------------------------------------------------
select pg_temp.login_as('11111111-1111-4111-8111-111111111111');
select throws_ok(pg_temp.insert_sql('aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa', b.settings), '23514', null,
  format('owner should not install agency with %s', b.label))
from bad_settings as b order by b.ord;
select is(pg_temp.settings_errors(pg_temp.insert_sql('aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa',
    '{"max_clients": -5, "timezone": "Mars/Olympus", "currency": 123, "isAdmin": true, "branding": {"primary_color": "red"}}')),
  '[{"path": "settings", "message": "unknown key \"isAdmin\""},
    {"path": "settings.branding.primary_color", "message": "must match the pattern ^#[0-9A-Fa-f]{6}$"},
    {"path": "settings.currency", "message": "must be a string"},
    {"path": "settings.max_clients", "message": "must be at least 1"},
    {"path": "settings.timezone", "message": "must be an IANA time-zone name, e.g. \"Europe/Paris\""}]',
  'owner should be told every failing path of the agency settings (23514, tenant_modules_settings_schema)');
select results_eq(
  pg_temp.insert_sql('aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa',
    '{"currency": "EUR", "branding": {"primary_color": "#1A2B3C"}}') || ' returning settings',
  $$ values ('{"currency": "EUR", "timezone": "UTC", "max_clients": 100, "branding": {"primary_color": "#1A2B3C"}}'::jsonb) $$,
  'owner should install agency with valid settings and read them back with the defaults filled in');
select throws_ok(pg_temp.update_sql('aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa', b.settings), '23514', null,
  format('owner should not update agency''s settings with %s', b.label))
from bad_settings as b order by b.ord;
select throws_ok(pg_temp.merge_sql('aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa', b.settings),
  b.merge_sqlstate, null, format('owner should not merge %s into agency''s settings', b.label))
from bad_settings as b order by b.ord;
select throws_ok(pg_temp.upsert_sql('aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa', b.settings), '23514', null,
  format('owner should not upsert agency''s settings with %s', b.label))
from bad_settings as b order by b.ord;
select throws_ok($$ select public.merge_tenant_module_settings('aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa',
    'zz_legacy', '{"x": 1}') $$,
  '42501', null, 'owner should not merge into a module that is no longer active (RLS, as for updates)');
select results_eq($$ select tenant_id, module_id, settings ->> 'max_clients'
    from public.merge_tenant_module_settings('aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa', 'agency',
      '{"max_clients": 50}') $$,
  $$ values ('aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa'::uuid, 'agency'::text, '50'::text) $$,
  'owner should merge valid settings and get the row back');
reset role;

-- admin of A: uninstalls agency, tries again, reinstalls it ----------------------------------
select pg_temp.login_as('22222222-2222-4222-8222-222222222222');
select isnt_empty($$ delete from public.tenant_modules
  where tenant_id = 'aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa' and module_id = 'agency' returning id $$,
  'admin should uninstall agency from tenant A');
select throws_ok(pg_temp.insert_sql('aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa', b.settings), '23514', null,
  format('admin should not install agency with %s', b.label))
from bad_settings as b order by b.ord;
select lives_ok(pg_temp.insert_sql('aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa', '{"currency": "CHF"}'),
  'admin should install agency with valid settings');
select throws_ok(pg_temp.update_sql('aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa', b.settings), '23514', null,
  format('admin should not update agency''s settings with %s', b.label))
from bad_settings as b order by b.ord;
select throws_ok(pg_temp.merge_sql('aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa', b.settings),
  b.merge_sqlstate, null, format('admin should not merge %s into agency''s settings', b.label))
from bad_settings as b order by b.ord;
reset role;

-- plain member of A: RLS answers first -------------------------------------------------------
select pg_temp.login_as('33333333-3333-4333-8333-333333333333');
select throws_ok(pg_temp.insert_sql('aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa', b.settings), '42501', null,
  format('member should be refused by RLS, not by the contract, installing agency with %s', b.label))
from bad_settings as b order by b.ord;
select is_empty(pg_temp.update_sql('aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa', b.settings),
  format('member should change no row updating agency''s settings with %s', b.label))
from bad_settings as b order by b.ord;
select throws_ok(pg_temp.upsert_sql('aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa', b.settings), '42501', null,
  format('member should be refused by RLS upserting agency''s settings with %s', b.label))
from bad_settings as b order by b.ord;
select is_empty(pg_temp.merge_sql('aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa', b.settings),
  format('member should get no row merging %s', b.label))
from bad_settings as b where b.merge_sqlstate = '23514' order by b.ord;
select throws_ok(pg_temp.merge_sql('aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa', b.settings), '22023', null,
  format('member should be refused a patch of %s before anything is read', b.label))
from bad_settings as b where b.merge_sqlstate = '22023' order by b.ord;
reset role;

-- signed-in stranger -------------------------------------------------------------------------
select pg_temp.login_as('55555555-5555-4555-8555-555555555555');
select throws_ok(pg_temp.insert_sql('aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa', b.settings), '42501', null,
  format('stranger should be refused by RLS, not by the contract, installing agency with %s', b.label))
from bad_settings as b order by b.ord;
select is_empty(pg_temp.update_sql('aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa', b.settings),
  format('stranger should change no row updating agency''s settings with %s', b.label))
from bad_settings as b order by b.ord;
select is_empty(pg_temp.merge_sql('aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa', b.settings),
  format('stranger should get no row merging %s', b.label))
from bad_settings as b where b.merge_sqlstate = '23514' order by b.ord;
reset role;

-- admin of B, in tenant A --------------------------------------------------------------------
select pg_temp.login_as('44444444-4444-4444-8444-444444444444');
select throws_ok(pg_temp.insert_sql('cccccccc-cccc-4ccc-8ccc-cccccccccccc', '{"isAdmin": true}'),
  '42501', null, 'admin of B should be refused by RLS installing agency with bad settings in tenant C');
select is_empty(pg_temp.merge_sql('aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa', '{"isAdmin": true}'),
  'admin of B should get no row merging bad settings into tenant A');
reset role;

-- anon ---------------------------------------------------------------------------------------
select pg_temp.login_anon();
select throws_ok(pg_temp.insert_sql('aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa', b.settings), '42501', null,
  format('anon should be refused by RLS, not by the contract, installing agency with %s', b.label))
from bad_settings as b order by b.ord;
select is_empty(pg_temp.update_sql('aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa', '{"isAdmin": true}'),
  'anon should change no row');
select throws_ok(pg_temp.merge_sql('aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa', '{"currency": "EUR"}'),
  '42501', null, 'anon should not execute the merge RPC');
reset role;

-- service_role: past RLS, not past the contract ----------------------------------------------
select pg_temp.login_service_role();
select throws_ok(pg_temp.insert_sql('cccccccc-cccc-4ccc-8ccc-cccccccccccc', b.settings), '23514', null,
  format('service_role should not install agency with %s', b.label))
from bad_settings as b order by b.ord;
select throws_ok(pg_temp.update_sql('bbbbbbbb-bbbb-4bbb-8bbb-bbbbbbbbbbbb', b.settings), '23514', null,
  format('service_role should not update agency''s settings with %s', b.label))
from bad_settings as b order by b.ord;
select throws_ok(pg_temp.merge_sql('bbbbbbbb-bbbb-4bbb-8bbb-bbbbbbbbbbbb', b.settings),
  b.merge_sqlstate, null, format('service_role should not merge %s into agency''s settings', b.label))
from bad_settings as b order by b.ord;
select is(pg_temp.settings_errors(pg_temp.update_sql('bbbbbbbb-bbbb-4bbb-8bbb-bbbbbbbbbbbb',
    '{"max_clients": 10001}')),
  '[{"path": "settings.max_clients", "message": "must be at most 10000"}]',
  'service_role should get the same failing paths as anybody');
reset role;

-- postgres (SQL editor, migrations): past RLS, not past the contract -------------------------
select throws_ok(pg_temp.insert_sql('cccccccc-cccc-4ccc-8ccc-cccccccccccc', b.settings), '23514', null,
  format('postgres should not install agency with %s', b.label))
from bad_settings as b order by b.ord;
select throws_ok(pg_temp.update_sql('bbbbbbbb-bbbb-4bbb-8bbb-bbbbbbbbbbbb', b.settings), '23514', null,
  format('postgres should not update agency''s settings with %s', b.label))
from bad_settings as b order by b.ord;
select throws_ok(pg_temp.merge_sql('bbbbbbbb-bbbb-4bbb-8bbb-bbbbbbbbbbbb', b.settings),
  b.merge_sqlstate, null, format('postgres should not merge %s into agency''s settings', b.label))
from bad_settings as b order by b.ord;

-- what the refused writes left behind --------------------------------------------------------
select results_eq($$ select tenant_id, settings from public.tenant_modules
  where module_id = 'agency' order by tenant_id $$,
  $$ values ('aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa'::uuid, '{"currency": "CHF", "timezone": "UTC", "max_clients": 100}'::jsonb),
            ('bbbbbbbb-bbbb-4bbb-8bbb-bbbbbbbbbbbb'::uuid, '{"currency": "GBP", "timezone": "UTC", "max_clients": 100}'::jsonb) $$,
  'agency should hold only the valid settings: the admin''s reinstall in A, the fixture''s in B');
select is_empty($$ select id from public.tenant_modules
  where tenant_id = 'cccccccc-cccc-4ccc-8ccc-cccccccccccc' $$,
  'tenant C should have no module');

-- the merge RPC ------------------------------------------------------------------------------
insert into public.modules (id, name, settings_schema) values ('notes', 'Notes',
  '{"type": "object", "properties": {"mode": {"enum": ["fast", "safe"], "default": "safe"}, "nested": {"type": ["object", "string"]}, "tags": {"type": "array"}}}');
insert into public.tenant_modules (tenant_id, module_id, settings) values
  ('aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa', 'notes',
   '{"big": 12345678901234567890, "price": 1.10, "nested": {"a": 1, "b": {"c": 2, "d": 3}}, "tags": [1, 2, 3]}');
select updated_at as notes_updated_at from public.tenant_modules
where tenant_id = 'aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa' and module_id = 'notes' \gset

select pg_temp.login_as('11111111-1111-4111-8111-111111111111');
select results_eq($$ select tenant_id, module_id, enabled, settings -> 'nested', settings -> 'tags'
    from public.merge_tenant_module_settings('aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa', 'notes',
      '{"nested": {"b": {"c": null, "e": 5}}, "tags": [9]}') $$,
  $$ values ('aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa'::uuid, 'notes'::text, true,
             '{"a": 1, "b": {"d": 3, "e": 5}}'::jsonb, '[9]'::jsonb) $$,
  'a merge should return the row, merging objects recursively, removing nulls and replacing arrays');
select is((select (settings -> 'big')::text || ' ' || (settings -> 'price')::text
    from public.tenant_modules where tenant_id = 'aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa' and module_id = 'notes'),
  '12345678901234567890 1.10',
  'a merge should keep untouched values as stored (12345678901234567890 and 1.10, as text)');
select ok((select updated_at > :'notes_updated_at'::timestamptz from public.tenant_modules
    where tenant_id = 'aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa' and module_id = 'notes'),
  'a merge should bump updated_at');
select is((select settings from public.merge_tenant_module_settings(
    'aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa', 'notes', '{"mode": "fast", "tags": null}')) - 'big' - 'price',
  '{"mode": "fast", "nested": {"a": 1, "b": {"d": 3, "e": 5}}}',
  'a merge should set a key and remove another (null removes)');
select is((select settings ->> 'mode' from public.merge_tenant_module_settings(
    'aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa', 'notes', '{"mode": null}')),
  'safe', 'a merge removing a key that has a default should get the default back');
select is((select settings - 'big' - 'price' from public.merge_tenant_module_settings(
    'aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa', 'notes', '{"nested": "flat"}')),
  '{"mode": "safe", "nested": "flat"}'::jsonb,
  'a merge should replace an object by a non-object value');
select is(pg_temp.settings_errors($$ select public.merge_tenant_module_settings(
    'aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa', 'notes', '{"nested": {"x": 1}, "mode": "slow"}') $$),
  '[{"path": "settings.mode", "message": "must be one of: \"fast\", \"safe\""}]',
  'a merge with an invalid result should be refused like any other write');
select is_empty($$ select * from public.merge_tenant_module_settings(
    'aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa', 'zz_reports', '{"x": 1}') $$,
  'a merge into a module the tenant has not installed should return nothing');
select is_empty($$ select * from public.merge_tenant_module_settings(
    'bbbbbbbb-bbbb-4bbb-8bbb-bbbbbbbbbbbb', 'agency', '{"currency": "EUR"}') $$,
  'a merge into another tenant''s module should return nothing');
select throws_ok($$ select public.merge_tenant_module_settings(
    'aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa', 'notes', '[1]') $$,
  '22023', 'the patch must be a JSON object', 'a merge should refuse an array patch');
select throws_ok($$ select public.merge_tenant_module_settings(
    'aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa', 'notes', '"x"') $$,
  '22023', 'the patch must be a JSON object', 'a merge should refuse a string patch');
select throws_ok($$ select public.merge_tenant_module_settings(
    'aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa', 'notes', 'null') $$,
  '22023', 'the patch must be a JSON object', 'a merge should refuse a JSON null patch');
select throws_ok($$ select public.merge_tenant_module_settings(
    'aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa', 'notes', null) $$,
  '22023', 'the patch must be a JSON object', 'a merge should refuse a missing patch');
reset role;

select pg_temp.login_as('33333333-3333-4333-8333-333333333333');
select is_empty($$ select * from public.merge_tenant_module_settings(
    'aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa', 'notes', '{"mode": "fast"}') $$,
  'member should get nothing back from a valid merge');
reset role;
select pg_temp.login_as('55555555-5555-4555-8555-555555555555');
select is_empty($$ select * from public.merge_tenant_module_settings(
    'aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa', 'notes', '{"mode": "fast"}') $$,
  'stranger should get nothing back from a valid merge');
reset role;
select pg_temp.login_service_role();
select is((select settings ->> 'mode' from public.merge_tenant_module_settings(
    'aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa', 'notes', '{"mode": "fast"}')),
  'fast', 'service_role should merge into any tenant''s module');
reset role;
select is((select settings - 'big' - 'price' from public.tenant_modules
    where tenant_id = 'aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa' and module_id = 'notes'),
  '{"mode": "fast", "nested": "flat"}'::jsonb,
  'the notes settings should hold the owner''s and service_role''s merges only');

select * from finish();
rollback;

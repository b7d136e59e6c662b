-- Module versions and settings migrations (issue 9): publishing a version by plain SQL records it
-- in public.module_versions (the same version again refreshes it in place; an older one is
-- refused), tenants stay on their version until they upgrade, an install takes the current one,
-- settings are checked against the installed version's schema, and an upgrade (an update of
-- tenant_modules.version) runs the migrations in between in semver order, then the target's
-- defaults and schema, or changes nothing. Two test modules: `zz_notes` (1.0.0 → 1.1.0 renames a
-- key and moves one into a nested object; → 2.0.0 drops one and computes two with jsonpath) and
-- `zz_timer` (2.0.0 divides by a setting, so a tenant with 0 slots is blocked), then the
-- operators' batch private.upgrade_tenant_modules. One section per persona; 12 covers
-- dependencies and the RPCs.
begin;
\ir fixtures/personas.psql
\ir fixtures/settings.psql
\ir fixtures/versions.psql
select plan(93);

insert into public.tenants (id, name) values
  ('cccccccc-cccc-4ccc-8ccc-cccccccccccc', 'Tenant C'),
  ('dddddddd-dddd-4ddd-8ddd-dddddddddddd', 'Tenant D');

-- What each version of the test modules publishes.
create temp table releases (module_id text, version text, settings_schema jsonb, migrations jsonb,
  primary key (module_id, version)) on commit drop;
insert into releases values
  ('zz_notes', '1.0.0', '{"type": "object", "additionalProperties": false, "properties": {
     "title": {"type": "string"}, "minutes": {"type": "integer", "minimum": 0},
     "plan": {"type": "string", "enum": ["free", "pro"]}, "color": {"type": "string"},
     "legacy": {"type": "boolean"}}}', '{}'),
  ('zz_notes', '1.1.0', '{"type": "object", "additionalProperties": false, "properties": {
     "name": {"type": "string"}, "duration": {"type": "integer", "minimum": 0},
     "plan": {"type": "string", "enum": ["free", "pro"]},
     "theme": {"type": "object", "additionalProperties": false, "properties": {"color": {"type": "string"}}},
     "legacy": {"type": "boolean"}, "lang": {"type": "string", "default": "en"}}}',
   '{"1.1.0": [{"op": "move", "from": "/title", "path": "/name"},
               {"op": "move", "from": "/minutes", "path": "/duration"},
               {"op": "move", "from": "/color", "path": "/theme/color"}]}'),
  -- 1.1.0 republished: one more key, with a default
  ('zz_notes', '1.1.0 refresh', '{"type": "object", "additionalProperties": false, "properties": {
     "name": {"type": "string"}, "duration": {"type": "integer", "minimum": 0},
     "plan": {"type": "string", "enum": ["free", "pro"]},
     "theme": {"type": "object", "additionalProperties": false, "properties": {"color": {"type": "string"}}},
     "legacy": {"type": "boolean"}, "lang": {"type": "string", "default": "en"},
     "compact": {"type": "boolean", "default": false}}}',
   '{"1.1.0": [{"op": "move", "from": "/title", "path": "/name"},
               {"op": "move", "from": "/minutes", "path": "/duration"},
               {"op": "move", "from": "/color", "path": "/theme/color"}]}'),
  ('zz_notes', '2.0.0', '{"type": "object", "additionalProperties": false, "required": ["hours"],
     "properties": {
     "name": {"type": "string"}, "duration": {"type": "integer", "minimum": 0},
     "hours": {"type": "number"}, "is_pro": {"type": "boolean"},
     "plan": {"type": "string", "enum": ["free", "pro"]},
     "theme": {"type": "object", "additionalProperties": false,
       "properties": {"color": {"type": "string", "pattern": "^#[0-9a-f]{6}$"}}},
     "lang": {"type": "string", "default": "en"}, "compact": {"type": "boolean", "default": false},
     "week_start": {"type": "string", "enum": ["monday", "sunday"], "default": "monday"}}}',
   '{"1.1.0": [{"op": "move", "from": "/title", "path": "/name"},
               {"op": "move", "from": "/minutes", "path": "/duration"},
               {"op": "move", "from": "/color", "path": "/theme/color"}],
     "2.0.0": [{"op": "remove", "path": "/legacy"},
               {"op": "compute", "path": "/hours", "jsonpath": "$.duration / 60"},
               {"op": "compute", "path": "/is_pro", "jsonpath": "$.plan == \"pro\""}]}'),
  ('zz_timer', '1.0.0', '{"type": "object", "additionalProperties": false, "properties": {
     "minutes": {"type": "integer", "minimum": 0}, "slots": {"type": "integer", "minimum": 0}}}', '{}'),
  ('zz_timer', '2.0.0', '{"type": "object", "additionalProperties": false, "required": ["per_slot"],
     "properties": {"slots": {"type": "integer", "minimum": 0}, "per_slot": {"type": "number"}}}',
   '{"2.0.0": [{"op": "compute", "path": "/per_slot", "jsonpath": "$.minutes / $.slots"},
               {"op": "remove", "path": "/minutes"}]}');
grant select on releases to authenticated, service_role;

create function pg_temp.release(p_module_id text, p_label text) returns void
language sql as $$
  select pg_temp.publish(r.module_id, split_part(r.version, ' ', 1), r.settings_schema, r.migrations)
  from releases as r where r.module_id = p_module_id and r.version = p_label;
$$;

-- The keys of a tenant's settings, sorted: the shape both upgrade routes must end in.
create function pg_temp.settings_keys(p_tenant_id uuid, p_module_id text) returns text[]
language sql security definer set search_path = '' as $$
  select array(select k from public.tenant_modules as tm, jsonb_object_keys(tm.settings) as k
    where tm.tenant_id = p_tenant_id and tm.module_id = p_module_id order by k);
$$;

-- the catalog, as postgres (operator SQL: `deno task modules:publish`, the seed) ----------------
select lives_ok($$ select pg_temp.release('zz_notes', '1.0.0'), pg_temp.release('zz_timer', '1.0.0') $$,
  'postgres should publish version 1.0.0 of two new modules by plain SQL');
select results_eq($$ select v.version, v.settings_schema = r.settings_schema, v.migrations, v.requires
    from public.module_versions as v join releases as r on r.module_id = v.module_id and r.version = v.version
    where v.module_id = 'zz_notes' $$,
  $$ values ('1.0.0', true, '{}'::jsonb, '{}'::jsonb) $$,
  'inserting a module should record its version in module_versions, with its schema');

insert into public.tenant_modules (tenant_id, module_id, settings) values
  ('aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa', 'zz_notes',
   '{"title": "Notes A", "minutes": 90, "plan": "pro", "color": "#123456", "legacy": true}'),
  ('bbbbbbbb-bbbb-4bbb-8bbb-bbbbbbbbbbbb', 'zz_notes',
   '{"title": "Notes B", "minutes": 30, "plan": "free", "color": "#abcdef", "legacy": false}'),
  ('aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa', 'zz_timer', '{"minutes": 60, "slots": 0}'),
  ('bbbbbbbb-bbbb-4bbb-8bbb-bbbbbbbbbbbb', 'zz_timer', '{"minutes": 90, "slots": 3}');

select results_eq($$ select tenant_id, module_id, version from public.tenant_modules
    where module_id in ('zz_notes', 'zz_timer') order by 1, 2 $$,
  $$ values ('aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa'::uuid, 'zz_notes', '1.0.0'),
            ('aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa'::uuid, 'zz_timer', '1.0.0'),
            ('bbbbbbbb-bbbb-4bbb-8bbb-bbbbbbbbbbbb'::uuid, 'zz_notes', '1.0.0'),
            ('bbbbbbbb-bbbb-4bbb-8bbb-bbbbbbbbbbbb'::uuid, 'zz_timer', '1.0.0') $$,
  'an install without a version should take the module''s current version');

select lives_ok($$ select pg_temp.release('zz_notes', '1.1.0') $$,
  'postgres should publish version 1.1.0 with its migrations by plain SQL');
select is(pg_temp.versions_of('zz_notes'), array['1.0.0', '1.1.0'],
  'a new version should be recorded beside the old one');
select is((select migrations from public.module_versions where module_id = 'zz_notes' and version = '1.1.0'),
  (select migrations from releases where module_id = 'zz_notes' and version = '1.1.0'),
  'the new version should keep the migrations it was published with');
select is((select settings_schema from public.module_versions where module_id = 'zz_notes' and version = '1.0.0'),
  (select settings_schema from releases where module_id = 'zz_notes' and version = '1.0.0'),
  'the old version should keep its own settings schema');
select results_eq($$ select tenant_id, version, settings from public.tenant_modules
    where module_id = 'zz_notes' order by 1 $$,
  $$ values ('aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa'::uuid, '1.0.0',
             '{"title": "Notes A", "minutes": 90, "plan": "pro", "color": "#123456", "legacy": true}'::jsonb),
            ('bbbbbbbb-bbbb-4bbb-8bbb-bbbbbbbbbbbb'::uuid, '1.0.0',
             '{"title": "Notes B", "minutes": 30, "plan": "free", "color": "#abcdef", "legacy": false}'::jsonb) $$,
  'tenants should stay on their version, settings untouched, when a new one is published');
select lives_ok($$ insert into public.tenant_modules (tenant_id, module_id, settings)
    values ('cccccccc-cccc-4ccc-8ccc-cccccccccccc', 'zz_notes', '{"name": "Notes C", "duration": 45}') $$,
  'an install after the publication should be accepted with settings of the new version');
select is(pg_temp.installed('cccccccc-cccc-4ccc-8ccc-cccccccccccc', 'zz_notes'),
  '1.1.0 enabled {"lang": "en", "name": "Notes C", "duration": 45}',
  'an install should take the current version and its defaults');
select throws_ok($$ insert into public.tenant_modules (tenant_id, module_id, version)
    values ('dddddddd-dddd-4ddd-8ddd-dddddddddddd', 'zz_notes', '1.0.0') $$,
  '23514', 'module "zz_notes" is installed at its current version, 1.1.0, not 1.0.0',
  'an install naming another version than the current one should be refused (23514)');
select lives_ok($$ insert into public.tenant_modules (tenant_id, module_id, version, settings)
    values ('dddddddd-dddd-4ddd-8ddd-dddddddddddd', 'zz_notes', '1.1.0',
      '{"duration": 10, "theme": {"color": "red"}}') $$,
  'an install naming the current version should be accepted');

-- same version again: a refresh
select lives_ok($$ select pg_temp.release('zz_notes', '1.1.0 refresh') $$,
  'publishing the same version again should be accepted (a refresh)');
select is(pg_temp.versions_of('zz_notes'), array['1.0.0', '1.1.0'],
  'a refresh should not record another version');
select is((select settings_schema from public.module_versions where module_id = 'zz_notes' and version = '1.1.0'),
  (select settings_schema from releases where module_id = 'zz_notes' and version = '1.1.0 refresh'),
  'a refresh should replace the version''s schema in place');
select results_eq($$ select tenant_id, settings -> 'compact' from public.tenant_modules
    where module_id = 'zz_notes' order by 1 $$,
  $$ values ('aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa'::uuid, null::jsonb),
            ('bbbbbbbb-bbbb-4bbb-8bbb-bbbbbbbbbbbb'::uuid, null),
            ('cccccccc-cccc-4ccc-8ccc-cccccccccccc'::uuid, 'false'),
            ('dddddddd-dddd-4ddd-8ddd-dddddddddddd'::uuid, 'false') $$,
  'a refresh should fill its new defaults in for the tenants on that version only (1.0.0 tenants, whose keys it rejects, are not checked)');
select throws_ok($$ update public.modules set settings_schema = settings_schema || '{"required": ["theme"]}'
    where id = 'zz_notes' $$,
  '23514', 'the new settings schema of module "zz_notes" would reject the settings of 1 tenant(s)',
  'a refresh whose schema rejects the settings of tenants on that version should be refused');

-- versions only move forward
select throws_ok($$ update public.modules set version = '1.0.5', migrations = '{}' where id = 'zz_notes' $$,
  '23514', 'version 1.0.5 of module "zz_notes" is older than its latest published version, 1.1.0',
  'publishing a version older than the latest should be refused (23514)');
select is(pg_temp.refusal($$ update public.modules set version = '1.0.0', migrations = '{}'
    where id = 'zz_notes' $$) ->> 'constraint',
  'modules_version_order', 'publishing an earlier version again should be refused by modules_version_order');
select is((select version from public.modules where id = 'zz_notes'), '1.1.0',
  'a refused publication should leave the current version as it was');

-- settings are checked against the installed version's schema
select is(pg_temp.settings_errors($$ update public.tenant_modules set settings = settings || '{"name": "A"}'
    where tenant_id = 'aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa' and module_id = 'zz_notes' $$),
  '[{"path": "settings", "message": "unknown key \"name\""}]',
  'a tenant on 1.0.0 should be refused a key only 1.1.0 knows (its own version''s schema applies)');
select is(pg_temp.settings_errors($$ update public.tenant_modules set settings = settings || '{"title": "C"}'
    where tenant_id = 'cccccccc-cccc-4ccc-8ccc-cccccccccccc' and module_id = 'zz_notes' $$),
  '[{"path": "settings", "message": "unknown key \"title\""}]',
  'a tenant on 1.1.0 should be refused a key only 1.0.0 knows');
select lives_ok($$ update public.tenant_modules set settings = settings || '{"title": "Notes A"}'
    where tenant_id = 'aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa' and module_id = 'zz_notes' $$,
  'a tenant on 1.0.0 should keep writing the keys of 1.0.0');

-- malformed migrations and requirements are refused at publication, with their paths
select is(pg_temp.refusal($$ update public.modules set version = '1.2.0', migrations = '{
    "x": [],
    "9.0.0": [],
    "1.1.5": {"op": "remove", "path": "/a"},
    "1.2.0": [{"op": "move", "path": "/a"},
              {"op": "compute", "path": "a", "jsonpath": "$.a +"},
              {"op": "rename", "from": "/a", "path": "/b"},
              {"op": "remove", "path": "/a", "value": 1},
              {"op": "add", "path": "/a/~2"}]}' where id = 'zz_notes' $$),
  jsonb_build_object('sqlstate', '23514', 'constraint', 'modules_contract',
    'message', 'invalid requires or migrations for module "zz_notes"',
    'detail', '[
      {"path": "migrations.x", "message": "must be keyed by a semantic version such as 2.0.0"},
      {"path": "migrations[\"1.1.5\"]", "message": "must be a list of steps"},
      {"path": "migrations[\"1.2.0\"][0]", "message": "a \"move\" step needs \"from\""},
      {"path": "migrations[\"1.2.0\"][1].path", "message": "must be a JSON Pointer to a key inside the settings, such as /branding/color"},
      {"path": "migrations[\"1.2.0\"][1].jsonpath", "message": "is not an SQL/JSON path expression: syntax error at end of jsonpath input"},
      {"path": "migrations[\"1.2.0\"][2]", "message": "must be a step: {\"op\": \"add\" | \"replace\" | \"remove\" | \"move\" | \"copy\" | \"compute\", ...}"},
      {"path": "migrations[\"1.2.0\"][3].value", "message": "is not a property of a \"remove\" step"},
      {"path": "migrations[\"1.2.0\"][4]", "message": "a \"add\" step needs \"value\""},
      {"path": "migrations[\"1.2.0\"][4].path", "message": "must be a JSON Pointer to a key inside the settings, such as /branding/color"},
      {"path": "migrations[\"9.0.0\"]", "message": "is a migration to 9.0.0, after the version being published (1.2.0)"}]'::jsonb),
  'malformed migrations should be refused at publication (23514, modules_contract), each problem with its path');
select is(pg_temp.refusal($$ update public.modules set migrations = '[]' where id = 'zz_notes' $$) -> 'detail',
  '[{"path": "migrations", "message": "must be an object of versions to lists of steps"}]',
  'migrations that are not an object should be refused at publication');
select is((select array_agg(e ->> 'path' order by e ->> 'path') from jsonb_array_elements(pg_temp.refusal(
    $$ update public.modules set requires = '{"zz_timer": 1, "agency": "latest", "zz_notes": "^1.0.0"}'
       where id = 'zz_notes' $$) -> 'detail') as e),
  array['requires.agency', 'requires.zz_notes', 'requires.zz_timer'],
  'malformed requirements (not a string, not a range, the module itself) should be refused at publication with their paths');
select is(pg_temp.refusal($$ update public.modules set requires = '[]' where id = 'zz_notes' $$) -> 'detail',
  '[{"path": "requires", "message": "must be an object of module ids to version ranges"}]',
  'requirements that are not an object should be refused at publication');
select is(pg_temp.versions_of('zz_notes'), array['1.0.0', '1.1.0'],
  'refused publications should record no version');

-- migrations run in semver order (1.0.10 before 1.1.0, whatever the order of the JSON keys), and
-- each kind of step does what it says when its source or target is absent
select lives_ok($$
    select pg_temp.publish('zz_order', '1.0.0');
    insert into public.tenant_modules (tenant_id, module_id, settings)
      values ('aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa', 'zz_order', '{"gone": 1, "kept": true}');
    select pg_temp.publish('zz_order', '1.1.0', null, '{
      "1.1.0": [{"op": "copy", "from": "/log", "path": "/history/first"},
                {"op": "compute", "path": "/gone", "jsonpath": "$.nothing"},
                {"op": "move", "from": "/nothing", "path": "/moved"},
                {"op": "replace", "path": "/kept", "value": false}],
      "1.0.10": [{"op": "add", "path": "/log", "value": ["1.0.10"]},
                 {"op": "replace", "path": "/absent", "value": 1}]}') $$,
  'postgres should publish a module whose migrations skip a patch version (1.0.10)');
select results_eq($$ update public.tenant_modules set version = '1.1.0'
    where tenant_id = 'aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa' and module_id = 'zz_order' returning settings $$,
  $$ values ('{"log": ["1.0.10"], "history": {"first": ["1.0.10"]}, "kept": false}'::jsonb) $$,
  'an upgrade should run the migrations in semver order (add, then copy into a new nested object); replace and move of an absent key do nothing; a compute with no result removes its path');

-- service_role publishes through the REST API ------------------------------------------------
select pg_temp.login_service_role();
select lives_ok($$ select pg_temp.release('zz_notes', '2.0.0'), pg_temp.release('zz_timer', '2.0.0') $$,
  'service_role should publish version 2.0.0 of both modules');
select is(pg_temp.versions_of('zz_notes'), array['1.0.0', '1.1.0', '2.0.0'],
  'service_role should read every recorded version, 2.0.0 included');
select throws_ok($$ insert into public.module_versions (module_id, version) values ('zz_notes', '9.0.0') $$,
  '42501', 'permission denied for table module_versions',
  'service_role should not record a version by writing module_versions');
select throws_ok($$ update public.module_versions set settings_schema = null where module_id = 'zz_notes' $$,
  '42501', null, 'service_role should not change a recorded version');
select throws_ok($$ delete from public.module_versions where module_id = 'zz_notes' $$,
  '42501', null, 'service_role should not delete a recorded version');
reset role;

insert into public.tenant_modules (tenant_id, module_id, settings) values
  ('cccccccc-cccc-4ccc-8ccc-cccccccccccc', 'zz_timer', '{"slots": 2, "per_slot": 45}');

-- owner of A: the REST path, an update of tenant_modules.version ------------------------------
select pg_temp.login_as('11111111-1111-4111-8111-111111111111');
select lives_ok($$ update public.tenant_modules set settings = settings || '{"color": "red"}'
    where module_id = 'zz_notes' $$,
  'owner should write a color 1.0.0 accepts and 2.0.0 does not');
select throws_ok($$ update public.tenant_modules set version = '2.0.0' where module_id = 'zz_notes' $$,
  '23514', 'module "zz_notes" cannot be upgraded to 2.0.0: the migrated settings do not fit its settings schema',
  'owner should be refused an upgrade whose migrated settings fail the target schema (23514)');
select is(pg_temp.settings_errors($$ update public.tenant_modules set version = '2.0.0'
    where module_id = 'zz_notes' $$, 'tenant_modules_upgrade'),
  '[{"path": "settings.theme.color", "message": "must match the pattern ^#[0-9a-f]{6}$"}]',
  'the refused upgrade should name the failing paths of the migrated settings (constraint tenant_modules_upgrade)');
select is(pg_temp.installed('aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa', 'zz_notes'),
  '1.0.0 enabled {"plan": "pro", "color": "red", "title": "Notes A", "legacy": true, "minutes": 90}',
  'a blocked upgrade should change nothing');
select lives_ok($$ update public.tenant_modules set settings = settings || '{"color": "#123456"}'
    where module_id = 'zz_notes' $$,
  'owner should fix the color');
select results_eq($$ update public.tenant_modules set version = '2.0.0' where module_id = 'zz_notes'
    returning version, settings $$,
  $$ values ('2.0.0', '{"name": "Notes A", "duration": 90, "hours": 1.5, "is_pro": true, "plan": "pro",
    "theme": {"color": "#123456"}, "lang": "en", "compact": false, "week_start": "monday"}'::jsonb) $$,
  'owner should upgrade 1.0.0 → 2.0.0 in one update: both migrations in order (rename, nest, drop, compute), then the target''s defaults');
select throws_ok($$ update public.tenant_modules set version = '1.1.0' where module_id = 'zz_notes' $$,
  '23514', 'module "zz_notes" cannot be downgraded from 2.0.0 to 1.1.0',
  'owner should not downgrade a module (23514)');
select throws_ok($$ update public.tenant_modules set version = '3.0.0' where module_id = 'zz_notes' $$,
  '23503', 'module "zz_notes" has no version 3.0.0',
  'owner should not upgrade to a version that was never published (23503)');
select is(pg_temp.refusal($$ update public.tenant_modules set version = '1.0.0' where module_id = 'zz_notes' $$)
    ->> 'constraint',
  'tenant_modules_no_downgrade', 'a downgrade should be refused by tenant_modules_no_downgrade');
select is_empty($$ update public.tenant_modules set version = '2.0.0'
    where tenant_id = 'bbbbbbbb-bbbb-4bbb-8bbb-bbbbbbbbbbbb' returning id $$,
  'owner should not upgrade tenant B''s modules');
select throws_ok($$ update public.tenant_modules set settings = '{"title": "Notes A", "hours": 1}'
    where module_id = 'zz_notes' $$,
  '23514', 'invalid settings for module "zz_notes"',
  'owner should be refused, on 2.0.0, a key only 1.0.0 knows');
select lives_ok($$ update public.tenant_modules set settings = settings || '{"name": "Renamed"}'
    where module_id = 'zz_notes' $$,
  'owner should write, on 2.0.0, the keys of 2.0.0');
select ok(public.tenant_has_module('aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa', 'zz_notes'),
  'tenant_has_module should still say yes for an enabled module after an upgrade');
select ok(not public.tenant_has_module('bbbbbbbb-bbbb-4bbb-8bbb-bbbbbbbbbbbb', 'zz_notes'),
  'tenant_has_module should still say no for another tenant''s module');
reset role;

-- admin of A: a failing migration step; settings written with the version --------------------
select pg_temp.login_as('22222222-2222-4222-8222-222222222222');
select throws_ok($$ update public.tenant_modules set version = '2.0.0' where module_id = 'zz_timer' $$,
  '23514', 'step 0 of the migration to 2.0.0 failed: division by zero',
  'admin should be refused an upgrade whose migration step fails (23514), naming the step');
select is(pg_temp.refusal($$ update public.tenant_modules set version = '2.0.0' where module_id = 'zz_timer' $$),
  '{"sqlstate": "23514", "constraint": "tenant_modules_upgrade",
    "message": "step 0 of the migration to 2.0.0 failed: division by zero",
    "detail": [{"path": "settings.per_slot", "message": "step 0 of the migration to 2.0.0 failed: division by zero"}]}',
  'the failing step should be reported with the path it writes (constraint tenant_modules_upgrade)');
select is(pg_temp.installed('aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa', 'zz_timer'),
  '1.0.0 enabled {"slots": 0, "minutes": 60}', 'a failing step should change nothing');
select is(pg_temp.settings_errors($$ update public.tenant_modules set version = '2.0.0', settings = '{"slots": 0}'
    where module_id = 'zz_timer' $$, 'tenant_modules_upgrade'),
  '[{"path": "settings.per_slot", "message": "is required"}]',
  'settings written with the version should be checked as they are against the target schema');
select is(pg_temp.installed('aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa', 'zz_timer'),
  '1.0.0 enabled {"slots": 0, "minutes": 60}', 'the refused upgrade with settings should change nothing');
select results_eq($$ select version from public.module_versions where module_id = 'zz_notes'
    order by published_at, version $$,
  $$ values ('1.0.0'), ('1.1.0'), ('2.0.0') $$, 'admin should read every published version');
select throws_ok($$ insert into public.module_versions (module_id, version) values ('zz_notes', '9.0.0') $$,
  '42501', 'permission denied for table module_versions', 'admin should not write module_versions');
select is_empty($$ update public.modules set version = '9.0.0' where id = 'zz_notes' returning id $$,
  'admin should not publish a version through the catalog');
reset role;

-- member of A: reads, never upgrades ---------------------------------------------------------
select pg_temp.login_as('33333333-3333-4333-8333-333333333333');
select results_eq($$ select module_id, version from public.tenant_modules
    where module_id in ('zz_notes', 'zz_timer') order by 1 $$,
  $$ values ('zz_notes', '2.0.0'), ('zz_timer', '1.0.0') $$,
  'member should see which version tenant A runs');
select is_empty($$ update public.tenant_modules set version = '2.0.0' where module_id = 'zz_timer' returning id $$,
  'member should not upgrade a module');
select is(pg_temp.versions_of('zz_timer'), array['1.0.0', '2.0.0'],
  'member should read the published versions');
select throws_ok($$ update public.module_versions set settings_schema = null $$,
  '42501', null, 'member should not change a published version');
select throws_ok($$ delete from public.module_versions $$,
  '42501', null, 'member should not delete a published version');
reset role;

-- outsider (signed in, no tenant) ------------------------------------------------------------
select pg_temp.login_as('55555555-5555-4555-8555-555555555555');
select is_empty($$ update public.tenant_modules set version = '2.0.0' returning id $$,
  'outsider should upgrade nothing');
select is(pg_temp.versions_of('zz_notes'), array['1.0.0', '1.1.0', '2.0.0'],
  'outsider should read the published versions (the catalog is open to signed-in users)');
select throws_ok($$ insert into public.module_versions (module_id, version) values ('zz_notes', '9.0.0') $$,
  '42501', null, 'outsider should not write module_versions');
select is_empty($$ update public.modules set version = '9.0.0' returning id $$,
  'outsider should not publish a version');
reset role;

-- admin of B: one version at a time ----------------------------------------------------------
select pg_temp.login_as('44444444-4444-4444-8444-444444444444');
select throws_ok($$ update public.tenant_modules set settings = settings || '{"name": "B"}'
    where module_id = 'zz_notes' $$,
  '23514', 'invalid settings for module "zz_notes"',
  'admin of B should be refused, on 1.0.0, a key only 1.1.0 knows');
select results_eq($$ update public.tenant_modules set version = '1.1.0' where module_id = 'zz_notes'
    returning version, settings $$,
  $$ values ('1.1.0', '{"name": "Notes B", "duration": 30, "plan": "free", "theme": {"color": "#abcdef"},
    "legacy": false, "lang": "en", "compact": false}'::jsonb) $$,
  'admin of B should upgrade 1.0.0 → 1.1.0: keys renamed and moved into a nested object, then the defaults');
select results_eq($$ update public.tenant_modules set version = '2.0.0' where module_id = 'zz_notes'
    returning version, settings $$,
  $$ values ('2.0.0', '{"name": "Notes B", "duration": 30, "hours": 0.5, "is_pro": false, "plan": "free",
    "theme": {"color": "#abcdef"}, "lang": "en", "compact": false, "week_start": "monday"}'::jsonb) $$,
  'admin of B should upgrade 1.1.0 → 2.0.0, running only the migration to 2.0.0');
select lives_ok($$ update public.tenant_modules set version = '2.0.0' where module_id = 'zz_notes' $$,
  'admin of B should write the version it already runs (nothing to migrate)');
select is_empty($$ update public.tenant_modules set version = '2.0.0'
    where tenant_id = 'aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa' returning id $$,
  'admin of B should not upgrade tenant A''s modules');
reset role;

select is(pg_temp.settings_keys('bbbbbbbb-bbbb-4bbb-8bbb-bbbbbbbbbbbb', 'zz_notes'),
  pg_temp.settings_keys('aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa', 'zz_notes'),
  'one version at a time and all at once should end with the same settings keys');

-- anon ---------------------------------------------------------------------------------------
select pg_temp.login_anon();
select throws_ok($$ select version from public.module_versions $$, '42501', null,
  'anon should not read module_versions (no privilege at all)');
select throws_ok($$ insert into public.module_versions (module_id, version) values ('zz_notes', '9.0.0') $$,
  '42501', null, 'anon should not write module_versions');
select is_empty($$ update public.tenant_modules set version = '2.0.0' returning id $$,
  'anon should upgrade nothing');
select ok(not public.tenant_has_module('aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa', 'zz_notes'),
  'tenant_has_module should still say no to anon');
reset role;

-- service_role -------------------------------------------------------------------------------
select pg_temp.login_service_role();
select results_eq($$ update public.tenant_modules set version = '2.0.0', settings = '{"name": "Notes C", "hours": 1}'
    where tenant_id = 'cccccccc-cccc-4ccc-8ccc-cccccccccccc' and module_id = 'zz_notes'
    returning version, settings $$,
  $$ values ('2.0.0', '{"name": "Notes C", "hours": 1, "lang": "en", "compact": false, "week_start": "monday"}'::jsonb) $$,
  'settings written with the version should be taken as already migrated (no step runs), then the target''s defaults');
select is(pg_temp.settings_errors($$ update public.tenant_modules set version = '2.0.0'
    where tenant_id = 'dddddddd-dddd-4ddd-8ddd-dddddddddddd' and module_id = 'zz_notes' $$,
    'tenant_modules_upgrade'),
  '[{"path": "settings.theme.color", "message": "must match the pattern ^#[0-9a-f]{6}$"}]',
  'service_role should be refused an upgrade whose migrated settings fail the schema, like anyone');
select throws_ok($$ update public.tenant_modules set version = '1.1.0'
    where tenant_id = 'cccccccc-cccc-4ccc-8ccc-cccccccccccc' and module_id = 'zz_notes' $$,
  '23514', 'module "zz_notes" cannot be downgraded from 2.0.0 to 1.1.0',
  'service_role should not downgrade a module either');
select throws_ok($$ insert into public.tenant_modules (tenant_id, module_id, version)
    values ('dddddddd-dddd-4ddd-8ddd-dddddddddddd', 'zz_timer', '1.0.0') $$,
  '23514', 'module "zz_timer" is installed at its current version, 2.0.0, not 1.0.0',
  'service_role should not install an old version');
reset role;

-- postgres: the operators' batch (`deno task modules:upgrade`) --------------------------------
select results_eq($$ select tenant_id, from_version, outcome
    from private.upgrade_tenant_modules('zz_timer', '2.0.0', null, 2) $$,
  $$ values ('aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa'::uuid, '1.0.0', 'blocked'),
            ('bbbbbbbb-bbbb-4bbb-8bbb-bbbbbbbbbbbb'::uuid, '1.0.0', 'upgraded') $$,
  'the batch should upgrade the first p_limit tenants by id, each on its own, a blocked one reported');
select results_eq($$ select tenant_id, from_version, outcome
    from private.upgrade_tenant_modules('zz_timer', '2.0.0', 'bbbbbbbb-bbbb-4bbb-8bbb-bbbbbbbbbbbb', 2) $$,
  $$ values ('cccccccc-cccc-4ccc-8ccc-cccccccccccc'::uuid, '2.0.0', 'current') $$,
  'the next batch should start after p_after (keyset paging), a tenant already there reported current');
select is_empty($$ select * from private.upgrade_tenant_modules('zz_timer', '2.0.0',
    'cccccccc-cccc-4ccc-8ccc-cccccccccccc', 2) $$,
  'the batch after the last tenant should be empty');
select results_eq($$ select version, settings from public.tenant_modules
    where tenant_id = 'bbbbbbbb-bbbb-4bbb-8bbb-bbbbbbbbbbbb' and module_id = 'zz_timer' $$,
  $$ values ('2.0.0', '{"slots": 3, "per_slot": 30}'::jsonb) $$,
  'the upgraded tenant should have its settings migrated');
select is(pg_temp.installed('aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa', 'zz_timer'),
  '1.0.0 enabled {"slots": 0, "minutes": 60}', 'the blocked tenant should be left as it was');
select results_eq($$ select outcome, message, errors
    from private.upgrade_tenant_modules('zz_timer', '2.0.0', null, 1) $$,
  $$ values ('blocked', 'step 0 of the migration to 2.0.0 failed: division by zero',
    '[{"path": "settings.per_slot", "message": "step 0 of the migration to 2.0.0 failed: division by zero"}]'::jsonb) $$,
  'a blocked tenant should come with the database''s message and errors');
select results_eq($$ select outcome, message, errors
    from private.upgrade_tenant_modules('zz_notes', '2.0.0', 'cccccccc-cccc-4ccc-8ccc-cccccccccccc', 10) $$,
  $$ values ('blocked', 'module "zz_notes" cannot be upgraded to 2.0.0: the migrated settings do not fit its settings schema',
    '[{"path": "settings.theme.color", "message": "must match the pattern ^#[0-9a-f]{6}$"}]'::jsonb) $$,
  'a tenant whose migrated settings fail the schema should be reported blocked with the failing paths');
select results_eq($$ select tenant_id, outcome from private.upgrade_tenant_modules('zz_timer', '2.0.0', null, null) $$,
  $$ values ('aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa'::uuid, 'blocked'),
            ('bbbbbbbb-bbbb-4bbb-8bbb-bbbbbbbbbbbb'::uuid, 'current'),
            ('cccccccc-cccc-4ccc-8ccc-cccccccccccc'::uuid, 'current') $$,
  'running the batch again should only report (nothing left to upgrade but the blocked tenant)');
insert into public.tenants (id, name) values ('00000000-0000-0000-0000-000000000000', 'Nil');
insert into public.tenant_modules (tenant_id, module_id, settings)
  values ('00000000-0000-0000-0000-000000000000', 'zz_timer', '{"slots": 1, "per_slot": 1}');
select is((select count(*)::int from private.upgrade_tenant_modules('zz_timer', '2.0.0', null, null)
  where tenant_id = '00000000-0000-0000-0000-000000000000'), 1,
  'the first batch should include a tenant whose id is the nil UUID');
select throws_ok($$ select * from private.upgrade_tenant_modules('zz_timer', '9.9.9', null, 10) $$,
  '22023', 'module "zz_timer" has no version 9.9.9', 'the batch should refuse an unknown version (22023)');
select pg_temp.login_as('22222222-2222-4222-8222-222222222222');
select throws_ok($$ select * from private.upgrade_tenant_modules('zz_timer', '2.0.0', null, 10) $$,
  '42501', 'permission denied for function upgrade_tenant_modules', 'an admin should not run the batch');
reset role;
select pg_temp.login_service_role();
select throws_ok($$ select * from private.upgrade_tenant_modules('zz_timer', '2.0.0', null, 10) $$,
  '42501', 'permission denied for function upgrade_tenant_modules', 'service_role should not run the batch');
reset role;
select pg_temp.login_anon();
select throws_ok($$ select * from private.upgrade_tenant_modules('zz_timer', '2.0.0', null, 10) $$,
  '42501', null, 'anon should not run the batch');
reset role;

select * from finish();
rollback;

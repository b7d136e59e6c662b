-- Publishing settings schemas to the catalog (public.modules.settings_schema), as service_role (a
-- REST client with the service key) and as postgres (`deno task modules:publish`, the seed): a
-- schema outside the supported subset of JSON Schema is refused with 23514 (constraint
-- modules_settings_schema) and the offending path; a schema some installed tenant's settings fail
-- is refused with 23514 (modules_settings_schema_compatible) listing those tenants; a compatible
-- schema's new defaults are written into the installed rows; null accepts any object again. Only
-- service_role and postgres write the catalog.
begin;
\ir fixtures/personas.psql
\ir fixtures/settings.psql
select plan(69);

insert into public.tenants (id, name) values ('cccccccc-cccc-4ccc-8ccc-cccccccccccc', 'Tenant C');

create temp table agency_before on commit drop as
  select settings_schema from public.modules where id = 'agency';
grant select on agency_before to service_role;

-- schemas the catalog refuses, and the path each refusal names
create temp table bad_schemas (ord integer, label text, settings_schema jsonb, path text)
on commit drop;
insert into bad_schemas values
  (1, 'the unsupported keyword oneOf',
   '{"type": "object", "properties": {"mode": {"oneOf": [{"const": "fast"}, {"const": "safe"}]}}}',
   'settings_schema.properties.mode'),
  (2, 'the unsupported keyword $ref',
   '{"type": "object", "properties": {"mode": {"$ref": "#/$defs/mode"}}}',
   'settings_schema.properties.mode'),
  (3, 'the unsupported keyword patternProperties',
   '{"type": "object", "patternProperties": {"^x_": {"type": "string"}}}',
   'settings_schema'),
  (4, 'the unsupported keyword prefixItems',
   '{"type": "object", "properties": {"pair": {"type": "array", "prefixItems": [{"type": "string"}]}}}',
   'settings_schema.properties.pair'),
  (5, 'minimum given as the string "1"',
   '{"type": "object", "properties": {"n": {"type": "integer", "minimum": "1"}}}',
   'settings_schema.properties.n.minimum'),
  (6, 'the misspelt type "strin"',
   '{"type": "object", "properties": {"s": {"type": "strin"}}}',
   'settings_schema.properties.s.type'),
  (7, 'required naming a key twice',
   '{"type": "object", "required": ["a", "a"], "properties": {"a": {}}}',
   'settings_schema.required'),
  (8, 'a pattern with a back-reference',
   '{"type": "object", "properties": {"s": {"type": "string", "pattern": "^(a)\\1$"}}}',
   'settings_schema.properties.s.pattern'),
  (9, 'a pattern with a lookbehind',
   '{"type": "object", "properties": {"s": {"type": "string", "pattern": "(?<=#)[0-9a-f]+"}}}',
   'settings_schema.properties.s.pattern'),
  (10, 'a default that fails its own schema',
   '{"type": "object", "properties": {"n": {"type": "integer", "minimum": 1, "default": 0}}}',
   'settings_schema.properties.n.default'),
  (11, 'a root type that excludes object',
   '{"type": ["array", "null"]}',
   'settings_schema.type'),
  (12, 'another JSON Schema dialect',
   '{"$schema": "http://json-schema.org/draft-07/schema#", "type": "object"}',
   'settings_schema.$schema'),
  (13, 'an unsupported format',
   '{"type": "object", "properties": {"host": {"type": "string", "format": "hostname"}}}',
   'settings_schema.properties.host.format');
grant select on bad_schemas to service_role;

create function pg_temp.update_sql(p_schema jsonb) returns text
language sql as $$
  select format('update public.modules set settings_schema = %L where id = %L', p_schema, 'agency');
$$;

-- what `deno task modules:publish` and supabase/seed.sql run
create function pg_temp.upsert_sql(p_id text, p_schema jsonb) returns text
language sql as $$
  select format($f$insert into public.modules (id, name, description, version, settings_schema)
    values (%L, %L, null, '1.0.0', %L)
    on conflict (id) do update set settings_schema = excluded.settings_schema
    where modules.settings_schema is distinct from excluded.settings_schema$f$,
    p_id, initcap(p_id), p_schema);
$$;

-- The tenants a compatibility refusal lists, with their failing paths.
create function pg_temp.incompatible(p_sql text) returns jsonb
language sql as $$
  select case
    when r ->> 'sqlstate' = '23514' and r ->> 'constraint' = 'modules_settings_schema_compatible'
      then r -> 'detail'
    else r
  end
  from pg_temp.refusal(p_sql) as r;
$$;

-- service_role publishes --------------------------------------------------------------------
select pg_temp.login_service_role();
select is(pg_temp.verdict_of(pg_temp.settings_errors(pg_temp.update_sql(b.settings_schema),
    'modules_settings_schema')),
  'refused at ' || b.path,
  format('service_role should not publish a schema with %s (23514 at %s)', b.label, b.path))
from bad_schemas as b order by b.ord;
select is(pg_temp.settings_errors(pg_temp.update_sql(
    '{"type": "object", "properties": {"n": {"type": "integer", "minimum": "1"}, "s": {"type": "string", "pattern": "(a)\\1"}}}'),
    'modules_settings_schema'),
  '[{"path": "settings_schema.properties.n.minimum", "message": "must be a number"},
    {"path": "settings_schema.properties.s.pattern", "message": "uses a back-reference, which is not supported"}]',
  'service_role should be told every problem of a schema, each with its path and reason');
select is(pg_temp.settings_errors(pg_temp.update_sql('{"type": "string"}'), 'modules_settings_schema'),
  '[{"path": "settings_schema.type", "message": "must allow \"object\": settings are always a JSON object"}]',
  'service_role should be told why a root type without object is refused');
select is(pg_temp.settings_errors(pg_temp.update_sql(
    '{"type": "object", "properties": {"n": {"type": "integer", "minimum": 1, "default": 0}}}'),
    'modules_settings_schema'),
  '[{"path": "settings_schema.properties.n.default", "message": "does not match its own schema: default must be at least 1"}]',
  'service_role should be told why a default is refused');
select matches(pg_temp.settings_errors(pg_temp.update_sql(b.settings_schema),
    'modules_settings_schema') -> 0 ->> 'message',
  '^uses the keyword "oneOf", which is not supported',
  'service_role should be told which keyword is not supported')
from bad_schemas as b where b.ord = 1;
select throws_ok(pg_temp.update_sql('{"type": "object", "allOf": []}'),
  '23514', 'unsupported settings schema for module "agency"',
  'a refused schema should fail with 23514 and name the module');
select throws_ok($$ insert into public.modules (id, name, settings_schema)
    values ('zz_crm', 'CRM', '{"type": "object", "anyOf": []}') $$,
  '23514', 'unsupported settings schema for module "zz_crm"',
  'service_role should not add a module with an unsupported schema either');
select lives_ok($$ insert into public.modules (id, name, settings_schema) values ('zz_crm', 'CRM',
    '{"type": "object", "properties": {"pipeline": {"type": "string", "pattern": "^[a-z]+(-[a-z]+)*$", "default": "sales"}}}') $$,
  'service_role should add a module with a supported schema');
select results_eq($$ select settings_schema from public.modules where id = 'agency' $$,
  $$ select settings_schema from agency_before $$,
  'the refused schemas should have left agency''s schema as it was');
reset role;

select ok(exists (select 1 from private.json_schema_patterns
    where pattern = '^[a-z]+(-[a-z]+)*$' and are is not null),
  'publishing should store the translation of the schema''s patterns');
insert into public.tenant_modules (tenant_id, module_id) values ('aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa', 'zz_crm');
select is((select settings from public.tenant_modules
    where tenant_id = 'aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa' and module_id = 'zz_crm'),
  '{"pipeline": "sales"}', 'a module published with a schema should be installed with its defaults');

-- postgres publishes the way modules:publish does ------------------------------------------
select is(pg_temp.verdict_of(pg_temp.settings_errors(pg_temp.upsert_sql('agency', b.settings_schema),
    'modules_settings_schema')),
  'refused at ' || b.path,
  format('postgres should not publish a schema with %s (23514 at %s)', b.label, b.path))
from bad_schemas as b order by b.ord;
select is(pg_temp.verdict_of(pg_temp.settings_errors(pg_temp.upsert_sql('helpdesk', b.settings_schema),
    'modules_settings_schema')),
  'refused at ' || b.path,
  format('postgres should not add a module whose schema has %s', b.label))
from bad_schemas as b where b.ord in (1, 8, 11) order by b.ord;
select is(pg_temp.settings_errors(pg_temp.upsert_sql('helpdesk', 'false'), 'modules_settings_schema'),
  '[{"path": "settings_schema", "message": "must accept some settings (false accepts none)"}]',
  'postgres should not publish the schema false');
select is(pg_temp.settings_errors(pg_temp.upsert_sql('helpdesk', '[]'), 'modules_settings_schema'),
  '[{"path": "settings_schema", "message": "must be a schema: an object, true or false"}]',
  'postgres should not publish a schema that is not a schema');
select lives_ok(pg_temp.upsert_sql('helpdesk', 'true'),
  'postgres should publish the schema true (any object)');
select is(pg_temp.settings_errors(pg_temp.upsert_sql('helpdesk',
    '{"type": "object", "properties": {"branding": {"type": "object", "default": {}, "required": ["color"], "properties": {"color": {"type": "string", "default": "#000000"}}}}}'),
    'modules_settings_schema'),
  null,
  'a default completed by its own nested defaults should be accepted (every install fills them in and passes)');
select results_eq($$ select settings_schema from public.modules where id = 'agency' $$,
  $$ select settings_schema from agency_before $$,
  'agency''s schema should still be the one it was');

-- a schema some tenants' settings fail -----------------------------------------------------
-- tenant A: {"currency": "EUR", "timezone": "UTC", "max_clients": 100}; tenant B: GBP
select pg_temp.login_service_role();
select is(pg_temp.incompatible(pg_temp.update_sql(jsonb_set(
    (select settings_schema from agency_before), '{properties,currency,enum}', '["EUR", "USD"]'))),
  '[{"tenant_id": "bbbbbbbb-bbbb-4bbb-8bbb-bbbbbbbbbbbb", "errors": [{"path": "settings.currency", "message": "must be one of: \"EUR\", \"USD\""}]}]',
  'a schema that tenant B''s currency fails should be refused, listing tenant B and why (23514, modules_settings_schema_compatible)');
select is(jsonb_path_query_array(pg_temp.incompatible(pg_temp.update_sql(jsonb_set(
    (select settings_schema from agency_before), '{properties,max_clients}',
    '{"type": "integer", "minimum": 1, "maximum": 50, "default": 10}'))),
    '$[*].tenant_id'),
  '["aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa", "bbbbbbbb-bbbb-4bbb-8bbb-bbbbbbbbbbbb"]',
  'a schema both tenants'' max_clients fail should be refused, listing both tenants');
select throws_ok(pg_temp.update_sql(jsonb_set(
    (select settings_schema from agency_before), '{required}', '["timezone", "currency", "max_clients", "owner_email"]')),
  '23514', 'the new settings schema of module "agency" would reject the settings of 2 tenant(s)',
  'a schema requiring a key nobody has, without a default, should be refused for both tenants');
select is(pg_temp.incompatible(pg_temp.update_sql(jsonb_set(
    (select settings_schema from agency_before), '{properties,currency}',
    '{"type": "string", "maxLength": 2, "default": "US"}'))) -> 0 -> 'errors',
  '[{"path": "settings.currency", "message": "must be at most 2 characters long"}]',
  'a refusal should say why each listed tenant fails');
reset role;
select is(pg_temp.incompatible(pg_temp.upsert_sql('agency', jsonb_set(
    (select settings_schema from agency_before), '{properties,currency}',
    '{"type": "string", "enum": ["GBP"], "default": "GBP"}'))),
  '[{"tenant_id": "aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa", "errors": [{"path": "settings.currency", "message": "must be one of: \"GBP\""}]}]',
  'postgres should be refused the same way, listing tenant A');
select results_eq($$ select tenant_id, settings from public.tenant_modules
    where module_id = 'agency' order by tenant_id $$,
  $$ values ('aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa'::uuid, '{"currency": "EUR", "timezone": "UTC", "max_clients": 100}'::jsonb),
            ('bbbbbbbb-bbbb-4bbb-8bbb-bbbbbbbbbbbb'::uuid, '{"currency": "GBP", "timezone": "UTC", "max_clients": 100}'::jsonb) $$,
  'the refused schemas should have left the tenants'' settings alone');

-- a compatible schema with new defaults ----------------------------------------------------
select updated_at as agency_b_updated_at from public.tenant_modules
where tenant_id = 'bbbbbbbb-bbbb-4bbb-8bbb-bbbbbbbbbbbb' and module_id = 'agency' \gset
select pg_temp.login_service_role();
select lives_ok(pg_temp.update_sql(
    (select settings_schema from agency_before)
    || '{"required": ["timezone", "currency", "max_clients", "locale"]}'
    || jsonb_build_object('properties', (select settings_schema -> 'properties' from agency_before) || '{
         "locale": {"type": "string", "default": "en"},
         "notifications": {"type": "object", "default": {}, "properties": {"email": {"type": "boolean", "default": true}}},
         "currency": {"type": "string", "pattern": "^[A-Z]{3}$", "default": "EUR"}}')),
  'service_role should publish a schema every tenant''s settings pass once its new defaults are in (a new required key included)');
reset role;
select results_eq($$ select tenant_id, settings from public.tenant_modules
    where module_id = 'agency' order by tenant_id $$,
  $$ values ('aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa'::uuid,
             '{"currency": "EUR", "timezone": "UTC", "max_clients": 100, "locale": "en", "notifications": {"email": true}}'::jsonb),
            ('bbbbbbbb-bbbb-4bbb-8bbb-bbbbbbbbbbbb'::uuid,
             '{"currency": "GBP", "timezone": "UTC", "max_clients": 100, "locale": "en", "notifications": {"email": true}}'::jsonb) $$,
  'the new defaults, nested ones included, should be in the installed rows, and no explicit value replaced');
select ok((select updated_at > :'agency_b_updated_at'::timestamptz from public.tenant_modules
    where tenant_id = 'bbbbbbbb-bbbb-4bbb-8bbb-bbbbbbbbbbbb' and module_id = 'agency'),
  'rows given new defaults should get a new updated_at');
select updated_at as agency_b_updated_at from public.tenant_modules
where tenant_id = 'bbbbbbbb-bbbb-4bbb-8bbb-bbbbbbbbbbbb' and module_id = 'agency' \gset
select lives_ok(pg_temp.update_sql((select settings_schema from public.modules where id = 'agency')
    || '{"description": "Agency settings, described"}'),
  'a schema change without new defaults should be published');
select ok((select updated_at = :'agency_b_updated_at'::timestamptz from public.tenant_modules
    where tenant_id = 'bbbbbbbb-bbbb-4bbb-8bbb-bbbbbbbbbbbb' and module_id = 'agency'),
  'rows the new schema adds nothing to should keep their updated_at (clients'' versions stay valid)');
select is((select settings from public.tenant_modules
    where tenant_id = 'bbbbbbbb-bbbb-4bbb-8bbb-bbbbbbbbbbbb' and module_id = 'zz_billing'), '{}',
  'other modules'' rows should be left alone');
select results_eq($$ insert into public.tenant_modules (tenant_id, module_id)
    values ('cccccccc-cccc-4ccc-8ccc-cccccccccccc', 'agency') returning settings $$,
  $$ values ('{"currency": "EUR", "timezone": "UTC", "max_clients": 100, "locale": "en", "notifications": {"email": true}}'::jsonb) $$,
  'a new install should get the new schema''s defaults');

-- null: any object again --------------------------------------------------------------------
select pg_temp.login_service_role();
select lives_ok(pg_temp.update_sql(null), 'service_role should set agency''s schema to null');
reset role;
select lives_ok($$ update public.tenant_modules set settings = '{"isAdmin": true, "max_clients": -5, "deep": [[1]]}'
    where tenant_id = 'aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa' and module_id = 'agency' $$,
  'without a schema, any object should be accepted');
select is((select settings from public.tenant_modules
    where tenant_id = 'aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa' and module_id = 'agency'),
  '{"isAdmin": true, "max_clients": -5, "deep": [[1]]}', 'without a schema, no defaults should be added');
select throws_ok($$ update public.tenant_modules set settings = '[]'
    where tenant_id = 'aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa' and module_id = 'agency' $$,
  '23514', null, 'without a schema, settings should still have to be an object');
select is(jsonb_path_query_array(pg_temp.incompatible(pg_temp.upsert_sql('agency',
    (select settings_schema from agency_before))), '$[*].tenant_id'),
  '["aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa", "bbbbbbbb-bbbb-4bbb-8bbb-bbbbbbbbbbbb", "cccccccc-cccc-4ccc-8ccc-cccccccccccc"]',
  'publishing the first schema again should be refused, listing every tenant whose settings fail it now');

-- nobody else writes the catalog ------------------------------------------------------------
select pg_temp.login_as('11111111-1111-4111-8111-111111111111');
select is_empty($$ update public.modules set settings_schema = '{"type": "object"}'
    where id = 'agency' returning id $$,
  'owner should not change a module''s schema');
select throws_ok($$ insert into public.modules (id, name, settings_schema)
    values ('mine', 'Mine', '{"type": "object"}') $$,
  '42501', null, 'owner should not publish a module');
reset role;
select pg_temp.login_as('22222222-2222-4222-8222-222222222222');
select is_empty($$ update public.modules set settings_schema = null returning id $$,
  'admin should not remove a module''s schema');
reset role;
select pg_temp.login_as('55555555-5555-4555-8555-555555555555');
select is_empty($$ update public.modules set settings_schema = 'true' returning id $$,
  'stranger should not change any schema');
reset role;
select pg_temp.login_anon();
select is_empty($$ update public.modules set settings_schema = 'true' returning id $$,
  'anon should not change any schema');
select throws_ok($$ insert into public.modules (id, name, settings_schema)
    values ('anon-mod', 'Anon', 'true') $$,
  '42501', null, 'anon should not publish a module');
reset role;
select is((select settings_schema from public.modules where id = 'agency'), null,
  'agency''s schema should be service_role''s null, untouched by the others');

select * from finish();
rollback;

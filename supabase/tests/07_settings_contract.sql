-- The settings contract, keyword by keyword: every keyword of the supported JSON Schema subset
-- accepts what it should and refuses the rest with SQLSTATE 23514 (constraint
-- tenant_modules_settings_schema) and the failing path in the DETAIL; defaults fill missing keys on
-- every write; settings nest at most 32 levels deep, with or without a schema. Checked through real
-- writes of tenant_modules.settings, as the table owner: a test-only catalog module (`contract`)
-- gets one schema per case. 08 covers who writes and how; 09 covers publishing schemas.
begin;
\ir fixtures/personas.psql
\ir fixtures/settings.psql
select plan(140);

insert into public.modules (id, name) values ('contract', 'Contract'), ('freeform', 'Freeform');

-- The contract module's schema becomes p_schema (its rows are uninstalled first, so no tenant's
-- settings stand in the way), then tenant A installs it with p_settings: null when accepted, else
-- the failing {path, message} list (see fixtures/settings.psql).
create function pg_temp.install(p_schema jsonb, p_settings jsonb) returns jsonb
language plpgsql as $$
begin
  delete from public.tenant_modules where module_id = 'contract';
  update public.modules set settings_schema = p_schema where id = 'contract';
  return pg_temp.settings_errors(format(
    'insert into public.tenant_modules (tenant_id, module_id, settings) values (%L, %L, %L)',
    'aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa', 'contract', p_settings));
end;
$$;

-- One value under one keyword: the schema {"type": "object", "properties": {"v": p_schema}} and
-- the settings {"v": p_value}, so failing paths start with settings.v.
create function pg_temp.value_errors(p_schema jsonb, p_value jsonb) returns jsonb
language sql as $$
  select pg_temp.install(
    jsonb_build_object('type', 'object', 'properties', jsonb_build_object('v', p_schema)),
    jsonb_build_object('v', p_value));
$$;

create function pg_temp.value_verdict(p_schema jsonb, p_value jsonb) returns text
language sql as $$
  select pg_temp.verdict_of(pg_temp.value_errors(p_schema, p_value));
$$;

-- What tenant A holds for the contract module.
create function pg_temp.stored() returns jsonb
language sql as $$
  select settings from public.tenant_modules
  where tenant_id = 'aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa' and module_id = 'contract';
$$;

-- type ---------------------------------------------------------------------------------------
select is(pg_temp.value_verdict('{"type": "integer"}', '42'), 'accepted',
  'type integer should accept 42');
select is(pg_temp.value_verdict('{"type": "integer"}', '1.0'), 'accepted',
  'type integer should accept 1.0 (a number with a zero fractional part is an integer)');
select is(pg_temp.value_errors('{"type": "integer"}', '1.5'),
  '[{"path": "settings.v", "message": "must be an integer"}]',
  'type integer should refuse 1.5, saying it must be an integer');
select is(pg_temp.value_verdict('{"type": "integer"}', '"42"'), 'refused at settings.v',
  'type integer should refuse the string "42"');
select is(pg_temp.value_verdict('{"type": "number"}', '1.5'), 'accepted',
  'type number should accept 1.5');
select is(pg_temp.value_verdict('{"type": "number"}', '12345678901234567890'), 'accepted',
  'type number should accept an integer beyond 64 bits');
select is(pg_temp.value_verdict('{"type": "number"}', '"1.5"'), 'refused at settings.v',
  'type number should refuse the string "1.5"');
select is(pg_temp.value_verdict('{"type": "string"}', '"x"'), 'accepted',
  'type string should accept a string');
select is(pg_temp.value_verdict('{"type": "string"}', '1'), 'refused at settings.v',
  'type string should refuse a number');
select is(pg_temp.value_verdict('{"type": "boolean"}', 'false'), 'accepted',
  'type boolean should accept false');
select is(pg_temp.value_verdict('{"type": "boolean"}', '"true"'), 'refused at settings.v',
  'type boolean should refuse the string "true"');
select is(pg_temp.value_verdict('{"type": "null"}', 'null'), 'accepted',
  'type null should accept null');
select is(pg_temp.value_verdict('{"type": "null"}', '0'), 'refused at settings.v',
  'type null should refuse 0');
select is(pg_temp.value_verdict('{"type": "object"}', '{}'), 'accepted',
  'type object should accept an object');
select is(pg_temp.value_verdict('{"type": "object"}', '[]'), 'refused at settings.v',
  'type object should refuse an array');
select is(pg_temp.value_verdict('{"type": "array"}', '[]'), 'accepted',
  'type array should accept an array');
select is(pg_temp.value_verdict('{"type": "array"}', '{}'), 'refused at settings.v',
  'type array should refuse an object');
select is(pg_temp.value_verdict('{"type": ["string", "null"]}', 'null'), 'accepted',
  'an array of types should accept a value of its second type');
select is(pg_temp.value_verdict('{"type": ["string", "null"]}', '"x"'), 'accepted',
  'an array of types should accept a value of its first type');
select is(pg_temp.value_errors('{"type": ["string", "null"]}', '1'),
  '[{"path": "settings.v", "message": "must be a string or null"}]',
  'an array of types should refuse a value of none of them, naming them all');
select is(pg_temp.value_verdict('{"type": ["integer", "string"]}', '2.0'), 'accepted',
  'an array of types with integer should accept 2.0');
select is(pg_temp.value_verdict('{"type": ["integer", "string"]}', '2.5'), 'refused at settings.v',
  'an array of types with integer should refuse 2.5');

-- properties, required, additionalProperties -------------------------------------------------
select is(pg_temp.install(
    '{"type": "object", "properties": {"branding": {"type": "object", "properties": {"primary_color": {"type": "string", "pattern": "^#[0-9A-Fa-f]{6}$"}}}}}',
    '{"branding": {"primary_color": "#1A2B3C"}}'),
  null, 'properties should accept nested values that match their schemas');
select is(pg_temp.install(
    '{"type": "object", "properties": {"branding": {"type": "object", "properties": {"primary_color": {"type": "string", "pattern": "^#[0-9A-Fa-f]{6}$"}}}}}',
    '{"branding": {"primary_color": "red"}}'),
  '[{"path": "settings.branding.primary_color", "message": "must match the pattern ^#[0-9A-Fa-f]{6}$"}]',
  'properties should check nested values, naming the path settings.branding.primary_color');
select is(pg_temp.install('{"type": "object", "properties": {"a": {"type": "string"}}}',
    '{"b": 1}'),
  null, 'keys without a property schema should be accepted when additionalProperties is absent');
select is(pg_temp.install('{"type": "object", "required": ["name"]}', '{"name": "x"}'),
  null, 'required should accept an object that has the key');
select is(pg_temp.install('{"type": "object", "required": ["name", "odd key"]}', '{}'),
  '[{"path": "settings.name", "message": "is required"}, {"path": "settings[\"odd key\"]", "message": "is required"}]',
  'required should refuse missing keys, naming each (odd keys in brackets)');
select is(pg_temp.install('{"type": "object", "required": ["name"]}', '{"name": null}'),
  null, 'required should accept a key that is present with null');
select is(pg_temp.install(
    '{"type": "object", "properties": {"name": {"type": "string"}}, "additionalProperties": false}',
    '{"name": "x"}'),
  null, 'additionalProperties false should accept known keys only');
select is(pg_temp.install(
    '{"type": "object", "properties": {"name": {"type": "string"}}, "additionalProperties": false}',
    '{"name": "x", "isAdmin": true}'),
  '[{"path": "settings", "message": "unknown key \"isAdmin\""}]',
  'additionalProperties false should refuse an unknown key, naming it');
select is(pg_temp.install(
    '{"type": "object", "properties": {"name": {"type": "string"}}, "additionalProperties": {"type": "integer"}}',
    '{"name": "x", "limit": 3}'),
  null, 'additionalProperties as a schema should accept other keys that match it');
select is(pg_temp.install(
    '{"type": "object", "properties": {"name": {"type": "string"}}, "additionalProperties": {"type": "integer"}}',
    '{"name": "x", "limit": "3"}'),
  '[{"path": "settings.limit", "message": "must be an integer"}]',
  'additionalProperties as a schema should check the other keys against it');
select is(pg_temp.install(
    '{"type": "object", "properties": {"name": {"type": "string"}}, "additionalProperties": {"type": "integer"}}',
    '{"name": 1}'),
  '[{"path": "settings.name", "message": "must be a string"}]',
  'additionalProperties should not apply to keys that have a property schema');

-- enum, const --------------------------------------------------------------------------------
select is(pg_temp.value_verdict('{"enum": ["fast", "safe"]}', '"safe"'), 'accepted',
  'enum should accept one of its values');
select is(pg_temp.value_errors('{"enum": ["fast", "safe"]}', '"slow"'),
  '[{"path": "settings.v", "message": "must be one of: \"fast\", \"safe\""}]',
  'enum should refuse any other value, listing the allowed ones');
select is(pg_temp.value_verdict('{"enum": [1, {"a": [1, 2]}]}', '1.0'), 'accepted',
  'enum should compare numbers by value (1.0 is 1)');
select is(pg_temp.value_verdict('{"enum": [1, {"a": [1, 2]}]}', '{"a": [1, 2]}'), 'accepted',
  'enum should accept an equal object');
select is(pg_temp.value_verdict('{"enum": [1, {"a": [1, 2]}]}', '{"a": [2, 1]}'), 'refused at settings.v',
  'enum should refuse an array in another order');
select is(pg_temp.value_verdict('{"enum": ["1"]}', '1'), 'refused at settings.v',
  'enum should not equate the string "1" with the number 1');
select is(pg_temp.value_verdict('{"const": {"a": 1, "b": [true]}}', '{"b": [true], "a": 1.00}'),
  'accepted', 'const should accept an equal object, keys in another order and 1.00 for 1');
select is(pg_temp.value_errors('{"const": "v1"}', '"v2"'),
  '[{"path": "settings.v", "message": "must be \"v1\""}]',
  'const should refuse anything else, showing the value');

-- numbers ------------------------------------------------------------------------------------
select is(pg_temp.value_verdict('{"minimum": 1}', '1'), 'accepted',
  'minimum should accept the bound itself');
select is(pg_temp.value_errors('{"minimum": 1}', '0.999'),
  '[{"path": "settings.v", "message": "must be at least 1"}]',
  'minimum should refuse a smaller number');
select is(pg_temp.value_verdict('{"maximum": 10000}', '10000'), 'accepted',
  'maximum should accept the bound itself');
select is(pg_temp.value_errors('{"maximum": 10000}', '10000.5'),
  '[{"path": "settings.v", "message": "must be at most 10000"}]',
  'maximum should refuse a larger number');
select is(pg_temp.value_verdict('{"minimum": 1}', '"0"'), 'accepted',
  'minimum should ignore a value that is not a number');
select is(pg_temp.value_verdict('{"exclusiveMinimum": 0}', '0.001'), 'accepted',
  'exclusiveMinimum should accept a larger number');
select is(pg_temp.value_errors('{"exclusiveMinimum": 0}', '0'),
  '[{"path": "settings.v", "message": "must be greater than 0"}]',
  'exclusiveMinimum should refuse the bound itself');
select is(pg_temp.value_verdict('{"exclusiveMaximum": 10}', '9.99'), 'accepted',
  'exclusiveMaximum should accept a smaller number');
select is(pg_temp.value_errors('{"exclusiveMaximum": 10}', '10.0'),
  '[{"path": "settings.v", "message": "must be less than 10"}]',
  'exclusiveMaximum should refuse the bound itself (written 10.0)');
select is(pg_temp.value_verdict('{"multipleOf": 0.1}', '0.3'), 'accepted',
  'multipleOf 0.1 should accept 0.3 (exact decimals, not binary floating point)');
select is(pg_temp.value_verdict('{"multipleOf": 0.01}', '19.99'), 'accepted',
  'multipleOf 0.01 should accept 19.99');
select is(pg_temp.value_errors('{"multipleOf": 0.1}', '0.35'),
  '[{"path": "settings.v", "message": "must be a multiple of 0.1"}]',
  'multipleOf 0.1 should refuse 0.35');
select is(pg_temp.value_verdict('{"multipleOf": 5}', '-15'), 'accepted',
  'multipleOf should accept negative multiples');
select is(pg_temp.value_verdict('{"multipleOf": 5}', '7'), 'refused at settings.v',
  'multipleOf 5 should refuse 7');

-- strings: lengths in characters (code points), not bytes ------------------------------------
select is(pg_temp.value_verdict('{"maxLength": 1}', '"é"'), 'accepted',
  'maxLength 1 should accept "é" (one character, two bytes)');
select is(pg_temp.value_verdict('{"maxLength": 1}', '"😀"'), 'accepted',
  'maxLength 1 should accept an emoji (one code point, four bytes)');
select is(pg_temp.value_verdict('{"maxLength": 1}', '"e\u0301"'), 'refused at settings.v',
  'maxLength 1 should refuse "e" followed by a combining accent (two code points)');
select is(pg_temp.value_errors('{"maxLength": 3}', '"abcd"'),
  '[{"path": "settings.v", "message": "must be at most 3 characters long"}]',
  'maxLength should refuse a longer string');
select is(pg_temp.value_verdict('{"minLength": 2}', '"éé"'), 'accepted',
  'minLength 2 should accept "éé"');
select is(pg_temp.value_errors('{"minLength": 2}', '"😀"'),
  '[{"path": "settings.v", "message": "must be at least 2 characters long"}]',
  'minLength 2 should refuse a single emoji (two UTF-16 units are still one character)');
select is(pg_temp.value_verdict('{"minLength": 1}', '""'), 'refused at settings.v',
  'minLength 1 should refuse the empty string');

-- pattern: ECMA-262 semantics, unanchored ----------------------------------------------------
select is(pg_temp.value_verdict('{"pattern": "^\\d{3}$"}', '"123"'), 'accepted',
  'pattern \d should match ASCII digits');
select is(pg_temp.value_errors('{"pattern": "^\\d{3}$"}', '"12a"'),
  '[{"path": "settings.v", "message": "must match the pattern ^\\d{3}$"}]',
  'pattern should refuse a string that does not match, showing the pattern');
select is(pg_temp.value_verdict('{"pattern": "^\\d{3}$"}', '"١٢٣"'), 'refused at settings.v',
  'pattern \d should not match Arabic-Indic digits (ECMA-262 \d is ASCII only)');
select is(pg_temp.value_verdict('{"pattern": "^a.b$"}', '"a-b"'), 'accepted',
  'pattern . should match an ordinary character');
select is(pg_temp.value_verdict('{"pattern": "^a.b$"}', '"a\nb"'), 'refused at settings.v',
  'pattern . should not match a newline');
select is(pg_temp.value_verdict('{"pattern": "^.$"}', '"😀"'), 'accepted',
  'pattern . should match an emoji as one character (unicode mode)');
select is(pg_temp.value_verdict('{"pattern": "^[à-ÿ]+$"}', '"éàü"'), 'accepted',
  'a non-ASCII range should match the characters inside it');
select is(pg_temp.value_verdict('{"pattern": "^[à-ÿ]+$"}', '"eau"'), 'refused at settings.v',
  'a non-ASCII range should refuse characters outside it');
select is(pg_temp.value_verdict('{"pattern": "^café$"}', '"café"'), 'accepted',
  'a pattern with a non-ASCII literal should match it');
select is(pg_temp.value_verdict('{"pattern": "b+"}', '"abbc"'), 'accepted',
  'a pattern without anchors should match anywhere in the string');
select is(pg_temp.value_verdict('{"pattern": "^b+$"}', '"abbc"'), 'refused at settings.v',
  'an anchored pattern should refuse a partial match');
select is(pg_temp.value_verdict('{"pattern": "^x$"}', '"x\n"'), 'refused at settings.v',
  'pattern $ should not match before a trailing newline');

-- arrays -------------------------------------------------------------------------------------
select is(pg_temp.value_verdict('{"items": {"type": "string"}}', '["a", "b"]'), 'accepted',
  'items should accept an array whose items match');
select is(pg_temp.value_errors('{"items": {"type": "string"}}', '["a", 1, "c", true]'),
  '[{"path": "settings.v[1]", "message": "must be a string"}, {"path": "settings.v[3]", "message": "must be a string"}]',
  'items should refuse each failing item, naming its index');
select is(pg_temp.value_verdict('{"minItems": 1}', '["a"]'), 'accepted',
  'minItems 1 should accept one item');
select is(pg_temp.value_verdict('{"minItems": 1}', '[]'), 'refused at settings.v',
  'minItems 1 should refuse an empty array');
select is(pg_temp.value_verdict('{"maxItems": 2}', '[1, 2]'), 'accepted',
  'maxItems 2 should accept two items');
select is(pg_temp.value_verdict('{"maxItems": 2}', '[1, 2, 3]'), 'refused at settings.v',
  'maxItems 2 should refuse three items');
select is(pg_temp.value_verdict('{"uniqueItems": true}', '[1, "1", [1], {"a": 1}]'), 'accepted',
  'uniqueItems should accept distinct items (1, "1", [1] and {"a": 1} differ)');
select is(pg_temp.value_errors('{"uniqueItems": true}', '[1, 1.0]'),
  '[{"path": "settings.v", "message": "must not contain the same item twice"}]',
  'uniqueItems should refuse 1 and 1.0 (the same number)');
select is(pg_temp.value_verdict('{"uniqueItems": true}', '[{"a": 1, "b": 2}, {"b": 2, "a": 1}]'),
  'refused at settings.v', 'uniqueItems should refuse equal objects written with keys in another order');
select is(pg_temp.value_verdict('{"uniqueItems": false}', '[1, 1]'), 'accepted',
  'uniqueItems false should accept repeated items');

-- format -------------------------------------------------------------------------------------
select is(pg_temp.value_verdict('{"format": "date-time"}', '"2025-12-31T23:59:00Z"'), 'accepted',
  'format date-time should accept a UTC timestamp');
select is(pg_temp.value_verdict('{"format": "date-time"}', '"2025-12-31t23:59:00.5+01:00"'),
  'accepted', 'format date-time should accept a lowercase t, fractions and an offset');
select is(pg_temp.value_verdict('{"format": "date-time"}', '"2025-12-31T23:59:00"'),
  'refused at settings.v', 'format date-time should refuse a timestamp without a time zone');
select is(pg_temp.value_verdict('{"format": "date-time"}', '"2025-02-30T10:00:00Z"'),
  'refused at settings.v', 'format date-time should refuse a day the month does not have');
select is(pg_temp.value_verdict('{"format": "date"}', '"2024-02-29"'), 'accepted',
  'format date should accept 29 February of a leap year');
select is(pg_temp.value_errors('{"format": "date"}', '"2025-02-29"'),
  '[{"path": "settings.v", "message": "must be a date (YYYY-MM-DD), e.g. \"2025-12-31\""}]',
  'format date should refuse 29 February of another year');
select is(pg_temp.value_verdict('{"format": "email"}', '"ada@example.com"'), 'accepted',
  'format email should accept an address');
select is(pg_temp.value_verdict('{"format": "email"}', '"ada@"'), 'refused at settings.v',
  'format email should refuse an address without a domain');
select is(pg_temp.value_verdict('{"format": "uuid"}', '"AAAAAAAA-aaaa-4aaa-8aaa-aaaaaaaaaaaa"'),
  'accepted', 'format uuid should accept a UUID in either case');
select is(pg_temp.value_verdict('{"format": "uuid"}', '"aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaa"'),
  'refused at settings.v', 'format uuid should refuse a digit short');
select is(pg_temp.value_verdict('{"format": "time-zone"}', '"Europe/Paris"'), 'accepted',
  'format time-zone should accept an IANA name');
select is(pg_temp.value_errors('{"format": "time-zone"}', '"Mars/Olympus"'),
  '[{"path": "settings.v", "message": "must be an IANA time-zone name, e.g. \"Europe/Paris\""}]',
  'format time-zone should refuse a name IANA does not have');
select is(pg_temp.value_verdict('{"format": "time-zone"}', '"europe/paris"'), 'refused at settings.v',
  'format time-zone should refuse a name spelled in another case');
select is(pg_temp.value_verdict('{"format": "email"}', '42'), 'accepted',
  'format should ignore a value that is not a string');

-- boolean subschemas -------------------------------------------------------------------------
select is(pg_temp.value_verdict('true', '{"anything": [1, null]}'), 'accepted',
  'a true subschema should accept anything');
select is(pg_temp.value_errors('false', '"x"'),
  '[{"path": "settings.v", "message": "is not allowed"}]',
  'a false subschema should refuse the key being there at all');
select is(pg_temp.install('{"type": "object", "properties": {"v": false}}', '{}'), null,
  'a false subschema should accept the key being absent');
select is(pg_temp.value_verdict('{"items": false}', '[]'), 'accepted',
  'items false should accept an empty array');
select is(pg_temp.value_verdict('{"items": false}', '[1]'), 'refused at settings.v[0]',
  'items false should refuse any item');
select is(pg_temp.install('{"type": "object", "additionalProperties": true}', '{"x": 1}'), null,
  'additionalProperties true should accept any other key');

-- annotations ---------------------------------------------------------------------------------
select is(pg_temp.value_verdict(
    '{"title": "T", "description": "D", "$comment": "C", "examples": [1], "deprecated": true, "readOnly": true, "writeOnly": true}',
    '"anything"'),
  'accepted', 'annotation keywords (title, description, $comment, examples, deprecated, readOnly, writeOnly) should not refuse anything');

-- several failures at once; updates are checked like inserts ---------------------------------
select is(pg_temp.install(
    '{"type": "object", "properties": {"mode": {"enum": ["fast", "safe"]}, "limit": {"type": "integer", "maximum": 10000}}, "required": ["mode"], "additionalProperties": false}',
    '{"limit": 20000, "isAdmin": true}'),
  '[{"path": "settings", "message": "unknown key \"isAdmin\""}, {"path": "settings.limit", "message": "must be at most 10000"}, {"path": "settings.mode", "message": "is required"}]',
  'every failing path should be listed, not just the first');
select throws_ok($$ insert into public.tenant_modules (tenant_id, module_id, settings)
  values ('bbbbbbbb-bbbb-4bbb-8bbb-bbbbbbbbbbbb', 'contract', '{"mode": "slow"}') $$,
  '23514', 'invalid settings for module "contract"',
  'a refused insert should fail with 23514 and name the module');
select is(pg_temp.refusal($$ insert into public.tenant_modules (tenant_id, module_id, settings)
  values ('bbbbbbbb-bbbb-4bbb-8bbb-bbbbbbbbbbbb', 'contract', '{"mode": "slow"}') $$) - 'detail',
  '{"sqlstate": "23514", "constraint": "tenant_modules_settings_schema", "message": "invalid settings for module \"contract\""}',
  'a refused write should name the constraint tenant_modules_settings_schema');
select lives_ok($$ insert into public.tenant_modules (tenant_id, module_id, settings)
  values ('bbbbbbbb-bbbb-4bbb-8bbb-bbbbbbbbbbbb', 'contract', '{"mode": "fast", "limit": 5}') $$,
  'valid settings should be installed');
select throws_ok($$ update public.tenant_modules set settings = settings || '{"limit": 1.5}'
  where tenant_id = 'bbbbbbbb-bbbb-4bbb-8bbb-bbbbbbbbbbbb' and module_id = 'contract' $$,
  '23514', 'invalid settings for module "contract"', 'an update to invalid settings should be refused');
select is(pg_temp.settings_errors($$ update public.tenant_modules set settings = settings - 'mode'
  where tenant_id = 'bbbbbbbb-bbbb-4bbb-8bbb-bbbbbbbbbbbb' and module_id = 'contract' $$),
  '[{"path": "settings.mode", "message": "is required"}]',
  'an update removing a required key without a default should be refused');
select lives_ok($$ update public.tenant_modules set settings = settings || '{"limit": 10000}'
  where tenant_id = 'bbbbbbbb-bbbb-4bbb-8bbb-bbbbbbbbbbbb' and module_id = 'contract' $$,
  'an update to valid settings should be accepted');
select lives_ok($$ update public.tenant_modules set enabled = false
  where tenant_id = 'bbbbbbbb-bbbb-4bbb-8bbb-bbbbbbbbbbbb' and module_id = 'contract' $$,
  'an update that leaves the settings alone should not be held up by them');

-- defaults -----------------------------------------------------------------------------------
select is(pg_temp.install(
    '{"type": "object", "properties": {"mode": {"type": "string", "default": "safe"}, "limit": {"type": "integer", "default": 10}}, "required": ["mode"]}',
    '{}'),
  null, 'a required key with a default should be filled in, not refused');
select is(pg_temp.stored(), '{"mode": "safe", "limit": 10}',
  'defaults should be applied on insert');
select is(pg_temp.install(
    '{"type": "object", "properties": {"mode": {"type": "string", "default": "safe"}, "limit": {"type": "integer", "default": 10}}, "required": ["mode"]}',
    '{"mode": "fast", "limit": 0}'),
  null, 'explicit values should be accepted');
select is(pg_temp.stored(), '{"mode": "fast", "limit": 0}',
  'defaults should not replace explicit values (0 included)');
select lives_ok($$ update public.tenant_modules set settings = settings - 'mode'
  where tenant_id = 'aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa' and module_id = 'contract' $$,
  'removing a key that has a default should be accepted');
select is(pg_temp.stored(), '{"mode": "safe", "limit": 0}',
  'the default should be re-applied on update after its key was removed');
select is(pg_temp.install(
    '{"type": "object", "properties": {"mode": {"type": "string", "default": "safe"}}}',
    '{"mode": null}'),
  '[{"path": "settings.mode", "message": "must be a string"}]',
  'an explicit JSON null should be refused where the schema says string, not replaced by the default');
select is(pg_temp.install(
    '{"type": "object", "properties": {"branding": {"type": "object", "default": {}, "properties": {"color": {"type": "string", "default": "#000000"}, "logo": {"type": "object", "properties": {"size": {"type": "integer", "default": 64}}}}}}}',
    '{}'),
  null, 'a nested object default should be accepted');
select is(pg_temp.stored(), '{"branding": {"color": "#000000"}}',
  'a defaulted object should get its own properties'' defaults (but not those of absent objects without a default)');
select is(pg_temp.install(
    '{"type": "object", "properties": {"branding": {"type": "object", "default": {}, "properties": {"color": {"type": "string", "default": "#000000"}, "logo": {"type": "object", "properties": {"size": {"type": "integer", "default": 64}}}}}}}',
    '{"branding": {"logo": {}}}'),
  null, 'a partly given nested object should be accepted');
select is(pg_temp.stored(), '{"branding": {"color": "#000000", "logo": {"size": 64}}}',
  'defaults should be filled in at every level of a given nested object');
select is(pg_temp.install(
    '{"type": "object", "properties": {"contacts": {"type": "array", "items": {"type": "object", "properties": {"name": {"type": "string"}, "role": {"type": "string", "default": "member"}}}}}}',
    '{"contacts": [{"name": "Ada"}, {"name": "Bob", "role": "owner"}]}'),
  null, 'array items with defaults should be accepted');
select is(pg_temp.stored() -> 'contacts',
  '[{"name": "Ada", "role": "member"}, {"name": "Bob", "role": "owner"}]',
  'defaults inside array items should be applied to each item that lacks them');
select is(pg_temp.install(
    '{"type": "object", "additionalProperties": {"type": "object", "properties": {"on": {"default": true}}}}',
    '{"a": {}, "b": {"on": false}}'),
  null, 'objects under additionalProperties should be accepted');
select is(pg_temp.stored(), '{"a": {"on": true}, "b": {"on": false}}',
  'defaults should be applied inside values checked by additionalProperties');

-- nesting: at most 32 levels, the outermost object being level 1 ------------------------------
select is(pg_temp.settings_errors(format($$ insert into public.tenant_modules (tenant_id, module_id, settings)
  values ('aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa', 'freeform', %L) $$, pg_temp.nest(32))),
  null, 'settings 32 levels deep should be accepted without a schema');
select lives_ok($$ delete from public.tenant_modules where module_id = 'freeform' $$,
  'the freeform module should be uninstalled again');
select is(pg_temp.settings_errors(format($$ insert into public.tenant_modules (tenant_id, module_id, settings)
  values ('aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa', 'freeform', %L) $$, pg_temp.nest(33))),
  '[{"path": "settings", "message": "must not nest objects and arrays more than 32 levels deep"}]',
  'settings 33 levels deep should be refused without a schema');
select is(pg_temp.verdict_of(pg_temp.settings_errors(format($$ insert into public.tenant_modules
  (tenant_id, module_id, settings) values ('aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa', 'freeform', %L) $$,
  jsonb_build_object('v', (repeat('[', 31) || repeat(']', 31))::jsonb)))),
  'accepted', 'arrays should count as levels too: an object holding 31 nested arrays should be accepted');
select lives_ok($$ delete from public.tenant_modules where module_id = 'freeform' $$,
  'the freeform module should be uninstalled once more');
select is(pg_temp.verdict_of(pg_temp.settings_errors(format($$ insert into public.tenant_modules
  (tenant_id, module_id, settings) values ('aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa', 'freeform', %L) $$,
  jsonb_build_object('v', (repeat('[', 32) || repeat(']', 32))::jsonb)))),
  'refused at settings', 'an object holding 32 nested arrays should be refused');
select is(pg_temp.install('{"type": "object"}', pg_temp.nest(32)), null,
  'settings 32 levels deep should be accepted with a schema');
select is(pg_temp.install('{"type": "object"}', pg_temp.nest(33)),
  '[{"path": "settings", "message": "must not nest objects and arrays more than 32 levels deep"}]',
  'settings 33 levels deep should be refused with a schema');
select is(pg_temp.install('{"type": "object", "properties": {"a": true}}', '{"a": 1}'), null,
  'the contract module should be installed for the merges below');
select is(pg_temp.verdict_of(pg_temp.settings_errors(format(
    'select public.merge_tenant_module_settings(%L, %L, %L)',
    'aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa', 'contract', pg_temp.nest(32)))),
  'accepted', 'a merge leaving settings 32 levels deep should be accepted');
select is(jsonb_path_query_first(pg_temp.stored(), 'strict $.**{31} ? (@.type() == "object")'), '{}',
  'the merged settings should hold the 32nd level');
select throws_ok(format('select public.merge_tenant_module_settings(%L, %L, %L)',
    'aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa', 'contract', pg_temp.nest(33)),
  '22023', 'the patch nests objects and arrays more than 32 levels deep',
  'a merge patch 33 levels deep should be refused as an invalid patch');

select * from finish();
rollback;

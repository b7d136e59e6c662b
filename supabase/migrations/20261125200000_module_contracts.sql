-- Module contracts: each catalog module carries the JSON Schema of its settings
-- (`public.modules.settings_schema`), and Postgres enforces it on every write of
-- `tenant_modules.settings`, whoever writes (the edge function, a REST client, an RPC, SQL as
-- service_role or postgres):
--
-- * the schema language is a subset of JSON Schema draft 2020-12, checked when a schema is written
--   to the catalog: a schema using anything outside the subset is refused, so nothing is ever
--   silently half-checked;
-- * defaults from the schema fill missing keys (nested objects included) on every write;
-- * a write that breaks the schema fails with SQLSTATE 23514 (check_violation, constraint
--   `tenant_modules_settings_schema`), a message naming the module, and the failing paths as a
--   JSON array of {path, message} in the error's DETAIL; PostgREST answers it with 400. The check
--   runs after RLS: a caller who may not write the row gets RLS's answer, not the contract's;
-- * settings nest at most 32 levels deep, whatever the schema;
-- * writing a schema that would reject some tenant's current settings is refused with the list of
--   those tenants; otherwise the new defaults are filled into the existing rows at once;
-- * `public.merge_tenant_module_settings()` merges an RFC 7396 patch into a row in one statement,
--   under the row lock, as the caller (RLS decides), so concurrent merges queue instead of
--   overwriting one another.
--
-- Everything here is PL/pgSQL so it runs unchanged on hosted Supabase, `supabase start` and the
-- local stack (Supabase's pg_jsonschema would need an extension build).

-- ---------------------------------------------------------------------------------------------
-- Time-zone names for the "time-zone" format. pg_timezone_names reads the time-zone database from
-- disk on every call (tens of milliseconds), so its names are copied here once.
-- ---------------------------------------------------------------------------------------------

create table private.time_zone_names (
  name text primary key
);

comment on table private.time_zone_names is
  'IANA time-zone names Postgres knows (pg_timezone_names, without the posix/ copies), for the "time-zone" format of settings schemas. Refresh with private.refresh_time_zone_names() after a tzdata upgrade.';

create function private.refresh_time_zone_names()
returns integer
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_count integer;
begin
  delete from private.time_zone_names;
  insert into private.time_zone_names (name)
  select z.name
  from pg_catalog.pg_timezone_names as z
  where z.name !~ '^(posix|right)/'
    and z.name not in ('localtime', 'posixrules', 'Factory');
  get diagnostics v_count = row_count;
  return v_count;
end;
$$;

comment on function private.refresh_time_zone_names() is
  'Reloads private.time_zone_names from pg_timezone_names; returns how many names it holds.';

revoke all on function private.refresh_time_zone_names() from public, anon, authenticated;

select private.refresh_time_zone_names();

grant select on private.time_zone_names to authenticated, service_role;

-- ---------------------------------------------------------------------------------------------
-- Small helpers. The validator's functions below are executable by `authenticated` and
-- `service_role` (the merge runs as the caller, and anyone may check settings before writing
-- them); none reads a table the caller could not read otherwise but time-zone names; `anon`
-- executes none.
-- ---------------------------------------------------------------------------------------------

-- A JSON path for error messages: `settings.branding.primary_color`, `settings.tags[0]`,
-- `settings["odd key"]`. PL/pgSQL, not SQL: the validator calls it for every key it visits, and a
-- SQL function with `set search_path` is neither inlined nor planned once (about 20 µs a call,
-- against 2).
create function private.json_path_key(p_path text, p_key text)
returns text
language plpgsql
immutable
parallel safe
set search_path = ''
as $$
begin
  if p_key ~ '^[A-Za-z_$][A-Za-z0-9_$]*$' then
    return p_path || '.' || p_key;
  end if;
  return p_path || '[' || pg_catalog.to_jsonb(p_key)::text || ']';
end;
$$;

revoke all on function private.json_path_key(text, text) from public, anon;
grant execute on function private.json_path_key(text, text) to authenticated, service_role;

-- True when a container in `p_value` is nested more than 32 levels deep (the outermost object is
-- level 1). jsonpath walks the document in C, without the recursion limits of PL/pgSQL.
create function private.jsonb_too_deep(p_value jsonb)
returns boolean
language sql
immutable
parallel safe
set search_path = ''
as $$
  select pg_catalog.jsonb_path_exists(
    p_value,
    'strict $.**{32 to last} ? (@.type() == "object" || @.type() == "array")'
  );
$$;

revoke all on function private.jsonb_too_deep(jsonb) from public, anon;
grant execute on function private.jsonb_too_deep(jsonb) to authenticated, service_role;

-- JSON values as a person reads them in a message: strings quoted, the rest as JSON.
create function private.json_schema_list(p_values jsonb)
returns text
language sql
immutable
parallel safe
set search_path = ''
as $$
  select pg_catalog.string_agg(v::text, ', ' order by i)
  from pg_catalog.jsonb_array_elements(p_values) with ordinality as e (v, i);
$$;

revoke all on function private.json_schema_list(jsonb) from public, anon;
grant execute on function private.json_schema_list(jsonb) to authenticated, service_role;

-- ---------------------------------------------------------------------------------------------
-- `pattern`: JSON Schema patterns are ECMA-262 regular expressions (as `new RegExp(p, 'u')`);
-- Postgres speaks ARE. This translates the portable part of ECMA-262 into an ARE that matches
-- exactly the same strings, and names what it refuses: back-references, lookbehind, named groups,
-- inline flags (?i:...), \b and \B, \p{...}, the empty classes [] and [^], \D \W \S inside [...],
-- NUL and lone surrogates (text cannot hold them), counts above 255 (Postgres's limit), patterns
-- over 1000 characters, and anything ECMA-262 itself rejects in unicode mode.
-- tests/database/json_schema_agreement.test.ts checks it against JavaScript's own RegExp.
-- ---------------------------------------------------------------------------------------------

create function private.json_schema_regex(p_pattern text, out are text, out problem text)
language plpgsql
immutable
parallel safe
set search_path = ''
as $$
declare
  -- ECMA-262 \s: white space and line terminators.
  c_space constant text := E'\\t\\n\\v\\f\\r \\u00a0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000\\ufeff';
  v_chars text[] := pg_catalog.regexp_split_to_array(p_pattern, '');
  v_n integer := coalesce(pg_catalog.array_length(v_chars, 1), 0);
  v_i integer := 1;
  v_c text;
  v_next text;
  v_out text := '';
  v_in_class boolean := false;
  v_class_start integer;
  v_class_escape boolean := false;  -- the previous class item was \d, \w or \s
  v_range boolean := false;         -- the previous class item was a range's dash
  v_range_end boolean := false;     -- the previous class item ended a range: a - now is literal
  v_groups text[] := '{}';          -- open groups: 'group' or 'lookahead'
  v_can_repeat boolean := false;    -- the previous item is an atom a quantifier may follow
  v_quantified boolean := false;    -- the previous item is a quantifier
  v_m text[];
  v_hex text;
  v_code integer;
  v_low integer;
  v_unit text;
  v_min text;                       -- a quantifier's counts, without leading zeros
  v_max text;
begin
  if v_n > 1000 then
    problem := 'is longer than 1000 characters';
    return;
  end if;
  while v_i <= v_n loop
    v_c := v_chars[v_i];
    v_next := case when v_i < v_n then v_chars[v_i + 1] end;

    -- Escapes, inside and outside a class.
    if v_c = '\' then
      if v_next is null then
        problem := 'ends with a lone backslash';
        return;
      end if;
      v_unit := null;
      if v_next in ('d', 'w', 's') then
        v_unit := case v_next when 'd' then '0-9' when 'w' then 'A-Za-z0-9_' else c_space end;
        if v_in_class then
          if v_range then
            problem := 'uses \' || v_next || ' as the end of a range in [...]';
            return;
          end if;
          v_out := v_out || v_unit;
          v_class_escape := true;
          v_range_end := false;
        else
          v_out := v_out || '[' || v_unit || ']';
          v_can_repeat := true;
          v_quantified := false;
        end if;
        v_i := v_i + 2;
        continue;
      elsif v_next in ('D', 'W', 'S') then
        if v_in_class then
          problem := 'uses \' || v_next || ' inside [...]; write the class out instead';
          return;
        end if;
        v_out := v_out || '[^' || case v_next when 'D' then '0-9' when 'W' then 'A-Za-z0-9_' else c_space end || ']';
        v_i := v_i + 2;
        v_can_repeat := true;
        v_quantified := false;
        continue;
      elsif v_next in ('t', 'n', 'r', 'f', 'v') then
        v_unit := '\' || v_next;
        v_i := v_i + 2;
      elsif v_next = 'x' then
        v_hex := pg_catalog.array_to_string(v_chars[v_i + 2 : v_i + 3], '');
        if v_hex !~ '^[0-9A-Fa-f]{2}$' then
          problem := 'has \x without two hex digits';
          return;
        end if;
        v_unit := '\u00' || v_hex;
        v_i := v_i + 4;
      elsif v_next = 'u' then
        if v_i + 2 <= v_n and v_chars[v_i + 2] = '{' then
          -- Any number of leading zeros: \u{0000e9} is é.
          v_m := pg_catalog.regexp_match(pg_catalog.array_to_string(v_chars[v_i + 3 : v_n], ''), '^(0*)([0-9A-Fa-f]{1,6})\}');
          if v_m is null then
            problem := 'has a malformed \u{...} escape';
            return;
          end if;
          v_code := ('x' || pg_catalog.lpad(v_m[2], 8, '0'))::bit(32)::integer;
          v_i := v_i + 4 + pg_catalog.length(v_m[1]) + pg_catalog.length(v_m[2]);
        else
          v_hex := pg_catalog.array_to_string(v_chars[v_i + 2 : v_i + 5], '');
          if v_hex !~ '^[0-9A-Fa-f]{4}$' then
            problem := 'has \u without four hex digits';
            return;
          end if;
          v_code := ('x' || v_hex)::bit(16)::integer;
          v_i := v_i + 6;
          -- A surrogate pair spelled as two escapes is one code point in unicode mode.
          if v_code between 55296 and 56319 then
            v_hex := pg_catalog.array_to_string(v_chars[v_i : v_i + 5], '');
            if v_hex ~ '^\\u[dD][c-fC-F][0-9A-Fa-f]{2}$' then
              v_low := ('x' || pg_catalog.substr(v_hex, 3))::bit(16)::integer;
              v_code := 65536 + (v_code - 55296) * 1024 + (v_low - 56320);
              v_i := v_i + 6;
            end if;
          end if;
        end if;
        if v_code > 1114111 or v_code between 55296 and 57343 then
          problem := 'escapes a lone surrogate or a code point beyond U+10FFFF';
          return;
        end if;
        if v_code = 0 then
          problem := 'escapes the NUL character, which settings cannot hold';
          return;
        end if;
        v_unit := '\U' || pg_catalog.lpad(pg_catalog.to_hex(v_code), 8, '0');
      elsif v_next in ('^', '$', '\', '.', '*', '+', '?', '(', ')', '[', ']', '{', '}', '|', '/')
         or (v_in_class and v_next = '-') then
        v_unit := '\' || v_next;
        v_i := v_i + 2;
      elsif v_next in ('b', 'B') and not v_in_class then
        problem := 'uses \' || v_next || ' (word boundary), which is not supported';
        return;
      elsif v_next = 'b' then
        v_unit := '\b';
        v_i := v_i + 2;
      elsif v_next ~ '^[1-9]$' or v_next = 'k' then
        problem := 'uses a back-reference, which is not supported';
        return;
      elsif v_next = 'c' then
        -- A control letter: \cA is U+0001, \cz U+001A.
        v_hex := pg_catalog.array_to_string(v_chars[v_i + 2 : v_i + 2], '');
        if v_hex !~ '^[A-Za-z]$' then
          problem := 'has \c without a letter';
          return;
        end if;
        v_unit := '\u00' || pg_catalog.lpad(pg_catalog.to_hex(pg_catalog.ascii(v_hex) % 32), 2, '0');
        v_i := v_i + 3;
      elsif v_next = '0' and pg_catalog.array_to_string(v_chars[v_i + 2 : v_i + 2], '') !~ '^[0-9]$' then
        problem := 'escapes the NUL character, which settings cannot hold';
        return;
      elsif v_next in ('p', 'P') then
        problem := 'uses \' || v_next || '{...} (Unicode properties), which is not supported';
        return;
      else
        problem := 'uses the escape \' || v_next || ', which is not supported';
        return;
      end if;
      v_out := v_out || v_unit;
      if v_in_class then
        v_class_escape := false;
        v_range_end := v_range;
        v_range := false;
      else
        v_can_repeat := true;
        v_quantified := false;
      end if;
      continue;
    end if;

    if v_in_class then
      if v_c = ']' then
        if v_i = v_class_start + 1 then
          problem := 'has an empty class [] or [^], which is not supported';
          return;
        end if;
        v_out := v_out || ']';
        v_in_class := false;
        v_can_repeat := true;
        v_quantified := false;
      elsif v_c = '-' and v_i > v_class_start + 1 and v_next is distinct from ']' and not v_range
            and not v_range_end then
        if v_class_escape then
          problem := 'uses a class escape as the start of a range in [...]';
          return;
        end if;
        v_out := v_out || '-';
        v_range := true;
      elsif v_c in ('[', '^', '-') then
        -- A literal - (first, last, right after a range, or a range's end) is escaped: ARE reads
        -- [a-b-c] as a broken range, ECMA-262 as a-b, - and c.
        v_out := v_out || '\' || v_c;
        v_class_escape := false;
        v_range_end := v_range;
        v_range := false;
      else
        v_out := v_out || v_c;
        v_class_escape := false;
        v_range_end := v_range;
        v_range := false;
      end if;
      v_i := v_i + 1;
      continue;
    end if;

    if v_c = '[' then
      v_out := v_out || '[';
      v_i := v_i + 1;
      if v_next = '^' then
        v_out := v_out || '^';
        v_i := v_i + 1;
      end if;
      v_class_start := v_i - 1;
      v_in_class := true;
      v_class_escape := false;
      v_range := false;
      v_range_end := false;
      continue;
    end if;

    if v_c = '(' then
      if v_next = '?' then
        v_hex := pg_catalog.array_to_string(v_chars[v_i + 2 : v_i + 2], '');
        if v_hex = ':' then
          v_groups := v_groups || 'group'::text;
        elsif v_hex in ('=', '!') then
          v_groups := v_groups || 'lookahead'::text;
        else
          problem := 'uses a (?' || coalesce(v_hex, '') || ' group (lookbehind, named group or flags), which is not supported';
          return;
        end if;
        v_out := v_out || '(?' || v_hex;
        v_i := v_i + 3;
      else
        v_groups := v_groups || 'group'::text;
        v_out := v_out || '(';
        v_i := v_i + 1;
      end if;
      v_can_repeat := false;
      v_quantified := false;
      continue;
    end if;

    if v_c = ')' then
      if coalesce(pg_catalog.array_length(v_groups, 1), 0) = 0 then
        problem := 'has an unmatched )';
        return;
      end if;
      v_can_repeat := v_groups[pg_catalog.array_length(v_groups, 1)] = 'group';
      v_groups := v_groups[1 : pg_catalog.array_length(v_groups, 1) - 1];
      v_quantified := false;
      v_out := v_out || ')';
      v_i := v_i + 1;
      continue;
    end if;

    if v_c in ('*', '+', '?', '{') then
      if v_c = '?' and v_quantified then
        -- A lazy quantifier: it changes which match is found, never whether there is one.
        v_out := v_out || '?';
        v_quantified := false;
        v_i := v_i + 1;
        continue;
      end if;
      if v_c = '{' then
        v_m := pg_catalog.regexp_match(pg_catalog.array_to_string(v_chars[v_i : v_n], ''), '^\{([0-9]+)(,([0-9]*))?\}');
        if v_m is null then
          problem := 'has a { that does not start a quantifier {n}, {n,} or {n,m}; escape it as \{';
          return;
        end if;
        -- Counts are numbers: {007} is {7}.
        v_min := coalesce(nullif(pg_catalog.ltrim(v_m[1], '0'), ''), '0');
        v_max := case when v_m[3] is null or v_m[3] = '' then v_m[3]
          else coalesce(nullif(pg_catalog.ltrim(v_m[3], '0'), ''), '0') end;
        if pg_catalog.length(v_min) > 3 or pg_catalog.length(coalesce(v_max, '')) > 3
           or v_min::integer > 255 or coalesce(nullif(v_max, ''), '0')::integer > 255 then
          problem := 'has a repetition count above 255';
          return;
        end if;
        if v_max <> '' and v_max::integer < v_min::integer then
          problem := 'has a quantifier {n,m} with m < n';
          return;
        end if;
      end if;
      if not v_can_repeat then
        problem := 'has a quantifier ' || v_c || ' with nothing to repeat';
        return;
      end if;
      if v_c = '{' then
        v_out := v_out || '{' || v_min || case when v_m[2] is null then '' else ',' || v_max end || '}';
        v_i := v_i + 2 + pg_catalog.length(v_m[1]) + coalesce(pg_catalog.length(v_m[2]), 0);
      else
        v_out := v_out || v_c;
        v_i := v_i + 1;
      end if;
      v_can_repeat := false;
      v_quantified := true;
      continue;
    end if;

    if v_c in ('}', ']') then
      problem := 'has an unescaped ' || v_c || '; escape it as \' || v_c;
      return;
    end if;

    if v_c = '.' then
      v_out := v_out || '[^\n\r\u2028\u2029]';
      v_can_repeat := true;
    elsif v_c in ('^', '$') then
      v_out := v_out || v_c;
      v_can_repeat := false;
    elsif v_c = '|' then
      v_out := v_out || '|';
      v_can_repeat := false;
    else
      v_out := v_out || v_c;
      v_can_repeat := true;
    end if;
    v_quantified := false;
    v_i := v_i + 1;
  end loop;

  if v_in_class then
    problem := 'has an unterminated [...]';
    return;
  end if;
  if coalesce(pg_catalog.array_length(v_groups, 1), 0) > 0 then
    problem := 'has an unterminated (...)';
    return;
  end if;
  are := v_out;
end;
$$;

comment on function private.json_schema_regex(text) is
  'Translates an ECMA-262 pattern (unicode mode) into an equivalent PostgreSQL ARE, or says in `problem` why it cannot.';

revoke all on function private.json_schema_regex(text) from public, anon;
grant execute on function private.json_schema_regex(text) to authenticated, service_role;

-- Translating takes tens of microseconds; the catalog's trigger stores the translation of every
-- pattern of a schema it accepts, and the validator looks it up here first.
create table private.json_schema_patterns (
  pattern text primary key,
  are text not null
);

comment on table private.json_schema_patterns is
  'ECMA-262 patterns of settings schemas with their ARE translation (a cache filled when a schema is written to the catalog).';

grant select on private.json_schema_patterns to authenticated, service_role;

-- ---------------------------------------------------------------------------------------------
-- `format`: date-time, date, email, uuid as ajv-formats 3 checks them in its "full" mode (the
-- validator web clients most likely run on the schema they read from the catalog), and
-- time-zone: a name in private.time_zone_names.
-- ---------------------------------------------------------------------------------------------

create function private.json_schema_date_ok(p_value text)
returns boolean
language plpgsql
immutable
parallel safe
set search_path = ''
as $$
declare
  v_year integer;
  v_month integer;
  v_day integer;
begin
  -- ~ and substr, not regexp_match: that costs some 40 microseconds a call, ~ about 2.
  if p_value !~ '^[0-9]{4}-[0-9]{2}-[0-9]{2}$' then
    return false;
  end if;
  v_year := pg_catalog.substr(p_value, 1, 4)::integer;
  v_month := pg_catalog.substr(p_value, 6, 2)::integer;
  v_day := pg_catalog.substr(p_value, 9, 2)::integer;
  return v_month between 1 and 12 and v_day >= 1 and v_day <= case
    when v_month = 2 and v_year % 4 = 0 and (v_year % 100 <> 0 or v_year % 400 = 0) then 29
    else (array[31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31])[v_month]
  end;
end;
$$;

revoke all on function private.json_schema_date_ok(text) from public, anon;
grant execute on function private.json_schema_date_ok(text) to authenticated, service_role;

create function private.json_schema_time_ok(p_value text)
returns boolean
language plpgsql
immutable
parallel safe
set search_path = ''
as $$
declare
  v_zone text;
  v_hour integer;
  v_minute integer;
  v_second numeric;
  v_sign integer;
  v_tz_hour integer;
  v_tz_minute integer;
  v_utc_minute integer;
  v_utc_hour integer;
begin
  -- ~ and substr, not regexp_match (see json_schema_date_ok).
  if p_value !~ '^[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]+)?([zZ]|[+-][0-9]{2}(:?[0-9]{2})?)$' then
    return false;
  end if;
  v_hour := pg_catalog.substr(p_value, 1, 2)::integer;
  v_minute := pg_catalog.substr(p_value, 4, 2)::integer;
  -- After the seconds: Z, +hh, +hhmm or +hh:mm.
  v_zone := pg_catalog.ltrim(pg_catalog.substr(p_value, 7), '0123456789.');
  v_second := pg_catalog.substr(p_value, 7, pg_catalog.length(p_value) - 6 - pg_catalog.length(v_zone))::numeric;
  v_sign := case when pg_catalog.left(v_zone, 1) = '-' then -1 else 1 end;
  v_tz_hour := case when pg_catalog.length(v_zone) > 1 then pg_catalog.substr(v_zone, 2, 2)::integer else 0 end;
  v_tz_minute := case when pg_catalog.length(v_zone) > 3 then pg_catalog.right(v_zone, 2)::integer else 0 end;
  if v_tz_hour > 23 or v_tz_minute > 59 then
    return false;
  end if;
  if v_hour <= 23 and v_minute <= 59 and v_second < 60 then
    return true;
  end if;
  -- A leap second: 23:59:60 in UTC.
  v_utc_minute := v_minute - v_tz_minute * v_sign;
  v_utc_hour := v_hour - v_tz_hour * v_sign - case when v_utc_minute < 0 then 1 else 0 end;
  return v_utc_hour in (23, -1) and v_utc_minute in (59, -1) and v_second < 61;
end;
$$;

revoke all on function private.json_schema_time_ok(text) from public, anon;
grant execute on function private.json_schema_time_ok(text) to authenticated, service_role;

create function private.json_schema_format_ok(p_format text, p_value text)
returns boolean
language plpgsql
stable
parallel safe
set search_path = ''
as $$
begin
  case p_format
    when 'date' then
      return private.json_schema_date_ok(p_value);
    when 'date-time' then
      -- Date and time are separated by T, t or one white-space character, the only one in the
      -- value (as ajv-formats splits at every one). A valid date has 10 characters, and neither
      -- part can hold a separator, so the value is split at the 11th character.
      return pg_catalog.substr(p_value, 11, 1)
          ~ E'^[tT\\t\\n\\v\\f\\r \\u00a0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000\\ufeff]$'
        and private.json_schema_date_ok(pg_catalog.substr(p_value, 1, 10))
        and private.json_schema_time_ok(pg_catalog.substr(p_value, 12));
    when 'email' then
      -- ajv-formats' full-mode expression: no length limit on domain labels (its fast mode has one).
      return p_value ~* ('^[a-z0-9!#$%&''*+/=?^_`{|}~-]+(\.[a-z0-9!#$%&''*+/=?^_`{|}~-]+)*'
        || '@([a-z0-9]([a-z0-9-]*[a-z0-9])?\.)+[a-z0-9]([a-z0-9-]*[a-z0-9])?$');
    when 'uuid' then
      return p_value ~* '^(urn:uuid:)?[0-9a-f]{8}-([0-9a-f]{4}-){3}[0-9a-f]{12}$';
    when 'time-zone' then
      return exists (select 1 from private.time_zone_names as z where z.name = p_value);
    else
      return false;
  end case;
end;
$$;

revoke all on function private.json_schema_format_ok(text, text) from public, anon;
grant execute on function private.json_schema_format_ok(text, text) to authenticated, service_role;

create function private.json_schema_format_message(p_format text)
returns text
language sql
immutable
parallel safe
set search_path = ''
as $$
  select case p_format
    when 'date' then 'must be a date (YYYY-MM-DD), e.g. "2025-12-31"'
    when 'date-time' then 'must be a date and time (RFC 3339) with a time zone, e.g. "2025-12-31T23:59:00Z"'
    when 'email' then 'must be an email address'
    when 'uuid' then 'must be a UUID'
    when 'time-zone' then 'must be an IANA time-zone name, e.g. "Europe/Paris"'
    else 'must be a ' || p_format
  end;
$$;

revoke all on function private.json_schema_format_message(text) from public, anon;
grant execute on function private.json_schema_format_message(text) to authenticated, service_role;

-- ---------------------------------------------------------------------------------------------
-- The validator: every failing path of `p_value` against `p_schema`, appended to `p_errors` as
-- {path, message}. Defaults are not applied here (see json_schema_apply_defaults).
-- ---------------------------------------------------------------------------------------------

create function private.json_schema_type_name(p_type text)
returns text
language sql
immutable
parallel safe
set search_path = ''
as $$
  select case p_type
    when 'object' then 'an object'
    when 'array' then 'an array'
    when 'string' then 'a string'
    when 'number' then 'a number'
    when 'integer' then 'an integer'
    when 'boolean' then 'true or false'
    else 'null'
  end;
$$;

revoke all on function private.json_schema_type_name(text) from public, anon;
grant execute on function private.json_schema_type_name(text) to authenticated, service_role;

create function private.json_schema_collect(
  p_schema jsonb,
  p_value jsonb,
  p_path text,
  p_errors jsonb
)
returns jsonb
language plpgsql
stable
set search_path = ''
as $$
declare
  v_kind text := pg_catalog.jsonb_typeof(p_value);
  v_types jsonb;
  v_keyword jsonb;
  v_number numeric;
  v_text text;
  v_length integer;
  v_key text;
  v_sub jsonb;
  v_index bigint;
  v_are text;
  v_props jsonb;
begin
  if p_schema = 'true'::jsonb then
    return p_errors;
  elsif p_schema = 'false'::jsonb then
    return p_errors || pg_catalog.jsonb_build_object('path', p_path, 'message', 'is not allowed');
  end if;

  v_types := p_schema -> 'type';
  if v_types is not null then
    if pg_catalog.jsonb_typeof(v_types) = 'string' then
      v_types := pg_catalog.jsonb_build_array(v_types);
    end if;
    if not (
      v_types ? v_kind
      or (v_kind = 'number' and v_types ? 'integer' and (p_value)::numeric % 1 = 0)
    ) then
      return p_errors || pg_catalog.jsonb_build_object('path', p_path, 'message', 'must be '
        || (select pg_catalog.string_agg(private.json_schema_type_name(t), ' or ' order by i)
            from pg_catalog.jsonb_array_elements_text(v_types) with ordinality as e (t, i)));
    end if;
  end if;

  -- `@>` first, in C: a value equal to an item is contained, and for a scalar containment is
  -- equality; an object or array also needs an equal item ([[1, 2]] @> [[1]] holds).
  v_keyword := p_schema -> 'enum';
  if v_keyword is not null and not (
    v_keyword @> pg_catalog.jsonb_build_array(p_value)
    and (v_kind not in ('object', 'array') or exists (
      select 1 from pg_catalog.jsonb_array_elements(v_keyword) as e (v) where e.v = p_value))
  ) then
    p_errors := p_errors || pg_catalog.jsonb_build_object('path', p_path, 'message',
      case when pg_catalog.jsonb_array_length(v_keyword) <= 10
        then 'must be one of: ' || coalesce(private.json_schema_list(v_keyword), '(nothing)')
        else 'must be one of the ' || pg_catalog.jsonb_array_length(v_keyword)
          || ' allowed values, e.g. ' || private.json_schema_list(
            pg_catalog.jsonb_build_array(v_keyword -> 0, v_keyword -> 1, v_keyword -> 2))
      end);
  end if;

  v_keyword := p_schema -> 'const';
  if v_keyword is not null and v_keyword <> p_value then
    p_errors := p_errors || pg_catalog.jsonb_build_object('path', p_path, 'message',
      'must be ' || v_keyword::text);
  end if;

  if v_kind = 'number' then
    v_number := (p_value)::numeric;
    if (p_schema -> 'minimum') is not null and v_number < (p_schema -> 'minimum')::numeric then
      p_errors := p_errors || pg_catalog.jsonb_build_object('path', p_path, 'message',
        'must be at least ' || (p_schema -> 'minimum')::text);
    end if;
    if (p_schema -> 'maximum') is not null and v_number > (p_schema -> 'maximum')::numeric then
      p_errors := p_errors || pg_catalog.jsonb_build_object('path', p_path, 'message',
        'must be at most ' || (p_schema -> 'maximum')::text);
    end if;
    if (p_schema -> 'exclusiveMinimum') is not null
       and v_number <= (p_schema -> 'exclusiveMinimum')::numeric then
      p_errors := p_errors || pg_catalog.jsonb_build_object('path', p_path, 'message',
        'must be greater than ' || (p_schema -> 'exclusiveMinimum')::text);
    end if;
    if (p_schema -> 'exclusiveMaximum') is not null
       and v_number >= (p_schema -> 'exclusiveMaximum')::numeric then
      p_errors := p_errors || pg_catalog.jsonb_build_object('path', p_path, 'message',
        'must be less than ' || (p_schema -> 'exclusiveMaximum')::text);
    end if;
    if (p_schema -> 'multipleOf') is not null
       and v_number % (p_schema -> 'multipleOf')::numeric <> 0 then
      p_errors := p_errors || pg_catalog.jsonb_build_object('path', p_path, 'message',
        'must be a multiple of ' || (p_schema -> 'multipleOf')::text);
    end if;

  elsif v_kind = 'string' then
    v_text := p_value #>> '{}';
    v_length := pg_catalog.length(v_text);
    if (p_schema -> 'minLength') is not null and v_length < (p_schema -> 'minLength')::numeric then
      p_errors := p_errors || pg_catalog.jsonb_build_object('path', p_path, 'message',
        'must be at least ' || (p_schema -> 'minLength')::text || ' characters long');
    end if;
    if (p_schema -> 'maxLength') is not null and v_length > (p_schema -> 'maxLength')::numeric then
      p_errors := p_errors || pg_catalog.jsonb_build_object('path', p_path, 'message',
        'must be at most ' || (p_schema -> 'maxLength')::text || ' characters long');
    end if;
    if (p_schema ->> 'pattern') is not null then
      select c.are into v_are from private.json_schema_patterns as c
      where c.pattern = p_schema ->> 'pattern';
      if not found then
        v_are := (private.json_schema_regex(p_schema ->> 'pattern')).are;
      end if;
      if v_are is null or v_text !~ v_are then
        p_errors := p_errors || pg_catalog.jsonb_build_object('path', p_path, 'message',
          'must match the pattern ' || (p_schema ->> 'pattern'));
      end if;
    end if;
    if (p_schema ->> 'format') is not null
       and not private.json_schema_format_ok(p_schema ->> 'format', v_text) then
      p_errors := p_errors || pg_catalog.jsonb_build_object('path', p_path, 'message',
        private.json_schema_format_message(p_schema ->> 'format'));
    end if;

  elsif v_kind = 'array' then
    v_length := pg_catalog.jsonb_array_length(p_value);
    if (p_schema -> 'minItems') is not null and v_length < (p_schema -> 'minItems')::numeric then
      p_errors := p_errors || pg_catalog.jsonb_build_object('path', p_path, 'message',
        'must have at least ' || (p_schema -> 'minItems')::text || ' items');
    end if;
    if (p_schema -> 'maxItems') is not null and v_length > (p_schema -> 'maxItems')::numeric then
      p_errors := p_errors || pg_catalog.jsonb_build_object('path', p_path, 'message',
        'must have at most ' || (p_schema -> 'maxItems')::text || ' items');
    end if;
    if p_schema -> 'uniqueItems' = 'true'::jsonb and v_length > 1
       and (select pg_catalog.count(distinct e.v) from pg_catalog.jsonb_array_elements(p_value) as e (v))
         < v_length then
      p_errors := p_errors || pg_catalog.jsonb_build_object('path', p_path, 'message',
        'must not contain the same item twice');
    end if;
    v_sub := p_schema -> 'items';
    if v_sub is not null and v_sub <> 'true'::jsonb then
      for v_index, v_keyword in
        select e.i - 1, e.v from pg_catalog.jsonb_array_elements(p_value) with ordinality as e (v, i)
      loop
        p_errors := private.json_schema_collect(v_sub, v_keyword, p_path || '[' || v_index || ']',
          p_errors);
      end loop;
    end if;

  elsif v_kind = 'object' then
    v_props := coalesce(p_schema -> 'properties', '{}'::jsonb);
    if (p_schema -> 'required') is not null then
      for v_key in
        select r.k from pg_catalog.jsonb_array_elements_text(p_schema -> 'required') as r (k)
        where not p_value ? r.k
      loop
        p_errors := p_errors || pg_catalog.jsonb_build_object(
          'path', private.json_path_key(p_path, v_key), 'message', 'is required');
      end loop;
    end if;
    for v_key, v_keyword in select e.key, e.value from pg_catalog.jsonb_each(p_value) as e loop
      v_sub := v_props -> v_key;
      if v_sub is null then
        v_sub := p_schema -> 'additionalProperties';
        if v_sub = 'false'::jsonb then
          p_errors := p_errors || pg_catalog.jsonb_build_object('path', p_path, 'message',
            'unknown key ' || pg_catalog.to_jsonb(v_key)::text);
          continue;
        end if;
      end if;
      if v_sub is not null and v_sub <> 'true'::jsonb then
        p_errors := private.json_schema_collect(v_sub, v_keyword,
          private.json_path_key(p_path, v_key), p_errors);
      end if;
    end loop;
  end if;

  return p_errors;
end;
$$;

comment on function private.json_schema_collect(jsonb, jsonb, text, jsonb) is
  'Appends to p_errors one {path, message} per keyword of p_schema (the supported subset of JSON Schema 2020-12) that p_value fails; p_path names p_value in the messages.';

revoke all on function private.json_schema_collect(jsonb, jsonb, text, jsonb) from public, anon;
grant execute on function private.json_schema_collect(jsonb, jsonb, text, jsonb) to authenticated, service_role;

-- Fills in defaults the way ajv's useDefaults does: wherever a schema with `properties`
-- validates an object, each missing property that has a `default` gets a copy of it, then the
-- properties (defaulted ones included), additional properties and array items are visited.
create function private.json_schema_apply_defaults(p_schema jsonb, p_value jsonb)
returns jsonb
language plpgsql
immutable
parallel safe
set search_path = ''
as $$
declare
  v_key text;
  v_sub jsonb;
  v_item jsonb;
  v_props jsonb;
  v_result jsonb := p_value;
  v_items jsonb;
begin
  if pg_catalog.jsonb_typeof(p_schema) <> 'object' then
    return p_value;
  end if;
  if pg_catalog.jsonb_typeof(p_value) = 'object' then
    v_props := p_schema -> 'properties';
    if v_props is not null then
      for v_key, v_sub in select e.key, e.value from pg_catalog.jsonb_each(v_props) as e loop
        if not v_result ? v_key and pg_catalog.jsonb_typeof(v_sub) = 'object' and v_sub ? 'default' then
          v_result := v_result || pg_catalog.jsonb_build_object(v_key, v_sub -> 'default');
        end if;
      end loop;
    end if;
    for v_key, v_item in select e.key, e.value from pg_catalog.jsonb_each(v_result) as e loop
      v_sub := coalesce(v_props -> v_key, p_schema -> 'additionalProperties');
      if pg_catalog.jsonb_typeof(v_sub) = 'object'
         and pg_catalog.jsonb_typeof(v_item) in ('object', 'array') then
        v_result := v_result || pg_catalog.jsonb_build_object(
          v_key, private.json_schema_apply_defaults(v_sub, v_item));
      end if;
    end loop;
  elsif pg_catalog.jsonb_typeof(p_value) = 'array' then
    v_sub := p_schema -> 'items';
    if pg_catalog.jsonb_typeof(v_sub) = 'object' then
      select coalesce(pg_catalog.jsonb_agg(private.json_schema_apply_defaults(v_sub, e.v) order by e.i), '[]')
      into v_items
      from pg_catalog.jsonb_array_elements(p_value) with ordinality as e (v, i);
      v_result := v_items;
    end if;
  end if;
  return v_result;
end;
$$;

comment on function private.json_schema_apply_defaults(jsonb, jsonb) is
  'p_value with every missing property that p_schema gives a default filled in, nested objects and array items included (as ajv''s useDefaults).';

revoke all on function private.json_schema_apply_defaults(jsonb, jsonb) from public, anon;
grant execute on function private.json_schema_apply_defaults(jsonb, jsonb) to authenticated, service_role;

-- Settings errors as the API reports them: the depth cap, then the schema's verdict.
create function private.json_schema_errors(p_schema jsonb, p_value jsonb, p_path text)
returns jsonb
language plpgsql
stable
set search_path = ''
as $$
begin
  if private.jsonb_too_deep(p_value) then
    return pg_catalog.jsonb_build_array(pg_catalog.jsonb_build_object(
      'path', p_path, 'message', 'must not nest objects and arrays more than 32 levels deep'));
  end if;
  if p_schema is null then
    return '[]'::jsonb;
  end if;
  return private.json_schema_collect(p_schema, p_value, p_path, '[]'::jsonb);
end;
$$;

comment on function private.json_schema_errors(jsonb, jsonb, text) is
  'Every {path, message} that makes p_value fail p_schema (null: any value) or the 32-level nesting cap; [] when it passes.';

revoke all on function private.json_schema_errors(jsonb, jsonb, text) from public, anon;
grant execute on function private.json_schema_errors(jsonb, jsonb, text) to authenticated, service_role;

-- ---------------------------------------------------------------------------------------------
-- What a settings schema may say. Checked whenever a schema is written to the catalog.
-- ---------------------------------------------------------------------------------------------

create function private.json_schema_problems_at(p_schema jsonb, p_path text, p_problems jsonb)
returns jsonb
language plpgsql
stable
set search_path = ''
as $$
declare
  c_keywords constant text[] := array[
    'type', 'enum', 'const', 'default', 'title', 'description', '$comment', 'examples',
    'deprecated', 'readOnly', 'writeOnly', 'minimum', 'maximum', 'exclusiveMinimum',
    'exclusiveMaximum', 'multipleOf', 'minLength', 'maxLength', 'pattern', 'format', 'items',
    'minItems', 'maxItems', 'uniqueItems', 'properties', 'required', 'additionalProperties'];
  c_types constant text[] := array['object', 'array', 'string', 'number', 'integer', 'boolean', 'null'];
  c_formats constant text[] := array['date-time', 'date', 'email', 'uuid', 'time-zone'];
  v_key text;
  v_value jsonb;
  v_kind text;
  v_regex record;
  v_errors jsonb;
  v_before integer := pg_catalog.jsonb_array_length(p_problems);
begin
  v_kind := pg_catalog.jsonb_typeof(p_schema);
  if v_kind = 'boolean' then
    return p_problems;
  elsif v_kind is distinct from 'object' then
    return p_problems || pg_catalog.jsonb_build_object('path', p_path, 'message',
      'must be a schema: an object, true or false');
  end if;

  for v_key, v_value in select e.key, e.value from pg_catalog.jsonb_each(p_schema) as e loop
    v_kind := pg_catalog.jsonb_typeof(v_value);
    if v_key = '$schema' and p_path = 'settings_schema' then
      if v_value <> '"https://json-schema.org/draft/2020-12/schema"'::jsonb then
        p_problems := p_problems || pg_catalog.jsonb_build_object('path', p_path || '.$schema',
          'message', 'must be "https://json-schema.org/draft/2020-12/schema" (the only dialect supported)');
      end if;
      continue;
    end if;
    if not v_key = any (c_keywords) then
      p_problems := p_problems || pg_catalog.jsonb_build_object('path', p_path, 'message',
        'uses the keyword ' || pg_catalog.to_jsonb(v_key)::text
        || ', which is not supported; supported: ' || pg_catalog.array_to_string(c_keywords, ', '));
      continue;
    end if;
    case
      when v_key = 'type' then
        if not (
          (v_kind = 'string' and v_value #>> '{}' = any (c_types))
          or (v_kind = 'array' and pg_catalog.jsonb_array_length(v_value) > 0
              and not exists (
                select 1 from pg_catalog.jsonb_array_elements(v_value) as e (t)
                where pg_catalog.jsonb_typeof(e.t) <> 'string' or not e.t #>> '{}' = any (c_types))
              and (select pg_catalog.count(distinct e.t) = pg_catalog.count(*)
                   from pg_catalog.jsonb_array_elements(v_value) as e (t)))
        ) then
          p_problems := p_problems || pg_catalog.jsonb_build_object('path', p_path || '.type',
            'message', 'must be one of ' || pg_catalog.array_to_string(c_types, ', ')
            || ', or an array of distinct ones');
        end if;
      when v_key in ('enum', 'examples') then
        if v_kind <> 'array' then
          p_problems := p_problems || pg_catalog.jsonb_build_object('path', p_path || '.' || v_key,
            'message', 'must be an array');
        end if;
      when v_key in ('minimum', 'maximum', 'exclusiveMinimum', 'exclusiveMaximum') then
        if v_kind <> 'number' then
          p_problems := p_problems || pg_catalog.jsonb_build_object('path', p_path || '.' || v_key,
            'message', 'must be a number');
        end if;
      when v_key = 'multipleOf' then
        if v_kind <> 'number' or (v_value)::numeric <= 0 then
          p_problems := p_problems || pg_catalog.jsonb_build_object('path', p_path || '.multipleOf',
            'message', 'must be a number greater than 0');
        end if;
      when v_key in ('minLength', 'maxLength', 'minItems', 'maxItems') then
        if v_kind <> 'number' or (v_value)::numeric < 0 or (v_value)::numeric % 1 <> 0 then
          p_problems := p_problems || pg_catalog.jsonb_build_object('path', p_path || '.' || v_key,
            'message', 'must be a non-negative integer');
        end if;
      when v_key = 'pattern' then
        if v_kind <> 'string' then
          p_problems := p_problems || pg_catalog.jsonb_build_object('path', p_path || '.pattern',
            'message', 'must be a string');
        else
          v_regex := private.json_schema_regex(v_value #>> '{}');
          if v_regex.problem is null then
            begin
              perform '' ~ v_regex.are;
            exception when invalid_regular_expression then
              v_regex.problem := 'is not a regular expression Postgres can run: ' || sqlerrm;
            end;
          end if;
          if v_regex.problem is not null then
            p_problems := p_problems || pg_catalog.jsonb_build_object('path', p_path || '.pattern',
              'message', v_regex.problem);
          end if;
        end if;
      when v_key = 'format' then
        if v_kind <> 'string' or not v_value #>> '{}' = any (c_formats) then
          p_problems := p_problems || pg_catalog.jsonb_build_object('path', p_path || '.format',
            'message', 'must be one of ' || pg_catalog.array_to_string(c_formats, ', '));
        end if;
      when v_key in ('uniqueItems', 'deprecated', 'readOnly', 'writeOnly') then
        if v_kind <> 'boolean' then
          p_problems := p_problems || pg_catalog.jsonb_build_object('path', p_path || '.' || v_key,
            'message', 'must be true or false');
        end if;
      when v_key in ('title', 'description', '$comment') then
        if v_kind <> 'string' then
          p_problems := p_problems || pg_catalog.jsonb_build_object('path', p_path || '.' || v_key,
            'message', 'must be a string');
        end if;
      when v_key in ('items', 'additionalProperties') then
        p_problems := private.json_schema_problems_at(v_value, p_path || '.' || v_key, p_problems);
      when v_key = 'properties' then
        if v_kind <> 'object' then
          p_problems := p_problems || pg_catalog.jsonb_build_object('path', p_path || '.properties',
            'message', 'must be an object of schemas');
        else
          for v_key, v_value in select e.key, e.value from pg_catalog.jsonb_each(v_value) as e loop
            p_problems := private.json_schema_problems_at(v_value,
              private.json_path_key(p_path || '.properties', v_key), p_problems);
          end loop;
        end if;
      when v_key = 'required' then
        if v_kind <> 'array'
           or exists (select 1 from pg_catalog.jsonb_array_elements(v_value) as e (k)
                      where pg_catalog.jsonb_typeof(e.k) <> 'string')
           or (select pg_catalog.count(distinct e.k) <> pg_catalog.count(*)
               from pg_catalog.jsonb_array_elements(v_value) as e (k)) then
          p_problems := p_problems || pg_catalog.jsonb_build_object('path', p_path || '.required',
            'message', 'must be an array of distinct strings');
        end if;
      else
        null; -- const, default: any JSON value
    end case;
  end loop;

  -- A default must pass its own schema, or every install would fail on it.
  if p_schema ? 'default' and pg_catalog.jsonb_array_length(p_problems) = v_before then
    -- As an install would see it: with its own nested defaults filled in.
    v_errors := private.json_schema_errors(p_schema,
      private.json_schema_apply_defaults(p_schema, p_schema -> 'default'), 'default');
    if v_errors <> '[]'::jsonb then
      p_problems := p_problems || pg_catalog.jsonb_build_object('path', p_path || '.default',
        'message', 'does not match its own schema: '
        || (select pg_catalog.string_agg((e.v ->> 'path') || ' ' || (e.v ->> 'message'), '; ')
            from pg_catalog.jsonb_array_elements(v_errors) as e (v)));
    end if;
  end if;
  return p_problems;
end;
$$;

revoke all on function private.json_schema_problems_at(jsonb, text, jsonb) from public, anon;
grant execute on function private.json_schema_problems_at(jsonb, text, jsonb) to authenticated, service_role;

create function private.json_schema_problems(p_schema jsonb)
returns jsonb
language plpgsql
stable
set search_path = ''
as $$
declare
  v_types jsonb;
begin
  if p_schema is null then
    return '[]'::jsonb;
  end if;
  if pg_catalog.jsonb_path_exists(p_schema, 'strict $.**{64 to last}') then
    return pg_catalog.jsonb_build_array(pg_catalog.jsonb_build_object('path', 'settings_schema',
      'message', 'nests more than 64 levels deep'));
  end if;
  if p_schema = 'false'::jsonb then
    return pg_catalog.jsonb_build_array(pg_catalog.jsonb_build_object('path', 'settings_schema',
      'message', 'must accept some settings (false accepts none)'));
  end if;
  v_types := p_schema -> 'type';
  if pg_catalog.jsonb_typeof(v_types) = 'string' then
    v_types := pg_catalog.jsonb_build_array(v_types);
  end if;
  if pg_catalog.jsonb_typeof(v_types) = 'array' and not v_types ? 'object' then
    return pg_catalog.jsonb_build_array(pg_catalog.jsonb_build_object('path', 'settings_schema.type',
      'message', 'must allow "object": settings are always a JSON object'));
  end if;
  return private.json_schema_problems_at(p_schema, 'settings_schema', '[]'::jsonb);
end;
$$;

comment on function private.json_schema_problems(jsonb) is
  'Every {path, message} that keeps p_schema from being a settings schema: keywords outside the supported subset of JSON Schema 2020-12, malformed values, patterns that cannot be translated, defaults that fail their own schema; [] when it is fine.';

revoke all on function private.json_schema_problems(jsonb) from public, anon;
grant execute on function private.json_schema_problems(jsonb) to authenticated, service_role;

-- ---------------------------------------------------------------------------------------------
-- The catalog carries the contract.
-- ---------------------------------------------------------------------------------------------

alter table public.modules add column settings_schema jsonb;

comment on column public.modules.settings_schema is
  'JSON Schema (a subset of draft 2020-12) of the module''s settings, or null for any JSON object. Enforced by the database on every write of tenant_modules.settings; writing a schema that breaks some tenant''s current settings is refused.';

create function private.modules_check_settings_schema()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_problems jsonb := private.json_schema_problems(new.settings_schema);
begin
  if v_problems = '[]'::jsonb then
    insert into private.json_schema_patterns (pattern, are)
    select p.pattern, r.are
    from (
      select distinct v #>> '{}' as pattern
      from pg_catalog.jsonb_path_query(new.settings_schema, 'strict $.**.pattern ? (@.type() == "string")') as q (v)
    ) as p
    cross join lateral private.json_schema_regex(p.pattern) as r
    where r.are is not null
    on conflict (pattern) do nothing;
  else
    raise exception 'unsupported settings schema for module "%"', new.id
      using errcode = '23514',
        detail = v_problems::text,
        hint = 'Settings schemas use a subset of JSON Schema 2020-12; the detail lists each problem as {path, message}.',
        constraint = 'modules_settings_schema',
        schema = 'public',
        table = 'modules',
        column = 'settings_schema';
  end if;
  return new;
end;
$$;

comment on function private.modules_check_settings_schema() is
  'Trigger: refuses a settings schema that uses anything outside the supported subset of JSON Schema, and stores the translation of its patterns.';

revoke all on function private.modules_check_settings_schema() from public, anon, authenticated;

create trigger modules_check_settings_schema
before insert or update of settings_schema on public.modules
for each row execute function private.modules_check_settings_schema();

-- After a schema changed: every installed row must still pass it (with its new defaults); then
-- the new defaults are written into the rows, so stored settings always match their schema.
create function private.modules_apply_settings_schema()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_failing jsonb;
  v_count bigint;
begin
  select pg_catalog.count(*),
    pg_catalog.jsonb_agg(pg_catalog.jsonb_build_object('tenant_id', f.tenant_id, 'errors', f.errors)
      order by f.tenant_id) filter (where f.n <= 20)
  into v_count, v_failing
  from (
    select tm.tenant_id, e.errors, pg_catalog.row_number() over (order by tm.tenant_id) as n
    from public.tenant_modules as tm
    cross join lateral (
      select private.json_schema_errors(
        new.settings_schema,
        private.json_schema_apply_defaults(new.settings_schema, tm.settings),
        'settings'
      ) as errors
    ) as e
    where tm.module_id = new.id and e.errors <> '[]'::jsonb
  ) as f;
  if v_count > 0 then
    raise exception 'the new settings schema of module "%" would reject the settings of % tenant(s)',
      new.id, v_count
      using errcode = '23514',
        detail = v_failing::text,
        hint = 'Change those tenants'' settings first, or publish a schema that accepts them; the detail lists up to 20 tenants as {tenant_id, errors}.',
        constraint = 'modules_settings_schema_compatible',
        schema = 'public',
        table = 'modules',
        column = 'settings_schema';
  end if;
  update public.tenant_modules as tm
  set settings = d.settings
  from (
    select t.id, private.json_schema_apply_defaults(new.settings_schema, t.settings) as settings
    from public.tenant_modules as t
    where t.module_id = new.id
  ) as d
  where tm.id = d.id and tm.settings <> d.settings;
  return null;
end;
$$;

comment on function private.modules_apply_settings_schema() is
  'Trigger: refuses a new settings schema that some installed row''s settings fail (listing those tenants), else fills its defaults into those rows.';

revoke all on function private.modules_apply_settings_schema() from public, anon, authenticated;

create trigger modules_apply_settings_schema
after update of settings_schema on public.modules
for each row
when (old.settings_schema is distinct from new.settings_schema and new.settings_schema is not null)
execute function private.modules_apply_settings_schema();

-- ---------------------------------------------------------------------------------------------
-- Every write of tenant_modules.settings meets the contract.
-- ---------------------------------------------------------------------------------------------

-- Two triggers: defaults are filled in before the row is written (so they are stored), and the
-- settings are checked after it, once RLS has accepted the row (policies are checked after BEFORE
-- triggers). A caller who may not write the row gets RLS's answer (42501, or no row), never the
-- contract's, which would show anon, who cannot read the catalog, a module's schema.
create function private.tenant_modules_apply_settings_defaults()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_schema jsonb;
begin
  if tg_op = 'UPDATE' and new.settings is not distinct from old.settings then
    return new;
  end if;
  -- Not an object, or over 64 KiB: the table's own constraints refuse it.
  if pg_catalog.jsonb_typeof(new.settings) is distinct from 'object'
     or pg_catalog.octet_length(new.settings::text) > 65536 then
    return new;
  end if;
  select m.settings_schema into v_schema from public.modules as m where m.id = new.module_id;
  if v_schema is not null then
    new.settings := private.json_schema_apply_defaults(v_schema, new.settings);
  end if;
  return new;
end;
$$;

comment on function private.tenant_modules_apply_settings_defaults() is
  'Trigger (before insert or update of settings): fills in the defaults of the module''s settings_schema.';

revoke all on function private.tenant_modules_apply_settings_defaults() from public, anon, authenticated;

-- Named to run after tenant_modules_before_write (triggers fire in name order).
create trigger tenant_modules_settings_defaults
before insert or update of settings on public.tenant_modules
for each row execute function private.tenant_modules_apply_settings_defaults();

create function private.tenant_modules_check_settings()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_schema jsonb;
  v_errors jsonb;
begin
  if tg_op = 'UPDATE' and new.settings is not distinct from old.settings then
    return null;
  end if;
  select m.settings_schema into v_schema from public.modules as m where m.id = new.module_id;
  v_errors := private.json_schema_errors(v_schema, new.settings, 'settings');
  if v_errors <> '[]'::jsonb then
    raise exception 'invalid settings for module "%"', new.module_id
      using errcode = '23514',
        detail = v_errors::text,
        hint = 'The settings must match the settings_schema of the module in public.modules; the detail lists each failing path as {path, message}.',
        constraint = 'tenant_modules_settings_schema',
        schema = 'public',
        table = 'tenant_modules',
        column = 'settings';
  end if;
  return null;
end;
$$;

comment on function private.tenant_modules_check_settings() is
  'Trigger (after insert or update of settings, so after RLS): refuses settings that fail the module''s settings_schema or nest more than 32 levels (SQLSTATE 23514, failing paths as JSON in DETAIL).';

revoke all on function private.tenant_modules_check_settings() from public, anon, authenticated;

create trigger tenant_modules_settings_contract
after insert or update of settings on public.tenant_modules
for each row execute function private.tenant_modules_check_settings();

-- ---------------------------------------------------------------------------------------------
-- The settings merge: RFC 7396 in one statement.
-- ---------------------------------------------------------------------------------------------

create function private.jsonb_merge_patch(p_target jsonb, p_patch jsonb)
returns jsonb
language plpgsql
immutable
parallel safe
set search_path = ''
as $$
declare
  v_result jsonb;
  v_key text;
  v_value jsonb;
begin
  if pg_catalog.jsonb_typeof(p_patch) is distinct from 'object' then
    return p_patch;
  end if;
  v_result := case when pg_catalog.jsonb_typeof(p_target) = 'object' then p_target else '{}'::jsonb end;
  for v_key, v_value in select e.key, e.value from pg_catalog.jsonb_each(p_patch) as e loop
    if v_value = 'null'::jsonb then
      v_result := v_result - v_key;
    elsif pg_catalog.jsonb_typeof(v_value) = 'object' then
      v_result := v_result || pg_catalog.jsonb_build_object(
        v_key, private.jsonb_merge_patch(v_result -> v_key, v_value));
    else
      v_result := v_result || pg_catalog.jsonb_build_object(v_key, v_value);
    end if;
  end loop;
  return v_result;
end;
$$;

comment on function private.jsonb_merge_patch(jsonb, jsonb) is
  'JSON Merge Patch (RFC 7396): objects merge recursively, null removes a key, anything else replaces. Untouched values are kept as stored.';

revoke all on function private.jsonb_merge_patch(jsonb, jsonb) from public, anon;
grant execute on function private.jsonb_merge_patch(jsonb, jsonb) to authenticated, service_role;

create function public.merge_tenant_module_settings(tenant_id uuid, module_id text, patch jsonb)
returns setof public.tenant_modules
language plpgsql
volatile
security invoker
set search_path = ''
as $$
begin
  if pg_catalog.jsonb_typeof(patch) is distinct from 'object' then
    raise exception 'the patch must be a JSON object'
      using errcode = '22023',
        hint = 'Send a JSON Merge Patch (RFC 7396): {"key": value} sets, {"key": null} removes.';
  end if;
  if private.jsonb_too_deep(patch) then
    raise exception 'the patch nests objects and arrays more than 32 levels deep'
      using errcode = '22023';
  end if;
  return query
    update public.tenant_modules as tm
    set settings = private.jsonb_merge_patch(tm.settings, merge_tenant_module_settings.patch)
    where tm.tenant_id = merge_tenant_module_settings.tenant_id
      and tm.module_id = merge_tenant_module_settings.module_id
    returning tm.*;
end;
$$;

comment on function public.merge_tenant_module_settings(uuid, text, jsonb) is
  'Merges a JSON Merge Patch (RFC 7396) into a tenant''s installed module settings in one statement, under the row lock, as the caller (RLS decides). Returns the updated row; none when the module is not installed or the caller may not change it. Invalid results fail with 23514 like any other write.';

revoke all on function public.merge_tenant_module_settings(uuid, text, jsonb) from public, anon;
grant execute on function public.merge_tenant_module_settings(uuid, text, jsonb) to authenticated, service_role;

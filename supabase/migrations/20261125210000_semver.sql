-- Semantic versions and version ranges, for module dependencies (`"requires": {"crm": "^1.2.0"}`)
-- and for ordering a module's published versions:
--
-- * `private.semver_compare(a, b)`: -1, 0 or 1 by semver.org 2.0.0 precedence (build metadata
--   ignored);
-- * `private.semver_range_problem(range)`: null for a valid range, else what is wrong with it;
-- * `private.semver_satisfies(version, range)`: whether the version is in the range;
-- * `private.semver_max_satisfying(versions, range)`: the highest version in the range;
-- * underneath, `semver_parts`, `semver_compare_parts`, `semver_range_parse` and `semver_test`.
--   To test many versions against one range (a bulk upgrade), parse the range once:
--   `private.semver_test(version, (select (private.semver_range_parse('^1.2.0')).comparators))`.
--
-- Ranges mean what they mean to npm: these functions follow node-semver (the `semver` package,
-- 7.x) with its default options (no `loose`, no `includePrerelease`), quirks included: `>1.2` is
-- `>=1.3.0`, `*1.2.3` is `1.2.3`, `1.2.3-beta || *` is `*` (which admits no prerelease), and a
-- prerelease version is in a range only if a comparator of the alternative that admits it names
-- a prerelease of the same major.minor.patch. tests/database/semver_agreement.test.ts checks them
-- against the package. Deliberate deviations:
-- * a version is exactly what the catalog's `modules_version_semver` check accepts: no leading
--   `v` or `=`, no surrounding spaces (node-semver takes `v1.2.3` and ` 1.2.3 `); inside a range
--   `v1.2.3` and `=1.2.3` are read as npm reads them;
-- * numbers have no size limit and versions no length limit (node-semver refuses numbers above
--   2^53 - 1 and versions over 256 characters); ranges, which node-semver does not limit, are
--   limited to 1000 characters;
-- * an invalid version or range raises SQLSTATE 22023 (invalid_parameter_value) where npm
--   answers false (satisfies) or null (maxSatisfying), or passes over the version (maxSatisfying).
--
-- Everything is PL/pgSQL, immutable and parallel safe. Not SQL functions: one with
-- `set search_path` is neither inlined nor planned once (see 20261125200000_module_contracts.sql).
-- The functions use about ten regular expressions in all, well under the 32 that Postgres keeps
-- compiled per session.

-- ---------------------------------------------------------------------------------------------
-- Versions
-- ---------------------------------------------------------------------------------------------

create function private.semver_parts(p_version text)
returns text[]
language plpgsql
immutable
strict
parallel safe
set search_path = ''
as $$
declare
  v_main text;
  v_dash integer;
begin
  -- The regular expression of the modules_version_semver check. Matched with ~ and then cut with
  -- string functions: regexp_match() with captures costs ten times as much.
  if p_version !~ '^(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)(-(0|[1-9][0-9]*|[0-9]*[a-zA-Z-][0-9a-zA-Z-]*)(\.(0|[1-9][0-9]*|[0-9]*[a-zA-Z-][0-9a-zA-Z-]*))*)?(\+[0-9a-zA-Z-]+(\.[0-9a-zA-Z-]+)*)?$' then
    raise exception '"%" is not a semantic version', p_version
      using errcode = '22023',
        hint = 'A version is MAJOR.MINOR.PATCH, optionally followed by -prerelease and +build, as in 1.2.3 or 2.0.0-rc.1 (semver.org 2.0.0).';
  end if;
  v_main := pg_catalog.split_part(p_version, '+', 1);
  v_dash := pg_catalog.strpos(v_main, '-');
  if v_dash = 0 then
    return pg_catalog.string_to_array(v_main, '.') || null::text;
  end if;
  return pg_catalog.string_to_array(pg_catalog.left(v_main, v_dash - 1), '.')
    || pg_catalog.substr(v_main, v_dash + 1);
end;
$$;

comment on function private.semver_parts(text) is
  'The parts of a semantic version as {major, minor, patch, prerelease} (prerelease null when there is none; build metadata dropped). Raises 22023 for anything the modules_version_semver check would refuse.';

revoke all on function private.semver_parts(text) from public, anon;
grant execute on function private.semver_parts(text) to authenticated, service_role;

create function private.semver_compare_parts(p_a text[], p_b text[])
returns integer
language plpgsql
immutable
strict
parallel safe
set search_path = ''
as $$
declare
  v_a text[];
  v_b text[];
  v_x text;
  v_y text;
  v_x_numeric boolean;
  v_y_numeric boolean;
begin
  -- Numbers have no leading zeros: the longer is the larger, else the bytes decide.
  if p_a[1] <> p_b[1] or p_a[2] <> p_b[2] or p_a[3] <> p_b[3] then
    return case
      when (pg_catalog.length(p_a[1]), p_a[1] collate "C", pg_catalog.length(p_a[2]), p_a[2] collate "C",
            pg_catalog.length(p_a[3]), p_a[3] collate "C")
         < (pg_catalog.length(p_b[1]), p_b[1] collate "C", pg_catalog.length(p_b[2]), p_b[2] collate "C",
            pg_catalog.length(p_b[3]), p_b[3] collate "C")
      then -1
      else 1
    end;
  end if;
  -- A prerelease comes before its release.
  if p_a[4] is null or p_b[4] is null or p_a[4] = p_b[4] then
    return case when p_a[4] is not distinct from p_b[4] then 0 when p_a[4] is null then 1 else -1 end;
  end if;
  v_a := pg_catalog.string_to_array(p_a[4], '.');
  v_b := pg_catalog.string_to_array(p_b[4], '.');
  for v_i in 1..greatest(pg_catalog.cardinality(v_a), pg_catalog.cardinality(v_b)) loop
    v_x := v_a[v_i];
    v_y := v_b[v_i];
    if v_x is null then
      return -1;
    elsif v_y is null then
      return 1;
    elsif v_x <> v_y then
      v_x_numeric := v_x ~ '^[0-9]+$';
      v_y_numeric := v_y ~ '^[0-9]+$';
      if v_x_numeric and v_y_numeric and pg_catalog.length(v_x) <> pg_catalog.length(v_y) then
        return case when pg_catalog.length(v_x) < pg_catalog.length(v_y) then -1 else 1 end;
      elsif v_x_numeric <> v_y_numeric then
        return case when v_x_numeric then -1 else 1 end;
      end if;
      return case when v_x collate "C" < v_y collate "C" then -1 else 1 end;
    end if;
  end loop;
  return 0;
end;
$$;

comment on function private.semver_compare_parts(text[], text[]) is
  'Precedence of two versions given as private.semver_parts() returns them: -1, 0 or 1. Prerelease identifiers: numeric ones numerically, others in ASCII order, numeric before alphanumeric, fewer before more when all are equal.';

revoke all on function private.semver_compare_parts(text[], text[]) from public, anon;
grant execute on function private.semver_compare_parts(text[], text[]) to authenticated, service_role;

create function private.semver_compare(p_a text, p_b text)
returns integer
language plpgsql
immutable
strict
parallel safe
set search_path = ''
as $$
begin
  return private.semver_compare_parts(private.semver_parts(p_a), private.semver_parts(p_b));
end;
$$;

comment on function private.semver_compare(text, text) is
  'Compares two semantic versions by semver.org 2.0.0 precedence, as npm''s semver.compare(): -1, 0 or 1; build metadata is ignored (1.0.0+a equals 1.0.0+b). Raises 22023 for an invalid version.';

revoke all on function private.semver_compare(text, text) from public, anon;
grant execute on function private.semver_compare(text, text) to authenticated, service_role;

-- ---------------------------------------------------------------------------------------------
-- Ranges
-- ---------------------------------------------------------------------------------------------

-- node-semver rewrites a range step by step (classes/range.js); this follows the same steps on
-- each `||` alternative: build metadata removed, a hyphen range rewritten as two comparators,
-- spaces after operators, `~` and `^` removed, then each space-separated token read as a caret,
-- tilde or X-range (1.x, >=1.2, 1.2.3) or, failing that, as a plain comparator once its first `*`
-- is gone (as npm does: `*1.2.3` reads as 1.2.3). Regular expressions only test (~) or replace:
-- regexp_match() with captures costs ten times as much, so tokens are cut with string functions.
create function private.semver_range_parse(p_range text, out comparators text[], out problem text)
language plpgsql
immutable
parallel safe
set search_path = ''
as $$
declare
  -- JavaScript's \s but the space: String.prototype.trim() and /\s+/ in node-semver.
  c_spaces constant text := E'\t\n\x0b\f\r\u00a0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000\ufeff';
  v_range text;
  v_part text;
  v_set integer := 0;
  v_any boolean := false;    -- some alternative accepts every release: the range is *
  v_set_any boolean;         -- this alternative has no comparator but * so far
  v_hyphen boolean;
  v_from text;
  v_to text;
  v_bound text[];
  v_chars text[];
  v_n integer;
  v_i integer;
  v_j integer;
  v_copy integer;
  v_trimmed text;
  v_raw text;
  v_token text;
  v_range_token boolean;     -- a caret, tilde or X-range (1.x, >=1.2, 1.2.3)
  v_comparator boolean;      -- else, once its first * is gone, a plain comparator (>=1.2.3)
  v_op text;
  v_prefix text;
  v_body text;
  v_parts text[];
  v_major text;
  v_minor text;
  v_patch text;
  v_pre text;
  v_x_major boolean;
  v_x_minor boolean;
  v_x_patch boolean;
  v_new text[];              -- the comparators of one token: operator, major, minor, patch, prerelease
  v_literal boolean;         -- v_new is the token itself, not what a caret, tilde or X-range made
begin
  comparators := '{}';
  if p_range is null then
    problem := 'the version range is null';
    return;
  end if;
  if pg_catalog.length(p_range) > 1000 then
    problem := pg_catalog.format('"%s…" is not a version range: it is longer than 1000 characters',
      pg_catalog.left(p_range, 20));
    return;
  end if;
  -- The common case first: one caret, tilde or exact release (^1.2.3, ~1.2.3, 1.2.3), read as
  -- the general steps below read it. They would also leave out the >=0.0.0 of ^0.0.0 and ~0.0.0,
  -- as node-semver does, which changes no answer in a range of one token.
  if p_range ~ '^[\^~]?(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)$' then
    v_parts := pg_catalog.string_to_array(pg_catalog.ltrim(p_range, '^~'), '.');
    comparators := case pg_catalog.left(p_range, 1)
      when '^' then case
        when v_parts[1] <> '0' then array['1', '>=', v_parts[1], v_parts[2], v_parts[3], null,
          '1', '<', (v_parts[1]::numeric + 1)::text, '0', '0', '0']
        when v_parts[2] <> '0' then array['1', '>=', '0', v_parts[2], v_parts[3], null,
          '1', '<', '0', (v_parts[2]::numeric + 1)::text, '0', '0']
        else array['1', '>=', '0', '0', v_parts[3], null,
          '1', '<', '0', '0', (v_parts[3]::numeric + 1)::text, '0']
      end
      when '~' then array['1', '>=', v_parts[1], v_parts[2], v_parts[3], null,
        '1', '<', v_parts[1], (v_parts[2]::numeric + 1)::text, '0', '0']
      else array['1', '', v_parts[1], v_parts[2], v_parts[3], null]
    end;
    return;
  end if;

  v_range := pg_catalog.btrim(
    pg_catalog.translate(p_range, c_spaces, pg_catalog.repeat(' ', pg_catalog.length(c_spaces))), ' ');
  while pg_catalog.strpos(v_range, '  ') > 0 loop
    v_range := pg_catalog.replace(v_range, '  ', ' ');
  end loop;

  foreach v_part in array pg_catalog.string_to_array(v_range, '||') loop
    v_set := v_set + 1;
    v_set_any := true;
    v_hyphen := false;
    v_part := pg_catalog.btrim(v_part, ' ');
    if pg_catalog.strpos(v_part, '+') > 0 then
      v_part := pg_catalog.regexp_replace(v_part, '\+[0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*', '', 'g');
    end if;

    -- 1.2.3 - 2.3.4 is >=1.2.3 <=2.3.4; a partial bound stands for all it covers: 1.2 - 2 is
    -- >=1.2.0 <3.0.0-0. The first " - " separates the bounds (a bound holds no space after its
    -- first digit), and a full bound is kept as written, v and = included.
    if pg_catalog.strpos(v_part, ' - ') > 0 and v_part ~ '^ ?[v= ]*(0|[1-9][0-9]*|[xX*])(\.(0|[1-9][0-9]*|[xX*])(\.(0|[1-9][0-9]*|[xX*])(-([0-9]*[a-zA-Z-][0-9a-zA-Z-]*|0|[1-9][0-9]*)(\.([0-9]*[a-zA-Z-][0-9a-zA-Z-]*|0|[1-9][0-9]*))*)?)?)? - [v= ]*(0|[1-9][0-9]*|[xX*])(\.(0|[1-9][0-9]*|[xX*])(\.(0|[1-9][0-9]*|[xX*])(-([0-9]*[a-zA-Z-][0-9a-zA-Z-]*|0|[1-9][0-9]*)(\.([0-9]*[a-zA-Z-][0-9a-zA-Z-]*|0|[1-9][0-9]*))*)?)?)? ?$' then
      v_hyphen := true;
      v_i := pg_catalog.strpos(v_part, ' - ');
      v_from := pg_catalog.left(v_part, v_i - 1);
      if pg_catalog.left(v_from, 1) = ' ' then
        v_from := pg_catalog.substr(v_from, 2);
      end if;
      v_body := pg_catalog.ltrim(v_from, 'v= ');
      v_j := pg_catalog.strpos(v_body, '-');
      v_bound := pg_catalog.string_to_array(case when v_j > 0 then pg_catalog.left(v_body, v_j - 1) else v_body end, '.');
      v_from := case
        when v_bound[1] in ('x', 'X', '*') then ''
        when v_bound[2] is null or v_bound[2] in ('x', 'X', '*') then '>=' || v_bound[1] || '.0.0'
        when v_bound[3] is null or v_bound[3] in ('x', 'X', '*') then '>=' || v_bound[1] || '.' || v_bound[2] || '.0'
        else '>=' || v_from
      end;
      v_to := pg_catalog.rtrim(pg_catalog.substr(v_part, v_i + 3), ' ');
      v_body := pg_catalog.ltrim(v_to, 'v= ');
      v_j := pg_catalog.strpos(v_body, '-');
      v_bound := pg_catalog.string_to_array(case when v_j > 0 then pg_catalog.left(v_body, v_j - 1) else v_body end, '.');
      v_to := case
        when v_bound[1] in ('x', 'X', '*') then ''
        when v_bound[2] is null or v_bound[2] in ('x', 'X', '*') then '<' || (v_bound[1]::numeric + 1) || '.0.0-0'
        when v_bound[3] is null or v_bound[3] in ('x', 'X', '*') then '<' || v_bound[1] || '.' || (v_bound[2]::numeric + 1) || '.0-0'
        when v_j > 0 then '<=' || v_body
        else '<=' || v_to
      end;
      v_part := pg_catalog.btrim(v_from || ' ' || v_to, ' ');
    end if;

    -- "> 1.2.3" is ">1.2.3": node-semver's trimComparatorWhitespace, which removes one space after
    -- an operator (or after a space) in front of a version. Only a space after <, >, = or a space
    -- can go, so most ranges skip this.
    if pg_catalog.strpos(v_part, '< ') > 0 or pg_catalog.strpos(v_part, '> ') > 0
       or pg_catalog.strpos(v_part, '= ') > 0 or pg_catalog.strpos(v_part, '  ') > 0 then
      v_chars := pg_catalog.string_to_array(v_part, null);
      v_n := pg_catalog.cardinality(v_chars);
      v_trimmed := '';
      v_copy := 1;
      v_i := 1;
      while v_i <= v_n loop
        v_j := v_i;  -- where this candidate starts
        if v_chars[v_i] in ('<', '>') then
          v_i := v_i + 1;
        elsif v_chars[v_i] not in ('v', '=', ' ', '0', '1', '2', '3', '4', '5', '6', '7', '8', '9', 'x', 'X', '*') then
          v_i := v_i + 1;
          continue;
        end if;
        while v_i <= v_n and v_chars[v_i] in ('v', '=', ' ') loop
          v_i := v_i + 1;
        end loop;
        if v_i > v_n or v_chars[v_i] not in ('0', '1', '2', '3', '4', '5', '6', '7', '8', '9', 'x', 'X', '*') then
          continue;
        end if;
        if v_chars[v_j] = ' ' then
          v_j := v_j + 1;
        end if;
        if v_chars[v_j] in ('<', '>') then
          v_j := v_j + 1;
        end if;
        if v_chars[v_j] = '=' then
          v_j := v_j + 1;
        end if;
        if v_chars[v_j] = ' ' then
          v_trimmed := v_trimmed || pg_catalog.substr(v_part, v_copy, v_j - v_copy);
          v_copy := v_j + 1;
        end if;
        -- Skip the version: a loose full version (1.2.3beta) or else a partial one (1.x, 1.2.3-rc).
        v_i := v_i + pg_catalog.length(pg_catalog.substring(pg_catalog.substr(v_part, v_i),
          '^(?:[0-9]+\.[0-9]+\.[0-9]+(?:-?(?:[0-9]*[a-zA-Z-][0-9a-zA-Z-]*|[0-9]+)(?:\.(?:[0-9]*[a-zA-Z-][0-9a-zA-Z-]*|[0-9]+))*)?(?:\+[0-9a-zA-Z-]+(?:\.[0-9a-zA-Z-]+)*)?|(?:0|[1-9][0-9]*|[xX*])(?:\.(?:0|[1-9][0-9]*|[xX*])(?:\.(?:0|[1-9][0-9]*|[xX*])(?:-(?:[0-9]*[a-zA-Z-][0-9a-zA-Z-]*|0|[1-9][0-9]*)(?:\.(?:[0-9]*[a-zA-Z-][0-9a-zA-Z-]*|0|[1-9][0-9]*))*)?(?:\+[0-9a-zA-Z-]+(?:\.[0-9a-zA-Z-]+)*)?)?)?)'));
      end loop;
      v_part := v_trimmed || pg_catalog.substr(v_part, v_copy);
    end if;

    -- "~ 1.2" is "~1.2" ("~>" is "~"), "^ 1.2" is "^1.2".
    if pg_catalog.strpos(v_part, '~') > 0 then
      v_part := pg_catalog.regexp_replace(v_part, '~>? ', '~', 'g');
    end if;
    v_part := pg_catalog.replace(v_part, '^ ', '^');

    foreach v_raw in array pg_catalog.string_to_array(v_part, ' ') loop
      continue when v_raw = '';
      v_token := v_raw;
      v_new := null;
      v_literal := false;
      v_comparator := false;
      v_range_token := v_token ~ '^(\^|~>?|[<>]?=?)[v=]*(0|[1-9][0-9]*|[xX*])(\.(0|[1-9][0-9]*|[xX*])(\.(0|[1-9][0-9]*|[xX*])(-([0-9]*[a-zA-Z-][0-9a-zA-Z-]*|0|[1-9][0-9]*)(\.([0-9]*[a-zA-Z-][0-9a-zA-Z-]*|0|[1-9][0-9]*))*)?)?)?$';
      if not v_range_token then
        -- Not a caret, tilde or X-range: without its first * (and the operator before it), the
        -- token must be a comparator, an operator and a full version.
        v_token := pg_catalog.regexp_replace(v_token, '[<>]?=?\*', '');
        continue when v_token in ('', '>=0.0.0');
        v_comparator := v_token ~ '^[<>]?=?v?(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)(-([0-9]*[a-zA-Z-][0-9a-zA-Z-]*|0|[1-9][0-9]*)(\.([0-9]*[a-zA-Z-][0-9a-zA-Z-]*|0|[1-9][0-9]*))*)?(\+[0-9a-zA-Z-]+(\.[0-9a-zA-Z-]+)*)?$';
      end if;

      if v_range_token or v_comparator then
        -- Cut the token: the operator, then v and = (the prefix), then numbers and prerelease.
        v_op := case
          when pg_catalog.left(v_token, 2) in ('~>', '>=', '<=') then pg_catalog.left(v_token, 2)
          when pg_catalog.left(v_token, 1) in ('^', '~', '>', '<', '=') then pg_catalog.left(v_token, 1)
          else ''
        end;
        v_body := pg_catalog.ltrim(pg_catalog.substr(v_token, pg_catalog.length(v_op) + 1), 'v=');
        v_prefix := pg_catalog.substr(v_token, pg_catalog.length(v_op) + 1,
          pg_catalog.length(v_token) - pg_catalog.length(v_op) - pg_catalog.length(v_body));
        v_body := pg_catalog.split_part(v_body, '+', 1);
        v_i := pg_catalog.strpos(v_body, '-');
        v_pre := case when v_i > 0 then pg_catalog.substr(v_body, v_i + 1) end;
        v_parts := pg_catalog.string_to_array(case when v_i > 0 then pg_catalog.left(v_body, v_i - 1) else v_body end, '.');
        v_major := v_parts[1];
        v_minor := v_parts[2];
        v_patch := v_parts[3];

        if v_comparator then
          v_literal := true;
          v_new := array[case when v_op = '=' then '' else v_op end, v_major, v_minor, v_patch, v_pre];
        else
          v_x_major := v_major in ('x', 'X', '*');
          v_x_minor := v_x_major or v_minor is null or v_minor in ('x', 'X', '*');
          v_x_patch := v_x_minor or v_patch is null or v_patch in ('x', 'X', '*');
          if v_op = '^' then
            -- ^1.2.3: >=1.2.3 <2.0.0-0; ^0.2.3: >=0.2.3 <0.3.0-0; ^0.0.3: >=0.0.3 <0.0.4-0.
            if v_x_major then
              v_new := '{}';
            elsif v_x_minor then
              v_new := array['>=', v_major, '0', '0', null, '<', (v_major::numeric + 1)::text, '0', '0', '0'];
            elsif v_x_patch and v_major = '0' then
              v_new := array['>=', v_major, v_minor, '0', null, '<', v_major, (v_minor::numeric + 1)::text, '0', '0'];
            elsif v_x_patch then
              v_new := array['>=', v_major, v_minor, '0', null, '<', (v_major::numeric + 1)::text, '0', '0', '0'];
            elsif v_major = '0' and v_minor = '0' then
              v_new := array['>=', v_major, v_minor, v_patch, v_pre, '<', v_major, v_minor, (v_patch::numeric + 1)::text, '0'];
            elsif v_major = '0' then
              v_new := array['>=', v_major, v_minor, v_patch, v_pre, '<', v_major, (v_minor::numeric + 1)::text, '0', '0'];
            else
              v_new := array['>=', v_major, v_minor, v_patch, v_pre, '<', (v_major::numeric + 1)::text, '0', '0', '0'];
            end if;
          elsif v_op in ('~', '~>') then
            -- ~1.2.3: >=1.2.3 <1.3.0-0; ~1: >=1.0.0 <2.0.0-0.
            if v_x_major then
              v_new := '{}';
            elsif v_x_minor then
              v_new := array['>=', v_major, '0', '0', null, '<', (v_major::numeric + 1)::text, '0', '0', '0'];
            elsif v_x_patch then
              v_new := array['>=', v_major, v_minor, '0', null, '<', v_major, (v_minor::numeric + 1)::text, '0', '0'];
            else
              v_new := array['>=', v_major, v_minor, v_patch, v_pre, '<', v_major, (v_minor::numeric + 1)::text, '0', '0'];
            end if;
          elsif (v_x_major and not v_minor in ('x', 'X', '*'))
                or ((v_minor is null or v_minor in ('x', 'X', '*')) and not v_patch in ('x', 'X', '*')) then
            problem := pg_catalog.format('"%s" is not a version range: in "%s" a number follows a wildcard',
              p_range, v_raw);
            return;
          else
            -- X-ranges (1.x, 1.2, >1.2, <=1) and plain comparators (1.2.3, >=1.2.3-rc.1).
            if v_op = '=' and v_x_patch then
              v_op := '';
            end if;
            if v_x_major then
              v_new := case when v_op in ('<', '>') then array['<', '0', '0', '0', '0'] else '{}' end;
            elsif v_op <> '' and v_x_patch then
              v_patch := '0';
              if v_x_minor then
                v_minor := '0';
              end if;
              if v_op in ('>', '<=') then
                -- >1.2 is >=1.3.0, <=1.2 is <1.3.0-0.
                v_op := case when v_op = '>' then '>=' else '<' end;
                if v_x_minor then
                  v_major := (v_major::numeric + 1)::text;
                else
                  v_minor := (v_minor::numeric + 1)::text;
                end if;
              end if;
              v_new := array[v_op, v_major, v_minor, v_patch, case when v_op = '<' then '0' end];
            elsif v_x_minor then
              v_new := array['>=', v_major, '0', '0', null, '<', (v_major::numeric + 1)::text, '0', '0', '0'];
            elsif v_x_patch then
              v_new := array['>=', v_major, v_minor, '0', null, '<', v_major, (v_minor::numeric + 1)::text, '0', '0'];
            elsif v_prefix in ('', 'v') then
              -- A full version: the prefix may only be v (==1.2.3 is no comparator).
              v_literal := true;
              v_new := case when v_token = '>=0.0.0' then '{}'
                else array[case when v_op = '=' then '' else v_op end, v_major, v_minor, v_patch, v_pre] end;
            end if;
          end if;
        end if;
      end if;
      if v_new is null then
        problem := case
          when v_hyphen then pg_catalog.format(
            '"%s" is not a version range: a hyphen range needs a version or a partial version (1, 1.2, 1.x) on each side',
            p_range)
          else pg_catalog.format(
            '"%s" is not a version range: "%s" is neither a version (1.2.3), a partial version (1.2, 1.x), a comparator (>=1.2.3) nor a tilde or caret range (~1.2.3, ^1.2.3)',
            p_range, v_raw)
        end;
        return;
      end if;

      for v_j in 1..coalesce(pg_catalog.array_length(v_new, 1), 0) by 5 loop
        -- node-semver reads the text ">=0.0.0" as "*": the same test, but see v_any. Written so,
        -- the token was handled above; here it is what a caret, tilde or X-range made.
        continue when not v_literal and v_new[v_j] = '>=' and v_new[v_j + 1] = '0'
          and v_new[v_j + 2] = '0' and v_new[v_j + 3] = '0' and v_new[v_j + 4] is null;
        comparators := comparators || v_set::text || v_new[v_j : v_j + 4];
        v_set_any := false;
      end loop;
    end loop;
    v_any := v_any or v_set_any;
  end loop;

  -- An alternative that accepts every release makes the whole range "*" (node-semver's Range),
  -- which then accepts no prerelease at all: 1.2.3-beta || * is *.
  if v_any then
    comparators := '{}';
  end if;
end;
$$;

comment on function private.semver_range_parse(text) is
  'Reads an npm version range (node-semver 7 syntax, default options) into comparators: a flat array of (alternative number, operator ("" for =), major, minor, patch, prerelease or null) groups of six, or {} for a range that accepts every release ("*"). problem says what is wrong when the range is invalid.';

revoke all on function private.semver_range_parse(text) from public, anon;
grant execute on function private.semver_range_parse(text) to authenticated, service_role;

create function private.semver_range_problem(p_range text)
returns text
language plpgsql
immutable
parallel safe
set search_path = ''
as $$
begin
  return (private.semver_range_parse(p_range)).problem;
end;
$$;

comment on function private.semver_range_problem(text) is
  'Null when p_range is a valid npm version range (semver.validRange() would accept it), else a short message saying what is wrong, e.g. "^1.x.y" is not a version range: ... For refusing bad ranges when a module is published.';

revoke all on function private.semver_range_problem(text) from public, anon;
grant execute on function private.semver_range_problem(text) to authenticated, service_role;

-- ---------------------------------------------------------------------------------------------
-- Satisfying a range
-- ---------------------------------------------------------------------------------------------

-- The version is parsed here and precedence computed inline, not through semver_parts() and
-- semver_compare_parts(): every call of a function with its own search_path costs a few
-- microseconds, and this runs once per row of a bulk upgrade.
create function private.semver_test(p_version text, p_comparators text[])
returns boolean
language plpgsql
immutable
strict
parallel safe
set search_path = ''
as $$
declare
  v_main text;
  v_dash integer;
  v_version text[];
  v_n integer := pg_catalog.cardinality(p_comparators);
  v_i integer := 1;
  v_set text;
  v_passes boolean;
  v_prerelease_ok boolean;
  v_order integer;
begin
  if p_version !~ '^(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)(-(0|[1-9][0-9]*|[0-9]*[a-zA-Z-][0-9a-zA-Z-]*)(\.(0|[1-9][0-9]*|[0-9]*[a-zA-Z-][0-9a-zA-Z-]*))*)?(\+[0-9a-zA-Z-]+(\.[0-9a-zA-Z-]+)*)?$' then
    raise exception '"%" is not a semantic version', p_version
      using errcode = '22023',
        hint = 'A version is MAJOR.MINOR.PATCH, optionally followed by -prerelease and +build, as in 1.2.3 or 2.0.0-rc.1 (semver.org 2.0.0).';
  end if;
  v_main := pg_catalog.split_part(p_version, '+', 1);
  v_dash := pg_catalog.strpos(v_main, '-');
  v_version := case
    when v_dash = 0 then pg_catalog.string_to_array(v_main, '.') || null::text
    else pg_catalog.string_to_array(pg_catalog.left(v_main, v_dash - 1), '.')
      || pg_catalog.substr(v_main, v_dash + 1)
  end;

  if v_n = 0 then
    return v_version[4] is null;
  end if;
  while v_i <= v_n loop
    v_set := p_comparators[v_i];
    v_passes := true;
    -- A prerelease passes only where a comparator of its alternative names a prerelease of the
    -- same major.minor.patch: ^1.2.3-rc.1 admits 1.2.3-rc.2, not 1.2.4-rc.1.
    v_prerelease_ok := v_version[4] is null;
    while v_i <= v_n and p_comparators[v_i] = v_set loop
      if v_passes then
        if v_version[1] <> p_comparators[v_i + 2] or v_version[2] <> p_comparators[v_i + 3]
           or v_version[3] <> p_comparators[v_i + 4] then
          v_order := case
            when (pg_catalog.length(v_version[1]), v_version[1] collate "C",
                  pg_catalog.length(v_version[2]), v_version[2] collate "C",
                  pg_catalog.length(v_version[3]), v_version[3] collate "C")
               < (pg_catalog.length(p_comparators[v_i + 2]), p_comparators[v_i + 2] collate "C",
                  pg_catalog.length(p_comparators[v_i + 3]), p_comparators[v_i + 3] collate "C",
                  pg_catalog.length(p_comparators[v_i + 4]), p_comparators[v_i + 4] collate "C")
            then -1
            else 1
          end;
        else
          if p_comparators[v_i + 5] is not null then
            v_prerelease_ok := true;  -- a prerelease of the same major.minor.patch
          end if;
          v_order := case
            when v_version[4] is not distinct from p_comparators[v_i + 5] then 0
            when v_version[4] is null then 1
            when p_comparators[v_i + 5] is null then -1
            else private.semver_compare_parts(v_version, p_comparators[v_i + 2 : v_i + 5])
          end;
        end if;
        v_passes := case p_comparators[v_i + 1]
          when '' then v_order = 0
          when '<' then v_order < 0
          when '<=' then v_order <= 0
          when '>' then v_order > 0
          else v_order >= 0
        end;
      end if;
      v_i := v_i + 6;
    end loop;
    if v_passes and v_prerelease_ok then
      return true;
    end if;
  end loop;
  return false;
end;
$$;

comment on function private.semver_test(text, text[]) is
  'Whether a version satisfies a range given as the comparators of private.semver_range_parse(): all comparators of some alternative pass, with node-semver''s rule for prereleases. To test many versions against one range, parse the range once and call this per version. Raises 22023 for an invalid version.';

revoke all on function private.semver_test(text, text[]) from public, anon;
grant execute on function private.semver_test(text, text[]) to authenticated, service_role;

create function private.semver_satisfies(p_version text, p_range text)
returns boolean
language plpgsql
immutable
strict
parallel safe
set search_path = ''
as $$
declare
  v_range record := private.semver_range_parse(p_range);
begin
  if v_range.problem is not null then
    raise exception using
      message = v_range.problem,
      errcode = '22023',
      hint = 'Version ranges use npm''s syntax: 1.2.3, >=1.2.3 <2.0.0, 1.2.3 - 2.3.4, 1.x, ~1.2.3, ^1.2.3, joined with ||.';
  end if;
  return private.semver_test(p_version, v_range.comparators);
end;
$$;

comment on function private.semver_satisfies(text, text) is
  'Whether p_version is in the npm version range p_range, as npm''s semver.satisfies(version, range) answers with default options: a prerelease only where the range names a prerelease of the same major.minor.patch. Raises 22023 for an invalid version or range.';

revoke all on function private.semver_satisfies(text, text) from public, anon;
grant execute on function private.semver_satisfies(text, text) to authenticated, service_role;

create function private.semver_max_satisfying(p_versions text[], p_range text)
returns text
language plpgsql
immutable
strict
parallel safe
set search_path = ''
as $$
declare
  v_range record := private.semver_range_parse(p_range);
  v_version text;
  v_best text;
begin
  if v_range.problem is not null then
    raise exception using
      message = v_range.problem,
      errcode = '22023',
      hint = 'Version ranges use npm''s syntax: 1.2.3, >=1.2.3 <2.0.0, 1.2.3 - 2.3.4, 1.x, ~1.2.3, ^1.2.3, joined with ||.';
  end if;
  foreach v_version in array p_versions loop
    continue when v_version is null;
    if private.semver_test(v_version, v_range.comparators)
       and (v_best is null or private.semver_compare(v_best, v_version) < 0) then
      v_best := v_version;
    end if;
  end loop;
  return v_best;
end;
$$;

comment on function private.semver_max_satisfying(text[], text) is
  'The highest of p_versions in the range p_range (the first of equal ones), or null when none is: npm''s semver.maxSatisfying(). Null elements are skipped; raises 22023 for an invalid version or range.';

revoke all on function private.semver_max_satisfying(text[], text) from public, anon;
grant execute on function private.semver_max_satisfying(text[], text) to authenticated, service_role;

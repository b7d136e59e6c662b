-- Module versions, settings migrations and dependencies, enforced by the database on every write
-- path (the edge function, a REST client, an RPC, SQL as service_role or postgres):
--
-- * `public.modules` stays the module's current version. Every version ever written to it is kept
--   in `public.module_versions` with its settings schema, its requirements and the settings
--   migrations it declares; versions only move forward.
-- * `public.tenant_modules.version` is the version a tenant installed (the current one at install
--   time). Settings are checked against that version's schema, not the catalog's.
-- * Upgrading is an update of `tenant_modules.version` (or `public.upgrade_tenant_module()`): the
--   settings migrations declared for the versions in between run in order, then the target
--   version's defaults and schema apply. Each version's steps come from the latest version up to
--   the target that declares them, so a module file may drop old entries without losing them. A
--   result that breaks the schema refuses the upgrade (23514, constraint `tenant_modules_upgrade`,
--   the failing paths as JSON in DETAIL); a downgrade is refused (23514,
--   `tenant_modules_no_downgrade`); an unknown version is refused (23503).
-- * A module requires others by semver range (`requires`, e.g. {"crm": "^1.2.0"}). Publishing a
--   range no published version satisfies, or a cycle, is refused at commit. A tenant's enabled
--   module needs its requirements installed, enabled and in range (23503, constraint
--   `tenant_modules_requires`); a required module cannot be disabled, uninstalled or upgraded out
--   of range while an enabled dependent needs it (23503, `tenant_modules_required_by`). Both are
--   constraint triggers checked at the end of each statement (so one statement may write rows in
--   any order, as the install/uninstall/disable functions below do), deferrable: a transaction may
--   `set constraints ... deferred` and fix the order over several statements.
--
-- tenant_has_module() is untouched: it still reads only tenant_modules.enabled and is_active.

-- ---------------------------------------------------------------------------------------------
-- The catalog: requirements and migrations of the current version; every version kept.
-- ---------------------------------------------------------------------------------------------

alter table public.modules
  add column requires jsonb not null default '{}'::jsonb,
  add column migrations jsonb not null default '{}'::jsonb;

comment on column public.modules.requires is
  'Modules this version requires, as {"<module id>": "<semver range>"} (npm range syntax: ^1.2.0, ~1.2, >=1 <3, 1.x || 2.x). Publishing a range no published version satisfies, or a cycle, is refused.';
comment on column public.modules.migrations is
  'Settings migrations, as {"<version>": [step, ...]}: the steps that turn the settings of the version before <version> into those of <version>. Steps: {"op": "add"|"replace", "path", "value"}, {"op": "remove", "path"}, {"op": "move"|"copy", "from", "path"}, {"op": "compute", "path", "jsonpath"}; paths are JSON Pointers into the settings.';

create table public.module_versions (
  module_id text not null references public.modules (id) on delete cascade,
  version text not null,
  settings_schema jsonb,
  requires jsonb not null default '{}'::jsonb,
  migrations jsonb not null default '{}'::jsonb,
  published_at timestamptz not null default now(),
  constraint module_versions_pkey primary key (module_id, version)
);

comment on table public.module_versions is
  'Every version of every module ever written to public.modules, with the settings schema, requirements and migrations it was published with. Written by the database when public.modules changes; every signed-in user reads it.';
comment on column public.module_versions.migrations is
  'The settings migrations this version declared (public.modules.migrations when it was published). An upgrade from I to T runs, in version order, the steps of every key K with I < K <= T, each taken from the latest version up to T that declares it.';

alter table public.module_versions enable row level security;

create policy "authenticated_can_view_module_versions"
on public.module_versions
for select
to authenticated
using (true);

create policy "service_role_can_view_module_versions"
on public.module_versions
for select
to service_role
using (true);

revoke all on public.module_versions from anon, authenticated, service_role;
grant select on public.module_versions to authenticated, service_role;

insert into public.module_versions (module_id, version, settings_schema)
select m.id, m.version, m.settings_schema from public.modules as m;

alter table public.tenant_modules add column version text;

update public.tenant_modules as tm
set version = m.version
from public.modules as m
where m.id = tm.module_id;

-- The empty default only keeps the column optional for inserts (generated types, supabase-js): an
-- install always takes the module's current version (tenant_modules_migrate_settings).
alter table public.tenant_modules
  alter column version set not null,
  alter column version set default '',
  add constraint tenant_modules_version_fkey foreign key (module_id, version)
    references public.module_versions (module_id, version);

comment on column public.tenant_modules.version is
  'The version of the module the tenant runs: set by the database to the module''s current version at install (leave it out), then changed only by upgrades. Its settings schema is the one the settings must match.';

-- Serves the foreign key and "which tenants run which version" (bulk upgrades). (module_id,
-- tenant_id) is unique, so this is too; declaring it so keeps it out of the unused-index advisor.
create unique index tenant_modules_module_id_version_tenant_id_key
on public.tenant_modules (module_id, version, tenant_id);

-- ---------------------------------------------------------------------------------------------
-- Ordering versions (private.semver_compare, from the semver migration).
-- ---------------------------------------------------------------------------------------------

create function private.semver_sort(p_versions text[])
returns text[]
language plpgsql
immutable
parallel safe
set search_path = ''
as $$
declare
  v_sorted text[] := '{}';
  v_version text;
  v_i integer;
begin
  foreach v_version in array coalesce(p_versions, '{}') loop
    v_i := pg_catalog.cardinality(v_sorted);
    while v_i > 0 and private.semver_compare(v_sorted[v_i], v_version) > 0 loop
      v_i := v_i - 1;
    end loop;
    v_sorted := v_sorted[1:v_i] || v_version || v_sorted[v_i + 1:];
  end loop;
  return v_sorted;
end;
$$;

comment on function private.semver_sort(text[]) is
  'The versions in semver precedence order, oldest first.';

revoke all on function private.semver_sort(text[]) from public, anon;
grant execute on function private.semver_sort(text[]) to authenticated, service_role;

create function private.semver_max(p_versions text[])
returns text
language plpgsql
immutable
parallel safe
set search_path = ''
as $$
declare
  v_max text;
  v_version text;
begin
  foreach v_version in array coalesce(p_versions, '{}') loop
    if v_max is null or private.semver_compare(v_version, v_max) > 0 then
      v_max := v_version;
    end if;
  end loop;
  return v_max;
end;
$$;

comment on function private.semver_max(text[]) is
  'The latest of the versions by semver precedence; null for none.';

revoke all on function private.semver_max(text[]) from public, anon;
grant execute on function private.semver_max(text[]) to authenticated, service_role;

-- ---------------------------------------------------------------------------------------------
-- Settings migrations: JSON Pointer paths and the steps.
-- ---------------------------------------------------------------------------------------------

-- '/branding/primary_color' → {branding,primary_color}; '~1' is '/', '~0' is '~' (RFC 6901).
create function private.json_pointer_path(p_pointer text)
returns text[]
language plpgsql
immutable
parallel safe
set search_path = ''
as $$
begin
  if p_pointer is null or p_pointer !~ '^(/([^~/]|~[01])*)+$' then
    return null;
  end if;
  return array(
    select replace(replace(s.part, '~1', '/'), '~0', '~')
    from unnest(pg_catalog.string_to_array(substr(p_pointer, 2), '/')) with ordinality as s (part, n)
    order by s.n
  );
end;
$$;

comment on function private.json_pointer_path(text) is
  'A JSON Pointer (RFC 6901) other than the root as a jsonb path (text[]); null when it is not one.';

revoke all on function private.json_pointer_path(text) from public, anon;
grant execute on function private.json_pointer_path(text) to authenticated, service_role;

-- jsonb_set that also creates the missing objects on the way (a move into a new nested object).
create function private.jsonb_set_path(p_target jsonb, p_path text[], p_value jsonb)
returns jsonb
language plpgsql
immutable
parallel safe
set search_path = ''
as $$
declare
  v_child jsonb;
begin
  if pg_catalog.cardinality(p_path) = 1 or pg_catalog.jsonb_typeof(p_target) = 'array' then
    return pg_catalog.jsonb_set(p_target, p_path, p_value, true);
  end if;
  v_child := p_target -> p_path[1];
  if v_child is null or pg_catalog.jsonb_typeof(v_child) not in ('object', 'array') then
    v_child := '{}'::jsonb;
  end if;
  return p_target || pg_catalog.jsonb_build_object(
    p_path[1], private.jsonb_set_path(v_child, p_path[2:], p_value));
end;
$$;

comment on function private.jsonb_set_path(jsonb, text[], jsonb) is
  'Sets the value at a path of an object, creating missing (or replacing scalar) objects on the way.';

revoke all on function private.jsonb_set_path(jsonb, text[], jsonb) from public, anon;
grant execute on function private.jsonb_set_path(jsonb, text[], jsonb) to authenticated, service_role;

-- What is wrong with a `migrations` object, as [{path, message}] (empty when nothing).
create function private.module_migrations_problems(p_migrations jsonb, p_version text)
returns jsonb
language plpgsql
immutable
parallel safe
set search_path = ''
as $$
declare
  v_problems jsonb := '[]'::jsonb;
  v_version text;
  v_steps jsonb;
  v_step jsonb;
  v_n integer;
  v_at text;
  v_op text;
  v_key text;
  v_allowed text[];
begin
  if pg_catalog.jsonb_typeof(p_migrations) is distinct from 'object' then
    return '[{"path": "migrations", "message": "must be an object of versions to lists of steps"}]'::jsonb;
  end if;
  for v_version, v_steps in select e.key, e.value from pg_catalog.jsonb_each(p_migrations) as e loop
    v_at := private.json_path_key('migrations', v_version);
    if v_version !~ '^(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)(-(0|[1-9][0-9]*|[0-9]*[a-zA-Z-][0-9a-zA-Z-]*)(\.(0|[1-9][0-9]*|[0-9]*[a-zA-Z-][0-9a-zA-Z-]*))*)?(\+[0-9a-zA-Z-]+(\.[0-9a-zA-Z-]+)*)?$' then
      v_problems := v_problems || pg_catalog.jsonb_build_object('path', v_at,
        'message', 'must be keyed by a semantic version such as 2.0.0');
      continue;
    end if;
    if private.semver_compare(v_version, p_version) > 0 then
      v_problems := v_problems || pg_catalog.jsonb_build_object('path', v_at,
        'message', pg_catalog.format('is a migration to %s, after the version being published (%s)', v_version, p_version));
    end if;
    if pg_catalog.jsonb_typeof(v_steps) is distinct from 'array' then
      v_problems := v_problems || pg_catalog.jsonb_build_object('path', v_at,
        'message', 'must be a list of steps');
      continue;
    end if;
    for v_step, v_n in select s.value, s.n - 1 from pg_catalog.jsonb_array_elements(v_steps) with ordinality as s (value, n) loop
      v_at := private.json_path_key('migrations', v_version) || '[' || v_n || ']';
      v_op := v_step ->> 'op';
      v_allowed := case v_op
        when 'add' then array['op', 'path', 'value']
        when 'replace' then array['op', 'path', 'value']
        when 'remove' then array['op', 'path']
        when 'move' then array['op', 'from', 'path']
        when 'copy' then array['op', 'from', 'path']
        when 'compute' then array['op', 'path', 'jsonpath']
      end;
      if pg_catalog.jsonb_typeof(v_step) is distinct from 'object' or v_allowed is null then
        v_problems := v_problems || pg_catalog.jsonb_build_object('path', v_at,
          'message', 'must be a step: {"op": "add" | "replace" | "remove" | "move" | "copy" | "compute", ...}');
        continue;
      end if;
      for v_key in select k from pg_catalog.unnest(v_allowed) as k
          where not (v_step ? k) loop
        v_problems := v_problems || pg_catalog.jsonb_build_object('path', v_at,
          'message', pg_catalog.format('a "%s" step needs "%s"', v_op, v_key));
      end loop;
      for v_key in select k from pg_catalog.jsonb_object_keys(v_step) as k
          where k <> all (v_allowed) loop
        v_problems := v_problems || pg_catalog.jsonb_build_object('path', v_at || '.' || v_key,
          'message', pg_catalog.format('is not a property of a "%s" step', v_op));
      end loop;
      for v_key in select k from pg_catalog.unnest(array['path', 'from']) as k
          where v_step ? k and private.json_pointer_path(v_step ->> k) is null loop
        v_problems := v_problems || pg_catalog.jsonb_build_object('path', v_at || '.' || v_key,
          'message', 'must be a JSON Pointer to a key inside the settings, such as /branding/color');
      end loop;
      if v_op = 'compute' and v_step ? 'jsonpath' then
        begin
          perform (v_step ->> 'jsonpath')::jsonpath;
        exception when others then
          v_problems := v_problems || pg_catalog.jsonb_build_object('path', v_at || '.jsonpath',
            'message', 'is not an SQL/JSON path expression: ' || sqlerrm);
        end;
      end if;
    end loop;
  end loop;
  return v_problems;
end;
$$;

comment on function private.module_migrations_problems(jsonb, text) is
  'Checks a module''s migrations object for the version being published; returns the problems as [{path, message}].';

revoke all on function private.module_migrations_problems(jsonb, text) from public, anon;
grant execute on function private.module_migrations_problems(jsonb, text) to authenticated, service_role;

-- Runs one migration's steps on settings. A step whose source is absent does nothing; a compute
-- whose expression yields nothing removes its path. Errors name the step.
create function private.module_migration_apply(p_settings jsonb, p_steps jsonb, p_version text)
returns jsonb
language plpgsql
stable
set search_path = ''
as $$
declare
  v_settings jsonb := p_settings;
  v_step jsonb;
  v_n integer;
  v_path text[];
  v_value jsonb;
begin
  for v_step, v_n in select s.value, s.n - 1 from pg_catalog.jsonb_array_elements(p_steps) with ordinality as s (value, n) loop
    begin
      v_path := private.json_pointer_path(v_step ->> 'path');
      case v_step ->> 'op'
        when 'add' then
          v_settings := private.jsonb_set_path(v_settings, v_path, v_step -> 'value');
        when 'replace' then
          if v_settings #> v_path is not null then
            v_settings := private.jsonb_set_path(v_settings, v_path, v_step -> 'value');
          end if;
        when 'remove' then
          v_settings := v_settings #- v_path;
        when 'move', 'copy' then
          v_value := v_settings #> private.json_pointer_path(v_step ->> 'from');
          if v_value is not null then
            if v_step ->> 'op' = 'move' then
              v_settings := v_settings #- private.json_pointer_path(v_step ->> 'from');
            end if;
            v_settings := private.jsonb_set_path(v_settings, v_path, v_value);
          end if;
        when 'compute' then
          v_value := pg_catalog.jsonb_path_query_first(v_settings, (v_step ->> 'jsonpath')::jsonpath);
          if v_value is null then
            v_settings := v_settings #- v_path;
          else
            v_settings := private.jsonb_set_path(v_settings, v_path, v_value);
          end if;
      end case;
    exception when others then
      raise exception 'step % of the migration to % failed: %', v_n, p_version, sqlerrm
        using errcode = '23514',
          detail = pg_catalog.jsonb_build_array(pg_catalog.jsonb_build_object(
            'path', 'settings' || coalesce(
              (select string_agg(private.json_path_key('', p), '' order by n)
               from unnest(v_path) with ordinality as t (p, n)), ''),
            'message', pg_catalog.format('step %s of the migration to %s failed: %s', v_n, p_version, sqlerrm)))::text,
          constraint = 'tenant_modules_upgrade';
    end;
  end loop;
  return v_settings;
end;
$$;

comment on function private.module_migration_apply(jsonb, jsonb, text) is
  'Applies one version''s migration steps to settings; a failing step raises 23514 (constraint tenant_modules_upgrade).';

revoke all on function private.module_migration_apply(jsonb, jsonb, text) from public, anon;
grant execute on function private.module_migration_apply(jsonb, jsonb, text) to authenticated, service_role;

-- ---------------------------------------------------------------------------------------------
-- Publishing: what a catalog row may say, and every version recorded.
-- ---------------------------------------------------------------------------------------------

create function private.modules_check_version()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_problems jsonb := '[]'::jsonb;
  v_latest text;
  v_key text;
  v_range text;
  v_problem text;
begin
  if pg_catalog.jsonb_typeof(new.requires) is distinct from 'object' then
    v_problems := v_problems || '[{"path": "requires", "message": "must be an object of module ids to version ranges"}]'::jsonb;
  else
    for v_key, v_range in select e.key, e.value #>> '{}' from pg_catalog.jsonb_each(new.requires) as e loop
      if pg_catalog.jsonb_typeof(new.requires -> v_key) is distinct from 'string' then
        v_problem := 'must be a version range such as ^1.2.0';
      else
        v_problem := private.semver_range_problem(v_range);
      end if;
      if v_key = new.id then
        v_problem := 'a module cannot require itself';
      end if;
      if v_problem is not null then
        v_problems := v_problems || pg_catalog.jsonb_build_object(
          'path', private.json_path_key('requires', v_key), 'message', v_problem);
      end if;
    end loop;
  end if;
  v_problems := v_problems || private.module_migrations_problems(new.migrations, new.version);
  if v_problems <> '[]'::jsonb then
    raise exception 'invalid requires or migrations for module "%"', new.id
      using errcode = '23514',
        detail = v_problems::text,
        hint = 'The detail lists each problem as {path, message}.',
        constraint = 'modules_contract',
        schema = 'public',
        table = 'modules';
  end if;
  if tg_op = 'UPDATE' and new.version is distinct from old.version then
    v_latest := private.semver_max(array(
      select v.version from public.module_versions as v where v.module_id = new.id));
    if v_latest is not null and private.semver_compare(new.version, v_latest) < 0 then
      raise exception 'version % of module "%" is older than its latest published version, %',
        new.version, new.id, v_latest
        using errcode = '23514',
          hint = 'Versions only move forward: publish a version after the latest one.',
          constraint = 'modules_version_order',
          schema = 'public',
          table = 'modules',
          column = 'version';
    end if;
  end if;
  return new;
end;
$$;

comment on function private.modules_check_version() is
  'Trigger (before a catalog row is written): refuses malformed requires or migrations, and a version older than the latest published one.';

revoke all on function private.modules_check_version() from public, anon, authenticated;

create trigger modules_check_version
before insert or update of version, requires, migrations on public.modules
for each row execute function private.modules_check_version();

-- After a catalog row is written: its version is recorded (a new version) or refreshed (the same
-- version written again, e.g. while a module is being developed). Only in the second case do
-- tenants meet the new schema at once: those on that version must pass it, and get its defaults.
create or replace function private.modules_apply_settings_schema()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_failing jsonb;
  v_count bigint;
  v_old_schema jsonb;
  v_old_requires jsonb;
begin
  select v.settings_schema, v.requires into v_old_schema, v_old_requires
  from public.module_versions as v
  where v.module_id = new.id and v.version = new.version;
  if not found then
    insert into public.module_versions (module_id, version, settings_schema, requires, migrations)
    values (new.id, new.version, new.settings_schema, new.requires, new.migrations);
    return null;
  end if;
  update public.module_versions as v
  set settings_schema = new.settings_schema, requires = new.requires, migrations = new.migrations
  where v.module_id = new.id and v.version = new.version
    and (v.settings_schema, v.requires, v.migrations)
      is distinct from (new.settings_schema, new.requires, new.migrations);
  -- New requirements for a version tenants run: each enabled one must already meet them.
  if v_old_requires is distinct from new.requires then
    select pg_catalog.count(*),
      pg_catalog.jsonb_agg(pg_catalog.jsonb_build_object('tenant_id', f.tenant_id, 'missing', f.missing)
        order by f.tenant_id) filter (where f.n <= 20)
    into v_count, v_failing
    from (
      select tm.tenant_id, x.missing, pg_catalog.row_number() over (order by tm.tenant_id) as n
      from public.tenant_modules as tm
      cross join lateral (
        select pg_catalog.jsonb_agg(pg_catalog.jsonb_build_object(
            'module_id', r.key, 'range', r.value #>> '{}',
            'installed_version', d.version, 'enabled', coalesce(d.enabled, false)) order by r.key) as missing
        from pg_catalog.jsonb_each(new.requires) as r
        left join public.tenant_modules as d on d.tenant_id = tm.tenant_id and d.module_id = r.key
        where d.id is null or not d.enabled or not private.semver_satisfies(d.version, r.value #>> '{}')
      ) as x
      where tm.module_id = new.id and tm.version = new.version and tm.enabled and x.missing is not null
    ) as f;
    if v_count > 0 then
      raise exception 'the new requirements of module "%" % are not met by % tenant(s) running it',
        new.id, new.version, v_count
        using errcode = '23503',
          detail = v_failing::text,
          hint = 'Publish the requirements as a new version (tenants meet them when they upgrade), or install them for those tenants first; the detail lists up to 20 tenants as {tenant_id, missing}.',
          constraint = 'modules_requires_installed',
          schema = 'public',
          table = 'modules',
          column = 'requires';
    end if;
  end if;
  if v_old_schema is not distinct from new.settings_schema or new.settings_schema is null then
    return null;
  end if;
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
    where tm.module_id = new.id and tm.version = new.version and e.errors <> '[]'::jsonb
  ) as f;
  if v_count > 0 then
    raise exception 'the new settings schema of module "%" would reject the settings of % tenant(s)',
      new.id, v_count
      using errcode = '23514',
        detail = v_failing::text,
        hint = 'Change those tenants'' settings first, publish a schema that accepts them, or publish it as a new version with a migration; the detail lists up to 20 tenants as {tenant_id, errors}.',
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
    where t.module_id = new.id and t.version = new.version
  ) as d
  where tm.id = d.id and tm.settings <> d.settings;
  return null;
end;
$$;

comment on function private.modules_apply_settings_schema() is
  'Trigger (after a catalog row is written): records its version in module_versions, or refreshes it when the same version is written again; then changed requirements must be met by every enabled tenant on that version, and a changed schema must accept the settings of every tenant on it (else refused, listing them), its defaults filled in.';

drop trigger modules_apply_settings_schema on public.modules;

create trigger modules_apply_settings_schema
after insert or update of version, settings_schema, requires, migrations on public.modules
for each row execute function private.modules_apply_settings_schema();

-- At commit: every requirement is satisfiable by some published version, the requirements have
-- no cycle, and no module requires one that was deleted.
create function private.modules_check_requires()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_requires jsonb;
  v_missing jsonb;
  v_cycle text;
  v_dependents text;
begin
  if tg_op = 'DELETE' then
    select pg_catalog.string_agg(m.id, ', ' order by m.id) into v_dependents
    from public.modules as m
    where m.requires ? old.id;
    if v_dependents is not null then
      raise exception 'module "%" is required by %', old.id, v_dependents
        using errcode = '23503',
          hint = 'Publish versions of those modules without the requirement first.',
          constraint = 'modules_requires',
          schema = 'public',
          table = 'modules';
    end if;
    return null;
  end if;
  select m.requires into v_requires from public.modules as m where m.id = new.id;
  if not found then
    return null;
  end if;
  select pg_catalog.jsonb_agg(pg_catalog.jsonb_build_object('module_id', r.key, 'range', r.value #>> '{}') order by r.key)
  into v_missing
  from pg_catalog.jsonb_each(v_requires) as r
  where not exists (
    select 1 from public.module_versions as v
    where v.module_id = r.key and private.semver_satisfies(v.version, r.value #>> '{}')
  );
  if v_missing is not null then
    raise exception 'module "%" requires versions that are not published: %', new.id,
      (select pg_catalog.string_agg((e ->> 'module_id') || ' ' || (e ->> 'range'), ', ')
       from pg_catalog.jsonb_array_elements(v_missing) as e)
      using errcode = '23503',
        detail = v_missing::text,
        hint = 'Publish a version of each required module that satisfies the range, in the same transaction or before; the detail lists them as {module_id, range}.',
        constraint = 'modules_requires',
        schema = 'public',
        table = 'modules',
        column = 'requires';
  end if;
  with recursive walk (id, trail) as (
    select r.key, array[new.id, r.key]
    from pg_catalog.jsonb_object_keys(v_requires) as r (key)
    union all
    select d.key, w.trail || d.key
    from walk as w
    join public.modules as m on m.id = w.id
    cross join lateral pg_catalog.jsonb_object_keys(m.requires) as d (key)
    where w.id <> new.id and d.key <> all (w.trail[2:])
  )
  select pg_catalog.array_to_string(w.trail, ' → ') into v_cycle
  from walk as w
  where w.id = new.id
  limit 1;
  if v_cycle is not null then
    raise exception 'module requirements form a cycle: %', v_cycle
      using errcode = '23514',
        hint = 'A module cannot require, directly or through others, itself.',
        constraint = 'modules_requires_acyclic',
        schema = 'public',
        table = 'modules',
        column = 'requires';
  end if;
  return null;
end;
$$;

comment on function private.modules_check_requires() is
  'Constraint trigger (deferred to commit): every requirement of a catalog module has a published version in range, requirements have no cycle, and a required module is not deleted.';

revoke all on function private.modules_check_requires() from public, anon, authenticated;

create constraint trigger modules_requires
after insert or update of requires, version or delete on public.modules
deferrable initially deferred
for each row execute function private.modules_check_requires();

-- ---------------------------------------------------------------------------------------------
-- Installed modules: the version, upgrades and their migrations.
-- ---------------------------------------------------------------------------------------------

-- Named to run after tenant_modules_before_write and before tenant_modules_settings_defaults.
create function private.tenant_modules_migrate_settings()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_current text;
  v_declared jsonb;
  v_migrations jsonb;
  v_key text;
begin
  if tg_op = 'INSERT' then
    select m.version into v_current from public.modules as m where m.id = new.module_id;
    if v_current is null then
      return new;  -- no such module: its foreign key refuses the row (23503)
    end if;
    if new.version is null or new.version = '' then
      new.version := v_current;
    elsif new.version is distinct from v_current then
      raise exception 'module "%" is installed at its current version, %, not %',
        new.module_id, v_current, new.version
        using errcode = '23514',
          hint = 'Install without a version, then upgrade when a newer one is published.',
          constraint = 'tenant_modules_install_version',
          schema = 'public',
          table = 'tenant_modules',
          column = 'version';
    end if;
    return new;
  end if;
  if new.version is not distinct from old.version then
    return new;
  end if;
  perform from public.module_versions as v
  where v.module_id = new.module_id and v.version = new.version;
  if not found then
    raise exception 'module "%" has no version %', new.module_id, coalesce(new.version, 'null')
      using errcode = '23503',
        hint = 'Upgrade to a version listed in public.module_versions.',
        constraint = 'tenant_modules_version_fkey',
        schema = 'public',
        table = 'tenant_modules',
        column = 'version';
  end if;
  if private.semver_compare(new.version, old.version) < 0 then
    raise exception 'module "%" cannot be downgraded from % to %', new.module_id, old.version, new.version
      using errcode = '23514',
        hint = 'Versions only move forward; uninstall and install again to start over.',
        constraint = 'tenant_modules_no_downgrade',
        schema = 'public',
        table = 'tenant_modules',
        column = 'version';
  end if;
  -- Settings written in the same update are taken as already migrated.
  if new.settings is distinct from old.settings then
    return new;
  end if;
  -- The steps of each migration key come from the latest version up to the target that declares
  -- it, so a module file that stops listing old migrations does not lose them.
  select pg_catalog.jsonb_object_agg(v.version, v.migrations) into v_declared
  from public.module_versions as v
  where v.module_id = new.module_id and private.semver_compare(v.version, new.version) <= 0;
  v_migrations := '{}'::jsonb;
  foreach v_key in array private.semver_sort(array(
    select pg_catalog.jsonb_object_keys(v_declared)))
  loop
    v_migrations := v_migrations || (v_declared -> v_key);
  end loop;
  foreach v_key in array private.semver_sort(array(
    select k.key from pg_catalog.jsonb_object_keys(v_migrations) as k (key)
    where private.semver_compare(k.key, old.version) > 0
      and private.semver_compare(k.key, new.version) <= 0))
  loop
    new.settings := private.module_migration_apply(new.settings, v_migrations -> v_key, v_key);
  end loop;
  return new;
end;
$$;

comment on function private.tenant_modules_migrate_settings() is
  'Trigger (before insert, or update of version): sets the version of a new install to the current one; on an upgrade refuses an unknown version or a downgrade, then runs, in version order, the settings migrations declared (by the target or an earlier version, the latest declaration winning) for every version after the installed one up to the target.';

revoke all on function private.tenant_modules_migrate_settings() from public, anon, authenticated;

create trigger tenant_modules_migrate_settings
before insert or update of version on public.tenant_modules
for each row execute function private.tenant_modules_migrate_settings();

-- ---------------------------------------------------------------------------------------------
-- Settings are checked against the installed version's schema.
-- ---------------------------------------------------------------------------------------------

create or replace function private.tenant_modules_apply_settings_defaults()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_schema jsonb;
begin
  if tg_op = 'UPDATE' and new.settings is not distinct from old.settings
     and new.version is not distinct from old.version then
    return new;
  end if;
  -- Not an object, or over 64 KiB: the table's own constraints refuse it.
  if pg_catalog.jsonb_typeof(new.settings) is distinct from 'object'
     or pg_catalog.octet_length(new.settings::text) > 65536 then
    return new;
  end if;
  select v.settings_schema into v_schema
  from public.module_versions as v
  where v.module_id = new.module_id and v.version = new.version;
  if v_schema is not null then
    new.settings := private.json_schema_apply_defaults(v_schema, new.settings);
  end if;
  return new;
end;
$$;

comment on function private.tenant_modules_apply_settings_defaults() is
  'Trigger (before insert or update of settings or version): fills in the defaults of the installed version''s settings_schema.';

drop trigger tenant_modules_settings_defaults on public.tenant_modules;

create trigger tenant_modules_settings_defaults
before insert or update of settings, version on public.tenant_modules
for each row execute function private.tenant_modules_apply_settings_defaults();

create or replace function private.tenant_modules_check_settings()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_schema jsonb;
  v_errors jsonb;
begin
  if tg_op = 'UPDATE' and new.settings is not distinct from old.settings
     and new.version is not distinct from old.version then
    return null;
  end if;
  select v.settings_schema into v_schema
  from public.module_versions as v
  where v.module_id = new.module_id and v.version = new.version;
  v_errors := private.json_schema_errors(v_schema, new.settings, 'settings');
  if v_errors = '[]'::jsonb then
    return null;
  end if;
  if tg_op = 'UPDATE' and new.version is distinct from old.version then
    raise exception 'module "%" cannot be upgraded to %: the migrated settings do not fit its settings schema',
      new.module_id, new.version
      using errcode = '23514',
        detail = v_errors::text,
        hint = 'Change the settings so that they fit the new version, or fix its migrations; the detail lists each failing path as {path, message}. Nothing was changed.',
        constraint = 'tenant_modules_upgrade',
        schema = 'public',
        table = 'tenant_modules',
        column = 'settings';
  end if;
  raise exception 'invalid settings for module "%"', new.module_id
    using errcode = '23514',
      detail = v_errors::text,
      hint = 'The settings must match the settings_schema of the installed version in public.module_versions; the detail lists each failing path as {path, message}.',
      constraint = 'tenant_modules_settings_schema',
      schema = 'public',
      table = 'tenant_modules',
      column = 'settings';
end;
$$;

comment on function private.tenant_modules_check_settings() is
  'Trigger (after insert or update of settings or version, so after RLS): refuses settings that fail the installed version''s settings_schema or nest more than 32 levels (SQLSTATE 23514, constraint tenant_modules_settings_schema, or tenant_modules_upgrade for an upgrade; failing paths as JSON in DETAIL).';

drop trigger tenant_modules_settings_contract on public.tenant_modules;

create trigger tenant_modules_settings_contract
after insert or update of settings, version on public.tenant_modules
for each row execute function private.tenant_modules_check_settings();

-- ---------------------------------------------------------------------------------------------
-- Dependencies between a tenant's modules.
-- ---------------------------------------------------------------------------------------------

-- An enabled module's requirements are installed, enabled and in range. Checked on the row as it
-- is when the check runs (it may be deferred to commit).
create function private.tenant_modules_check_requires()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_row public.tenant_modules;
  v_missing jsonb;
begin
  if tg_op = 'UPDATE' and new.enabled = old.enabled and new.version = old.version then
    return null;
  end if;
  select tm.* into v_row from public.tenant_modules as tm where tm.id = new.id;
  if not found or not v_row.enabled then
    return null;
  end if;
  select pg_catalog.jsonb_agg(pg_catalog.jsonb_build_object(
      'module_id', r.key, 'range', r.value #>> '{}',
      'installed_version', d.version, 'enabled', coalesce(d.enabled, false)) order by r.key)
  into v_missing
  from public.module_versions as v
  cross join lateral pg_catalog.jsonb_each(v.requires) as r
  left join public.tenant_modules as d on d.tenant_id = v_row.tenant_id and d.module_id = r.key
  where v.module_id = v_row.module_id and v.version = v_row.version
    and (d.id is null or not d.enabled or not private.semver_satisfies(d.version, r.value #>> '{}'));
  if v_missing is not null then
    raise exception 'module "%" % requires modules this tenant does not have enabled in range: %',
      v_row.module_id, v_row.version,
      (select pg_catalog.string_agg(pg_catalog.format('%s %s (%s)', e ->> 'module_id', e ->> 'range',
         case when e ->> 'installed_version' is null then 'not installed'
              when not (e -> 'enabled')::boolean then 'disabled'
              else 'installed ' || (e ->> 'installed_version') end), ', ')
       from pg_catalog.jsonb_array_elements(v_missing) as e)
      using errcode = '23503',
        detail = v_missing::text,
        hint = 'Install, enable or upgrade those modules first, or in the same transaction; the detail lists each as {module_id, range, installed_version, enabled}.',
        constraint = 'tenant_modules_requires',
        schema = 'public',
        table = 'tenant_modules';
  end if;
  return null;
end;
$$;

comment on function private.tenant_modules_check_requires() is
  'Constraint trigger (after insert, or update of enabled or version): an enabled module''s requirements must be installed, enabled and in range for the tenant (SQLSTATE 23503, constraint tenant_modules_requires, the missing ones as JSON in DETAIL).';

revoke all on function private.tenant_modules_check_requires() from public, anon, authenticated;

create constraint trigger tenant_modules_requires
after insert or update of enabled, version on public.tenant_modules
deferrable initially immediate
for each row execute function private.tenant_modules_check_requires();

-- A module an enabled module needs is not disabled, uninstalled or moved out of its range.
create function private.tenant_modules_check_required_by()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_row public.tenant_modules;
  v_gone boolean := true;
  v_dependents jsonb;
begin
  if tg_op = 'UPDATE' then
    if (new.enabled or not old.enabled) and new.version = old.version then
      return null;
    end if;
    select tm.* into v_row from public.tenant_modules as tm where tm.id = old.id;
    v_gone := not found or not v_row.enabled;
  end if;
  select pg_catalog.jsonb_agg(pg_catalog.jsonb_build_object(
      'module_id', d.module_id, 'version', d.version, 'range', v.requires ->> old.module_id)
      order by d.module_id)
  into v_dependents
  from public.tenant_modules as d
  join public.module_versions as v on v.module_id = d.module_id and v.version = d.version
  where d.tenant_id = old.tenant_id and d.enabled and v.requires ? old.module_id
    and (v_gone or not private.semver_satisfies(v_row.version, v.requires ->> old.module_id));
  if v_dependents is null then
    return null;
  end if;
  if v_gone then
    raise exception 'module "%" is required by enabled modules of this tenant: %', old.module_id,
      (select pg_catalog.string_agg(e ->> 'module_id', ', ') from pg_catalog.jsonb_array_elements(v_dependents) as e)
      using errcode = '23503',
        detail = v_dependents::text,
        hint = 'Disable or uninstall those modules first, or in the same statement (cascade); the detail lists each as {module_id, version, range}.',
        constraint = 'tenant_modules_required_by',
        schema = 'public',
        table = 'tenant_modules';
  end if;
  raise exception 'module "%" cannot move to %: %', old.module_id, v_row.version,
    (select pg_catalog.string_agg(pg_catalog.format('%s requires %s', e ->> 'module_id', e ->> 'range'), ', ')
     from pg_catalog.jsonb_array_elements(v_dependents) as e)
    using errcode = '23503',
      detail = v_dependents::text,
      hint = 'Upgrade those modules to versions that accept it first; the detail lists each as {module_id, version, range}.',
      constraint = 'tenant_modules_required_by',
      schema = 'public',
      table = 'tenant_modules';
end;
$$;

comment on function private.tenant_modules_check_required_by() is
  'Constraint trigger (after delete, or update of enabled or version): refuses to remove, disable or move out of range a module that an enabled module of the tenant requires (SQLSTATE 23503, constraint tenant_modules_required_by, the dependents as JSON in DETAIL).';

revoke all on function private.tenant_modules_check_required_by() from public, anon, authenticated;

create constraint trigger tenant_modules_required_by
after delete or update of enabled, version on public.tenant_modules
deferrable initially immediate
for each row execute function private.tenant_modules_check_required_by();

-- ---------------------------------------------------------------------------------------------
-- The API's writes that need more than one row or statement, each one transaction, as the
-- caller (RLS decides).
-- ---------------------------------------------------------------------------------------------

create function public.install_tenant_module(
  tenant_id uuid,
  module_id text,
  settings jsonb default '{}'::jsonb,
  enabled boolean default true,
  with_dependencies boolean default false
)
returns setof public.tenant_modules
language plpgsql
volatile
security invoker
set search_path = ''
as $$
declare
  v_needed text[] := '{}';
  v_ranges jsonb;
  v_unsatisfied jsonb;
begin
  if with_dependencies then
    with recursive needed (module_id, range) as (
      select r.key, r.value #>> '{}'
      from public.modules as m
      join public.module_versions as v on v.module_id = m.id and v.version = m.version
      cross join lateral pg_catalog.jsonb_each(v.requires) as r
      where m.id = install_tenant_module.module_id
      union
      select r.key, r.value #>> '{}'
      from needed as n
      join public.modules as m on m.id = n.module_id
      join public.module_versions as v on v.module_id = m.id and v.version = m.version
      cross join lateral pg_catalog.jsonb_each(v.requires) as r
      where not exists (
        select 1 from public.tenant_modules as tm
        where tm.tenant_id = install_tenant_module.tenant_id and tm.module_id = n.module_id
          and tm.enabled
      )
    )
    select pg_catalog.jsonb_agg(pg_catalog.jsonb_build_object('module_id', n.module_id, 'range', n.range))
    into v_ranges
    from needed as n
    where not exists (
      select 1 from public.tenant_modules as tm
      where tm.tenant_id = install_tenant_module.tenant_id and tm.module_id = n.module_id
        and tm.enabled
    );
    -- A requirement that is not installed gets the current version: say so when that is out of range.
    select pg_catalog.jsonb_agg(pg_catalog.jsonb_build_object(
        'module_id', n.module_id, 'range', n.range, 'installed_version', null, 'enabled', false,
        'current_version', m.version) order by n.module_id, n.range)
    into v_unsatisfied
    from pg_catalog.jsonb_to_recordset(coalesce(v_ranges, '[]')) as n (module_id text, range text)
    left join public.modules as m on m.id = n.module_id
    where not exists (
        select 1 from public.tenant_modules as tm
        where tm.tenant_id = install_tenant_module.tenant_id and tm.module_id = n.module_id)
      and (m.id is null or not private.semver_satisfies(m.version, n.range));
    if v_unsatisfied is not null then
      raise exception 'module "%" % requires modules this tenant does not have enabled in range: %',
        install_tenant_module.module_id,
        (select m.version from public.modules as m where m.id = install_tenant_module.module_id),
        (select pg_catalog.string_agg(pg_catalog.format('%s %s (not installed; its current version, %s, is out of range)',
           e ->> 'module_id', e ->> 'range', coalesce(e ->> 'current_version', 'none')), ', ')
         from pg_catalog.jsonb_array_elements(v_unsatisfied) as e)
        using errcode = '23503',
          detail = v_unsatisfied::text,
          hint = 'Those modules cannot be installed in range: publish a version of the module that accepts their current versions. The detail lists each as {module_id, range, installed_version, enabled, current_version}.',
          constraint = 'tenant_modules_requires',
          schema = 'public',
          table = 'tenant_modules';
    end if;
    select coalesce(pg_catalog.array_agg(distinct n.module_id), '{}') into v_needed
    from pg_catalog.jsonb_to_recordset(coalesce(v_ranges, '[]')) as n (module_id text, range text);
  end if;
  -- One statement: its requirement checks run once every row is written, and a transaction
  -- that deferred them keeps them deferred.
  return query
    with enabled as (
      update public.tenant_modules as tm
      set enabled = true
      where tm.tenant_id = install_tenant_module.tenant_id and tm.module_id = any (v_needed)
        and not tm.enabled
      returning tm.*
    ),
    dependencies as (
      insert into public.tenant_modules as tm (tenant_id, module_id)
      select install_tenant_module.tenant_id, n.module_id
      from pg_catalog.unnest(v_needed) as n (module_id)
      where not exists (
        select 1 from public.tenant_modules as t
        where t.tenant_id = install_tenant_module.tenant_id and t.module_id = n.module_id
      )
      returning tm.*
    ),
    own as (
      insert into public.tenant_modules as tm (tenant_id, module_id, settings, enabled)
      values (install_tenant_module.tenant_id, install_tenant_module.module_id,
        coalesce(install_tenant_module.settings, '{}'::jsonb), coalesce(install_tenant_module.enabled, true))
      returning tm.*
    )
    select (w.r).*
    from (
      select 1 as o, e as r from enabled as e
      union all
      select 2, d from dependencies as d
      union all
      select 3, m from own as m
    ) as w
    order by w.o, (w.r).module_id;
end;
$$;

comment on function public.install_tenant_module(uuid, text, jsonb, boolean, boolean) is
  'Installs a module for a tenant, as the caller (RLS decides). With with_dependencies, the modules it requires that the tenant lacks are installed too (at their current version, with their defaults) and disabled ones enabled, all or nothing. Returns every row written, the module''s own last.';

revoke all on function public.install_tenant_module(uuid, text, jsonb, boolean, boolean) from public, anon;
grant execute on function public.install_tenant_module(uuid, text, jsonb, boolean, boolean) to authenticated, service_role;

create function public.upgrade_tenant_module(tenant_id uuid, module_id text, version text default null)
returns setof public.tenant_modules
language plpgsql
volatile
security invoker
set search_path = ''
as $$
declare
  v_target text := upgrade_tenant_module.version;
begin
  if v_target is null then
    select m.version into v_target from public.modules as m where m.id = upgrade_tenant_module.module_id;
  end if;
  -- Already there: nothing to write (an admin gets the row; anyone else the update's answer).
  if upgrade_tenant_module.tenant_id = any ((select private.admin_tenant_ids())::uuid[]) then
    return query
      select tm.* from public.tenant_modules as tm
      where tm.tenant_id = upgrade_tenant_module.tenant_id
        and tm.module_id = upgrade_tenant_module.module_id and tm.version = v_target;
    if found then
      return;
    end if;
  end if;
  return query
    update public.tenant_modules as tm
    set version = v_target
    where tm.tenant_id = upgrade_tenant_module.tenant_id
      and tm.module_id = upgrade_tenant_module.module_id
    returning tm.*;
end;
$$;

comment on function public.upgrade_tenant_module(uuid, text, text) is
  'Upgrades a tenant''s installed module to a published version (default: the current one), as the caller (RLS decides): the settings migrations run, then the new schema and its defaults apply. Returns the row; none when it is not installed or the caller may not change it.';

revoke all on function public.upgrade_tenant_module(uuid, text, text) from public, anon;
grant execute on function public.upgrade_tenant_module(uuid, text, text) to authenticated, service_role;

-- The enabled modules of a tenant that need `module_id`, directly or through others, with it.
create function private.tenant_module_with_dependents(p_tenant_id uuid, p_module_id text)
returns setof text
language sql
stable
security invoker
set search_path = ''
as $$
  with recursive closure (module_id) as (
    select p_module_id
    union
    select d.module_id
    from closure as c
    join public.tenant_modules as d on d.tenant_id = p_tenant_id and d.enabled
    join public.module_versions as v on v.module_id = d.module_id and v.version = d.version
    where v.requires ? c.module_id
  )
  select c.module_id from closure as c;
$$;

comment on function private.tenant_module_with_dependents(uuid, text) is
  'The module and every enabled module of the tenant that requires it, directly or not (as the caller sees them).';

revoke all on function private.tenant_module_with_dependents(uuid, text) from public, anon;
grant execute on function private.tenant_module_with_dependents(uuid, text) to authenticated, service_role;

create function public.uninstall_tenant_module(tenant_id uuid, module_id text, cascade boolean default false)
returns setof public.tenant_modules
language plpgsql
volatile
security invoker
set search_path = ''
as $$
begin
  return query
    delete from public.tenant_modules as tm
    where tm.tenant_id = uninstall_tenant_module.tenant_id
      and tm.module_id in (
        select uninstall_tenant_module.module_id
        union
        select d from private.tenant_module_with_dependents(
          uninstall_tenant_module.tenant_id, uninstall_tenant_module.module_id) as d
        where uninstall_tenant_module.cascade
      )
      and exists (
        select 1 from public.tenant_modules as t
        where t.tenant_id = uninstall_tenant_module.tenant_id
          and t.module_id = uninstall_tenant_module.module_id
      )
    returning tm.*;
end;
$$;

comment on function public.uninstall_tenant_module(uuid, text, boolean) is
  'Uninstalls a tenant''s module, as the caller (RLS decides); with cascade, also every enabled module that requires it, directly or not, in the same statement. Returns the deleted rows; none when it is not installed or the caller may not remove it.';

revoke all on function public.uninstall_tenant_module(uuid, text, boolean) from public, anon;
grant execute on function public.uninstall_tenant_module(uuid, text, boolean) to authenticated, service_role;

create function public.disable_tenant_module(tenant_id uuid, module_id text, cascade boolean default false)
returns setof public.tenant_modules
language plpgsql
volatile
security invoker
set search_path = ''
as $$
begin
  return query
    update public.tenant_modules as tm
    set enabled = false
    where tm.tenant_id = disable_tenant_module.tenant_id
      and tm.module_id in (
        select disable_tenant_module.module_id
        union
        select d from private.tenant_module_with_dependents(
          disable_tenant_module.tenant_id, disable_tenant_module.module_id) as d
        where disable_tenant_module.cascade
      )
      and (tm.enabled or tm.module_id = disable_tenant_module.module_id)
    returning tm.*;
end;
$$;

comment on function public.disable_tenant_module(uuid, text, boolean) is
  'Disables a tenant''s module, as the caller (RLS decides); with cascade, also every enabled module that requires it, directly or not, in the same statement. Returns the updated rows; none when it is not installed or the caller may not change it.';

revoke all on function public.disable_tenant_module(uuid, text, boolean) from public, anon;
grant execute on function public.disable_tenant_module(uuid, text, boolean) to authenticated, service_role;

-- ---------------------------------------------------------------------------------------------
-- Bulk upgrades, for operators (`deno task modules:upgrade`): one batch of tenants, each upgraded
-- in its own subtransaction, so a blocked tenant is reported and the others go on.
-- ---------------------------------------------------------------------------------------------

create function private.upgrade_tenant_modules(
  p_module_id text,
  p_version text,
  p_after uuid,
  p_limit integer
)
returns table (tenant_id uuid, from_version text, outcome text, message text, errors jsonb)
language plpgsql
volatile
security invoker
set search_path = ''
as $$
declare
  v_row record;
  v_detail text;
begin
  if not exists (
    select 1 from public.module_versions as v where v.module_id = p_module_id and v.version = p_version
  ) then
    raise exception 'module "%" has no version %', p_module_id, p_version
      using errcode = '22023';
  end if;
  for v_row in
    select tm.id, tm.tenant_id, tm.version
    from public.tenant_modules as tm
    where tm.module_id = p_module_id
      and (p_after is null or tm.tenant_id > p_after)
    order by tm.tenant_id
    limit p_limit
  loop
    tenant_id := v_row.tenant_id;
    from_version := v_row.version;
    message := null;
    errors := null;
    if private.semver_compare(v_row.version, p_version) >= 0 then
      outcome := 'current';
    else
      begin
        update public.tenant_modules as tm set version = p_version where tm.id = v_row.id;
        outcome := 'upgraded';
      exception when sqlstate '23514' or sqlstate '23503' then
        get stacked diagnostics message = message_text, v_detail = pg_exception_detail;
        outcome := 'blocked';
        errors := case when v_detail ~ '^\s*\[' then v_detail::jsonb else '[]'::jsonb end;
      end;
    end if;
    return next;
  end loop;
end;
$$;

comment on function private.upgrade_tenant_modules(text, text, uuid, integer) is
  'For operators: upgrades the next p_limit tenants (by tenant id, after p_after) that have the module installed to p_version, each in its own subtransaction; returns each tenant''s outcome (upgraded, current, blocked with the database''s message and errors).';

revoke all on function private.upgrade_tenant_modules(text, text, uuid, integer) from public, anon, authenticated, service_role;

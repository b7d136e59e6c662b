-- Audit trail and lifecycle events of installed modules, written by the database in the same
-- transaction as the change, on every path (the edge function, a REST client, an RPC, SQL):
--
-- * `public.tenant_module_events` is append-only: one row per installed, enabled, disabled,
--   settings_changed, upgraded or uninstalled, with the actor (the JWT's user, null otherwise), the
--   role, the module version and what changed. A write that changes nothing records nothing.
-- * Nobody inserts, updates or deletes events: triggers refuse it for every role, postgres
--   included. Deleting a tenant deletes its events (so a tenant can be erased).
-- * Members of a tenant read its events (RLS). The table is in the `supabase_realtime` publication,
--   so Realtime delivers each event to subscribed members under the same RLS.
-- * `id` increases with every event. Pollers read `id > <cursor>` through
--   `public.tenant_module_events_after()`, which holds back events of transactions that may still
--   commit with a smaller id, so a cursor never skips one.
-- * A module may own tables (`public.modules.owned_tables`, each with a tenant_id column);
--   `public.tenant_module_uninstall_preview()` counts the tenant's rows in them, and
--   `public.uninstall_tenant_module(…, purge => true)` deletes those rows, as the caller, in the
--   same transaction as the uninstall.

-- ---------------------------------------------------------------------------------------------
-- The events.
-- ---------------------------------------------------------------------------------------------

create table public.tenant_module_events (
  id bigint generated always as identity primary key,
  tenant_id uuid not null references public.tenants (id) on delete cascade,
  module_id text not null,
  event text not null,
  version text,
  actor uuid,
  actor_role text not null,
  occurred_at timestamptz not null default now(),
  change jsonb,
  transaction_id xid8 not null default pg_catalog.pg_current_xact_id(),
  constraint tenant_module_events_event check (
    event in ('installed', 'enabled', 'disabled', 'settings_changed', 'upgraded', 'uninstalled')
  )
);

comment on table public.tenant_module_events is
  'Append-only audit trail of tenant_modules: one row per change, written by the database in the changing transaction. Members read their tenants'' events; nobody writes them; deleting a tenant deletes them.';
comment on column public.tenant_module_events.id is
  'Increases with every event: a cursor. Poll with public.tenant_module_events_after() so that events of transactions still in flight are not skipped.';
comment on column public.tenant_module_events.actor is 'The signed-in user (auth.uid()) who made the change; null for service_role and SQL.';
comment on column public.tenant_module_events.actor_role is
  'The role the change ran as: the JWT''s role (authenticated, service_role) or the database role (postgres).';
comment on column public.tenant_module_events.version is 'The module version installed after the change (before it, for uninstalled).';
comment on column public.tenant_module_events.change is
  'installed: {settings, enabled}; settings_changed: {patch} (an RFC 7396 merge patch from the old settings to the new) or {before, after} when no merge patch can express it (a null value); upgraded: {from, to} and the settings change; enabled/disabled: null; uninstalled: {settings, purged, purged_rows}.';
comment on column public.tenant_module_events.transaction_id is
  'The writing transaction, for the polling horizon of tenant_module_events_after().';

-- Listing a tenant's events newest first, all or one module's. Unique anyway (id is the primary
-- key), and declaring them so keeps them out of the unused-index advisor.
create unique index tenant_module_events_tenant_id_id_key
on public.tenant_module_events (tenant_id, id);
create unique index tenant_module_events_tenant_id_module_id_id_key
on public.tenant_module_events (tenant_id, module_id, id);
-- Polling (tenant_module_events_after): by tenant, in the order transactions become readable.
create unique index tenant_module_events_tenant_id_transaction_id_id_key
on public.tenant_module_events (tenant_id, transaction_id, id);

alter table public.tenant_module_events enable row level security;

create policy "members_can_view_tenant_module_events"
on public.tenant_module_events
for select
to authenticated
using (tenant_id = any ((select private.user_tenant_ids())::uuid[]));

create policy "service_role_can_view_tenant_module_events"
on public.tenant_module_events
for select
to service_role
using (true);

-- Read only, for the API roles: not even Supabase's default REFERENCES and TRIGGER (a trigger on
-- the events would run inside the recording trigger, as its owner).
revoke all on public.tenant_module_events from anon, authenticated, service_role;
grant select on public.tenant_module_events to authenticated, service_role;

-- Immutable for everyone; deletion only as part of deleting the tenant.
create function private.tenant_module_events_immutable()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
  if tg_op = 'DELETE' and not exists (select 1 from public.tenants as t where t.id = old.tenant_id) then
    return old;
  end if;
  raise exception 'tenant module events cannot be changed or deleted'
    using errcode = '42501',
      hint = 'Events are an append-only record; deleting the tenant deletes its events.';
end;
$$;

comment on function private.tenant_module_events_immutable() is
  'Trigger: refuses update, delete and truncate of events for every role; a delete is let through only when the tenant is gone (the cascade of deleting it).';

revoke all on function private.tenant_module_events_immutable() from public, anon, authenticated;

create trigger tenant_module_events_immutable
before update or delete on public.tenant_module_events
for each row execute function private.tenant_module_events_immutable();

create trigger tenant_module_events_no_truncate
before truncate on public.tenant_module_events
for each statement execute function private.tenant_module_events_immutable();

-- The RFC 7396 merge patch that turns p_before into p_after; null when none can (p_after holds a
-- null as an object member, which a merge patch would read as "remove"; a null inside an array is
-- fine, arrays are replaced whole).
create function private.jsonb_merge_diff(p_before jsonb, p_after jsonb)
returns jsonb
language plpgsql
immutable
parallel safe
set search_path = ''
as $$
declare
  v_patch jsonb := '{}'::jsonb;
  v_key text;
  v_value jsonb;
  v_sub jsonb;
begin
  if pg_catalog.jsonb_typeof(p_after) is distinct from 'object' then
    return p_after;
  end if;
  -- A merge patch applied to a non-object starts from {}.
  if pg_catalog.jsonb_typeof(p_before) is distinct from 'object' then
    p_before := '{}'::jsonb;
  end if;
  for v_key in select k from pg_catalog.jsonb_object_keys(p_before) as k where not (p_after ? k) loop
    v_patch := v_patch || pg_catalog.jsonb_build_object(v_key, null);
  end loop;
  for v_key, v_value in select e.key, e.value from pg_catalog.jsonb_each(p_after) as e loop
    continue when p_before -> v_key = v_value;
    if v_value = 'null'::jsonb then
      return null;
    end if;
    if pg_catalog.jsonb_typeof(v_value) = 'object' then
      v_sub := private.jsonb_merge_diff(p_before -> v_key, v_value);
      if v_sub is null then
        return null;
      end if;
    else
      v_sub := v_value;
    end if;
    v_patch := v_patch || pg_catalog.jsonb_build_object(v_key, v_sub);
  end loop;
  return v_patch;
end;
$$;

comment on function private.jsonb_merge_diff(jsonb, jsonb) is
  'The JSON Merge Patch (RFC 7396) from one object to another (private.jsonb_merge_patch(before, diff) = after), or null when after holds a null object member, which a merge patch cannot set.';

revoke all on function private.jsonb_merge_diff(jsonb, jsonb) from public, anon;
grant execute on function private.jsonb_merge_diff(jsonb, jsonb) to authenticated, service_role;

-- How a settings change is recorded: the merge patch, else before and after.
create function private.settings_change(p_before jsonb, p_after jsonb)
returns jsonb
language plpgsql
immutable
parallel safe
set search_path = ''
as $$
declare
  v_patch jsonb := private.jsonb_merge_diff(p_before, p_after);
begin
  if v_patch is null then
    return pg_catalog.jsonb_build_object('before', p_before, 'after', p_after);
  end if;
  return pg_catalog.jsonb_build_object('patch', v_patch);
end;
$$;

revoke all on function private.settings_change(jsonb, jsonb) from public, anon;
grant execute on function private.settings_change(jsonb, jsonb) to authenticated, service_role;

create function private.tenant_modules_record_event()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
declare
  -- The role the change runs as (PostgREST's `set role`, else the session's), and the JWT's user
  -- only when that role is authenticated: leftover claims in a postgres session name nobody.
  v_role text := coalesce(nullif(pg_catalog.current_setting('role'), 'none'), session_user::text);
  v_claims jsonb := nullif(pg_catalog.current_setting('request.jwt.claims', true), '')::jsonb;
  v_actor uuid := case
    when v_role = 'authenticated'
      and v_claims ->> 'sub' ~* '^[0-9a-f]{8}-([0-9a-f]{4}-){3}[0-9a-f]{12}$'
    then (v_claims ->> 'sub')::uuid end;
  v_purged jsonb;
begin
  if tg_op = 'INSERT' then
    insert into public.tenant_module_events (tenant_id, module_id, event, version, actor, actor_role, change)
    values (new.tenant_id, new.module_id, 'installed', new.version, v_actor, v_role,
      pg_catalog.jsonb_build_object('settings', new.settings, 'enabled', new.enabled));
    return null;
  end if;
  if tg_op = 'DELETE' then
    -- Deleting the tenant: its events go too, so none is written.
    if not exists (select 1 from public.tenants as t where t.id = old.tenant_id) then
      return null;
    end if;
    v_purged := nullif(pg_catalog.current_setting('registry.purged_rows', true), '')::jsonb -> old.module_id;
    insert into public.tenant_module_events (tenant_id, module_id, event, version, actor, actor_role, change)
    values (old.tenant_id, old.module_id, 'uninstalled', old.version, v_actor, v_role,
      pg_catalog.jsonb_build_object('settings', old.settings, 'purged', v_purged is not null,
        'purged_rows', v_purged));
    return null;
  end if;
  if new.version is distinct from old.version then
    insert into public.tenant_module_events (tenant_id, module_id, event, version, actor, actor_role, change)
    values (new.tenant_id, new.module_id, 'upgraded', new.version, v_actor, v_role,
      pg_catalog.jsonb_build_object('from', old.version, 'to', new.version)
        || case when new.settings is distinct from old.settings
             then private.settings_change(old.settings, new.settings) else '{}'::jsonb end);
  elsif new.settings is distinct from old.settings then
    insert into public.tenant_module_events (tenant_id, module_id, event, version, actor, actor_role, change)
    values (new.tenant_id, new.module_id, 'settings_changed', new.version, v_actor, v_role,
      private.settings_change(old.settings, new.settings));
  end if;
  if new.enabled is distinct from old.enabled then
    insert into public.tenant_module_events (tenant_id, module_id, event, version, actor, actor_role)
    values (new.tenant_id, new.module_id, case when new.enabled then 'enabled' else 'disabled' end,
      new.version, v_actor, v_role);
  end if;
  return null;
end;
$$;

comment on function private.tenant_modules_record_event() is
  'Trigger (after every write of tenant_modules): records what changed in tenant_module_events, nothing for a no-op.';

revoke all on function private.tenant_modules_record_event() from public, anon, authenticated;

create trigger tenant_modules_record_event
after insert or update or delete on public.tenant_modules
for each row execute function private.tenant_modules_record_event();

-- Polling: events after a cursor, up to the horizon below which every transaction has ended
-- (xmin), ordered by writing transaction and then id. Whatever becomes readable later comes from a
-- transaction at or above today's horizon, so it sorts after everything already read: a cursor never
-- skips an event (ordering by id alone would, when transactions commit out of id order).
create function public.tenant_module_events_after(
  tenant_id uuid,
  after bigint default 0,
  max_events integer default 100,
  module_id text default null
)
returns setof public.tenant_module_events
language sql
stable
security invoker
set search_path = ''
as $$
  select e.*
  from public.tenant_module_events as e
  where e.tenant_id = tenant_module_events_after.tenant_id
    -- Each bound a scalar subquery (a parameter to the planner): under RLS a bare coalesce would
    -- be a filter over the tenant's whole history instead of the index's bound.
    and (e.transaction_id, e.id) > (
      (select coalesce(
        (select c.transaction_id from public.tenant_module_events as c
         where c.id = tenant_module_events_after.after),
        '0'::xid8)),
      (select coalesce(tenant_module_events_after.after, 0)))
    and (tenant_module_events_after.module_id is null
      or e.module_id = tenant_module_events_after.module_id)
    and e.transaction_id < pg_catalog.pg_snapshot_xmin(pg_catalog.pg_current_snapshot())
  order by e.transaction_id, e.id
  limit least(greatest(coalesce(tenant_module_events_after.max_events, 100), 1), 1000);
$$;

comment on function public.tenant_module_events_after(uuid, bigint, integer, text) is
  'A tenant''s events after the cursor `after` (the id of the last event read), at most max_events (1 to 1000), as the caller (RLS: members only), in the order their transactions became safe to read: by writing transaction, then id. Events of transactions that may still commit are held back, so polling with the last id read never skips an event (ids are not always increasing in this order).';

revoke all on function public.tenant_module_events_after(uuid, bigint, integer, text) from public, anon;
grant execute on function public.tenant_module_events_after(uuid, bigint, integer, text) to authenticated, service_role;

-- Realtime: Supabase creates the publication empty; a database without it (plain Postgres) gets
-- one, and a publication for all tables already carries the events.
do $$
begin
  if not exists (select 1 from pg_catalog.pg_publication where pubname = 'supabase_realtime') then
    create publication supabase_realtime;
  end if;
  if not (select p.puballtables from pg_catalog.pg_publication as p where p.pubname = 'supabase_realtime') then
    alter publication supabase_realtime add table public.tenant_module_events;
  end if;
end;
$$;

-- ---------------------------------------------------------------------------------------------
-- Tables a module owns, and uninstall with preview and purge.
-- ---------------------------------------------------------------------------------------------

alter table public.modules add column owned_tables text[] not null default '{}';

comment on column public.modules.owned_tables is
  'Tables holding the module''s data per tenant (each with a tenant_id uuid column), as "schema.table" or "table" (public): an uninstall with purge deletes the tenant''s rows in them.';

-- An owned table's name, as written in owned_tables ("table" in public, or "schema.table", quoted
-- as in SQL), as the table (or partitioned table) it names; null when it names none, or is no name.
create function private.owned_table(p_name text)
returns regclass
language plpgsql
stable
set search_path = ''
as $$
declare
  v_parts text[];
begin
  v_parts := pg_catalog.parse_ident(p_name);
  if pg_catalog.cardinality(v_parts) = 1 then
    v_parts := array['public'] || v_parts;
  end if;
  return (
    select c.oid::regclass
    from pg_catalog.pg_class as c
    join pg_catalog.pg_namespace as n on n.oid = c.relnamespace
    where pg_catalog.cardinality(v_parts) = 2 and n.nspname = v_parts[1] and c.relname = v_parts[2]
      and c.relkind in ('r', 'p')
  );
exception when invalid_parameter_value then
  return null;
end;
$$;

comment on function private.owned_table(text) is
  'The table an entry of modules.owned_tables names ("table" in public or "schema.table"); null when there is none or the entry is no valid name.';

revoke all on function private.owned_table(text) from public, anon;
grant execute on function private.owned_table(text) to authenticated, service_role;

-- Whether a table has the tenant_id uuid column a purge deletes by.
create function private.has_tenant_id(p_table regclass)
returns boolean
language sql
stable
set search_path = ''
as $$
  select exists (
    select 1 from pg_catalog.pg_attribute as a
    where a.attrelid = p_table and a.attname = 'tenant_id' and a.atttypid = 'uuid'::pg_catalog.regtype
      and not a.attisdropped
  );
$$;

comment on function private.has_tenant_id(regclass) is
  'Whether the table has a tenant_id uuid column (an owned table must).';

revoke all on function private.has_tenant_id(regclass) from public, anon;
grant execute on function private.has_tenant_id(regclass) to authenticated, service_role;

create function private.modules_check_owned_tables()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_problems jsonb;
  -- Purging them would remove the tenant's memberships, modules or events.
  v_registry regclass[] := array['public.tenant_members', 'public.tenant_modules',
    'public.tenant_module_events']::regclass[];
begin
  select pg_catalog.jsonb_agg(pg_catalog.jsonb_build_object(
      'path', 'owned_tables[' || (t.n - 1) || ']',
      'message', case
        when t.rel is null then pg_catalog.format('there is no table %s', t.name)
        when t.rel = any (v_registry) then pg_catalog.format('%s is a table of the module registry', t.name)
        when private.has_tenant_id(t.rel) then pg_catalog.format('%s is owned by module "%s"', t.name,
          (select m.id from public.modules as m
           cross join lateral pg_catalog.unnest(m.owned_tables) as o (name)
           where m.id <> new.id and private.owned_table(o.name) = t.rel
           order by m.id limit 1))
        else pg_catalog.format('%s has no tenant_id uuid column', t.name) end) order by t.n)
  into v_problems
  from (
    select u.name, u.n, private.owned_table(u.name) as rel
    from pg_catalog.unnest(new.owned_tables) with ordinality as u (name, n)
  ) as t
  where t.rel is null or t.rel = any (v_registry) or not private.has_tenant_id(t.rel)
    or exists (
      select 1 from public.modules as m
      cross join lateral pg_catalog.unnest(m.owned_tables) as o (name)
      where m.id <> new.id and private.owned_table(o.name) = t.rel);
  if v_problems is not null then
    raise exception 'invalid owned tables for module "%"', new.id
      using errcode = '23514',
        detail = v_problems::text,
        hint = 'Each owned table must exist (create it in a migration first), have a tenant_id uuid column, and be neither one of the registry''s nor another module''s; the detail lists each problem as {path, message}.',
        constraint = 'modules_owned_tables',
        schema = 'public',
        table = 'modules',
        column = 'owned_tables';
  end if;
  return new;
end;
$$;

comment on function private.modules_check_owned_tables() is
  'Trigger: refuses owned tables that do not exist, have no tenant_id uuid column, are the registry''s own (tenant_members, tenant_modules, tenant_module_events) or are owned by another module.';

revoke all on function private.modules_check_owned_tables() from public, anon, authenticated;

create trigger modules_check_owned_tables
before insert or update of owned_tables on public.modules
for each row execute function private.modules_check_owned_tables();

-- The owned tables of the module and, with cascade, of its enabled dependents, with the tenant's
-- rows in each as the caller sees them. A table dropped since (or left without its tenant_id uuid
-- column) holds nothing to purge and is left out.
create function private.tenant_module_owned_rows(p_tenant_id uuid, p_module_id text, p_cascade boolean)
returns table (module_id text, table_name text, row_count bigint)
language plpgsql
stable
security invoker
set search_path = ''
as $$
declare
  v_table record;
begin
  for v_table in
    select m.id, private.owned_table(t.name) as rel
    from public.modules as m
    cross join lateral pg_catalog.unnest(m.owned_tables) with ordinality as t (name, n)
    where m.id = p_module_id
      or (p_cascade and m.id in (
        select d from private.tenant_module_with_dependents(p_tenant_id, p_module_id) as d))
    order by m.id, t.n
  loop
    continue when v_table.rel is null or not private.has_tenant_id(v_table.rel);
    module_id := v_table.id;
    table_name := v_table.rel::text;
    execute pg_catalog.format('select pg_catalog.count(*) from %s where tenant_id = $1', v_table.rel)
      into row_count using p_tenant_id;
    return next;
  end loop;
end;
$$;

comment on function private.tenant_module_owned_rows(uuid, text, boolean) is
  'Per owned table of the module (and, with cascade, of its enabled dependents): how many of the tenant''s rows the caller sees.';

revoke all on function private.tenant_module_owned_rows(uuid, text, boolean) from public, anon;
grant execute on function private.tenant_module_owned_rows(uuid, text, boolean) to authenticated, service_role;

create function public.tenant_module_uninstall_preview(tenant_id uuid, module_id text)
returns jsonb
language plpgsql
stable
security invoker
set search_path = ''
as $$
declare
  v_row public.tenant_modules;
begin
  select tm.* into v_row from public.tenant_modules as tm
  where tm.tenant_id = tenant_module_uninstall_preview.tenant_id
    and tm.module_id = tenant_module_uninstall_preview.module_id;
  if not found then
    return null;
  end if;
  return pg_catalog.jsonb_build_object(
    'module_id', v_row.module_id,
    'version', v_row.version,
    'dependents', coalesce((
      select pg_catalog.jsonb_agg(pg_catalog.jsonb_build_object(
          'module_id', d.module_id, 'version', d.version) order by d.module_id)
      from public.tenant_modules as d
      where d.tenant_id = v_row.tenant_id and d.module_id <> v_row.module_id
        and d.module_id in (
          select x from private.tenant_module_with_dependents(v_row.tenant_id, v_row.module_id) as x)
    ), '[]'::jsonb),
    'tables', coalesce((
      select pg_catalog.jsonb_agg(pg_catalog.jsonb_build_object(
          'module_id', o.module_id, 'table', o.table_name, 'rows', o.row_count))
      from private.tenant_module_owned_rows(v_row.tenant_id, v_row.module_id, true) as o
    ), '[]'::jsonb)
  );
end;
$$;

comment on function public.tenant_module_uninstall_preview(uuid, text) is
  'What uninstalling a tenant''s module would affect, as the caller sees it: the enabled modules that require it (they block a plain uninstall; cascade removes them too) and, per owned table of the module and of those dependents, the tenant''s rows (purge deletes them). Null when it is not installed or not visible.';

revoke all on function public.tenant_module_uninstall_preview(uuid, text) from public, anon;
grant execute on function public.tenant_module_uninstall_preview(uuid, text) to authenticated, service_role;

drop function public.uninstall_tenant_module(uuid, text, boolean);

create function public.uninstall_tenant_module(
  tenant_id uuid,
  module_id text,
  cascade boolean default false,
  purge boolean default false
)
returns setof public.tenant_modules
language plpgsql
volatile
security invoker
set search_path = ''
as $$
declare
  v_table record;
  v_seen bigint;
  v_deleted bigint;
  v_purged jsonb := '{}'::jsonb;
begin
  -- A signed-in caller purges what RLS lets them see, and tenant_has_module() gating hides a
  -- disabled module's rows: purging its tables would delete nothing while claiming to have purged.
  if purge and (select auth.uid()) is not null and exists (
    select 1 from public.tenant_modules as t
    where t.tenant_id = uninstall_tenant_module.tenant_id
      and t.module_id in (
        select uninstall_tenant_module.module_id
        union
        select d from private.tenant_module_with_dependents(
          uninstall_tenant_module.tenant_id, uninstall_tenant_module.module_id) as d
        where uninstall_tenant_module.cascade)
      and not t.enabled
      and t.tenant_id = any ((select private.admin_tenant_ids())::uuid[])
      and exists (
        select 1 from public.modules as m
        where m.id = t.module_id and pg_catalog.cardinality(m.owned_tables) > 0)
  ) then
    raise exception 'module "%" cannot be purged while it is disabled', uninstall_tenant_module.module_id
      using errcode = '22023',
        hint = 'Its rows are hidden from you while it is disabled: enable it, then uninstall with purge (or purge as service_role). Nothing was changed.';
  end if;
  if purge and exists (
    select 1 from public.tenant_modules as t
    where t.tenant_id = uninstall_tenant_module.tenant_id
      and t.module_id = uninstall_tenant_module.module_id
      and ((select auth.uid()) is null
        or t.tenant_id = any ((select private.admin_tenant_ids())::uuid[]))
  ) then
    for v_table in
      select o.module_id, o.table_name
      from private.tenant_module_owned_rows(
        uninstall_tenant_module.tenant_id, uninstall_tenant_module.module_id, uninstall_tenant_module.cascade) as o
    loop
      -- Counted right before the delete: purging an earlier table may have removed rows of this one
      -- (a foreign key on delete cascade).
      execute pg_catalog.format('select pg_catalog.count(*) from %s where tenant_id = $1', v_table.table_name)
        into v_seen using uninstall_tenant_module.tenant_id;
      execute pg_catalog.format('delete from %s where tenant_id = $1', v_table.table_name)
        using uninstall_tenant_module.tenant_id;
      get diagnostics v_deleted = row_count;
      if v_deleted < v_seen then
        raise exception 'Row Level Security kept % of % rows of % from being purged', v_seen - v_deleted, v_seen, v_table.table_name
          using errcode = '42501',
            hint = 'Nothing was uninstalled or purged. The caller must be allowed to delete the tenant''s rows of every owned table.';
      end if;
      v_purged := pg_catalog.jsonb_set(v_purged, array[v_table.module_id],
        coalesce(v_purged -> v_table.module_id, '{}'::jsonb)
          || pg_catalog.jsonb_build_object(v_table.table_name, v_deleted));
    end loop;
    -- Modules without owned tables are purged too (of nothing).
    v_purged := v_purged || coalesce((
      select pg_catalog.jsonb_object_agg(d, '{}'::jsonb)
      from private.tenant_module_with_dependents(
        uninstall_tenant_module.tenant_id, uninstall_tenant_module.module_id) as d
      where not (v_purged ? d)
        and (d = uninstall_tenant_module.module_id or uninstall_tenant_module.cascade)
    ), '{}'::jsonb);
    perform pg_catalog.set_config('registry.purged_rows', v_purged::text, true);
  end if;
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
  perform pg_catalog.set_config('registry.purged_rows', '', true);
end;
$$;

comment on function public.uninstall_tenant_module(uuid, text, boolean, boolean) is
  'Uninstalls a tenant''s module, as the caller (RLS decides); with cascade, also every enabled module that requires it, directly or not, in the same statement; with purge, first deletes the tenant''s rows in the owned tables of every module it uninstalls (all of them the caller sees, or nothing happens). Returns the deleted rows; none when it is not installed or the caller may not remove it.';

revoke all on function public.uninstall_tenant_module(uuid, text, boolean, boolean) from public, anon;
grant execute on function public.uninstall_tenant_module(uuid, text, boolean, boolean) to authenticated, service_role;

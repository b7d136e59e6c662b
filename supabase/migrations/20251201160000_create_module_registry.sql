-- The module registry: the catalog of modules the product ships (`modules`), which of them each
-- tenant has installed with its settings (`tenant_modules`), and `tenant_has_module()` for other
-- modules' policies.
--
-- Row Level Security is the guard: the `modules` edge function forwards the caller's JWT, so a
-- client that talks to the REST API directly meets exactly the same rules. Policies reach the
-- caller's tenants through the `private` helpers of the tenants migration, evaluated once per
-- statement; every column a policy or foreign key filters by is indexed.

create table public.modules (
  id text primary key,
  name text not null,
  description text,
  version text not null default '1.0.0',
  is_active boolean not null default true,
  created_at timestamptz not null default now(),
  constraint modules_id_slug check (id ~ '^[a-z][a-z0-9_-]{1,62}$'),
  constraint modules_version_semver check (
    version ~ '^(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)(-(0|[1-9][0-9]*|[0-9]*[a-zA-Z-][0-9a-zA-Z-]*)(\.(0|[1-9][0-9]*|[0-9]*[a-zA-Z-][0-9a-zA-Z-]*))*)?(\+[0-9a-zA-Z-]+(\.[0-9a-zA-Z-]+)*)?$'
  )
);

comment on table public.modules is
  'System catalog of the modules tenants can install. Every signed-in user reads it; written by service_role only.';
comment on column public.modules.id is
  'Slug: a lowercase letter, then 1 to 62 of a-z, 0-9, "_" or "-".';
comment on column public.modules.version is 'Semantic version (semver.org 2.0.0), e.g. 1.2.3-rc.1.';
comment on column public.modules.is_active is
  'An inactive module stays in the catalog and wherever it is installed, but cannot be installed or changed (it can be uninstalled), and tenant_has_module() reports it as absent.';

create table public.tenant_modules (
  id uuid primary key default gen_random_uuid(),
  tenant_id uuid not null references public.tenants (id) on delete cascade,
  module_id text not null references public.modules (id) on delete cascade,
  enabled boolean not null default true,
  settings jsonb not null default '{}'::jsonb,
  installed_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  constraint tenant_modules_tenant_id_module_id_key unique (tenant_id, module_id),
  constraint tenant_modules_settings_object check (jsonb_typeof(settings) = 'object'),
  constraint tenant_modules_settings_size check (octet_length(settings::text) <= 65536)
);

comment on table public.tenant_modules is
  'Modules installed by each tenant: one row per tenant and module. Members read them; owners and admins write them.';
comment on column public.tenant_modules.enabled is
  'A disabled module stays installed with its settings; tenant_has_module() reports it as absent.';
comment on column public.tenant_modules.settings is
  'Per-tenant settings of the module: a JSON object of at most 64 KiB (as text).';
comment on column public.tenant_modules.installed_at is 'Set on insert by the database; never changes.';
comment on column public.tenant_modules.updated_at is
  'Set by the database: now() on insert, then greatest(clock_timestamp(), previous + 1 microsecond) on every update, so it strictly increases per row and doubles as an optimistic-concurrency version (update ... where updated_at = <the value you read>).';

-- (tenant_id, module_id) is unique, and its index serves lookups by tenant. This one serves the
-- foreign key to modules (deleting a module) and lookups by module; the pair is unique anyway,
-- and declaring it so keeps the index out of the unused-index advisor.
create unique index tenant_modules_module_id_tenant_id_key
on public.tenant_modules (module_id, tenant_id);

-- The database owns the timestamps and the row's identity: an installed module cannot move to
-- another tenant or become another module, whoever updates it (the update policy's WITH CHECK
-- alone would let an admin of two tenants move a row between them).
create function private.tenant_modules_before_write()
returns trigger
language plpgsql
security invoker
set search_path = ''
as $$
begin
  if tg_op = 'INSERT' then
    new.installed_at := now();
    new.updated_at := now();
    return new;
  end if;
  if new.id <> old.id or new.tenant_id <> old.tenant_id or new.module_id <> old.module_id then
    raise exception 'an installed module cannot move to another tenant or module'
      using errcode = '42501',
        hint = 'Uninstall it and install the other module instead.';
  end if;
  new.installed_at := old.installed_at;
  new.updated_at := greatest(clock_timestamp(), old.updated_at + interval '1 microsecond');
  return new;
end;
$$;

comment on function private.tenant_modules_before_write() is
  'Trigger: sets installed_at/updated_at (updated_at strictly increases per row) and refuses to change id, tenant_id or module_id.';

revoke all on function private.tenant_modules_before_write() from public, anon, authenticated;

create trigger tenant_modules_before_write
before insert or update on public.tenant_modules
for each row execute function private.tenant_modules_before_write();

alter table public.modules enable row level security;
alter table public.tenant_modules enable row level security;

-- modules: every signed-in user reads the catalog; only service_role writes it.
create policy "authenticated_can_view_modules"
on public.modules
for select
to authenticated
using (true);

create policy "service_role_all_modules"
on public.modules
for all
to service_role
using (true)
with check (true);

-- tenant_modules: members read their tenants' modules; owners and admins install, change and
-- uninstall them, and only modules that exist and are active.
create policy "users_can_view_tenant_modules"
on public.tenant_modules
for select
to authenticated
using (tenant_id = any ((select private.user_tenant_ids())::uuid[]));

create policy "admins_can_insert_tenant_modules"
on public.tenant_modules
for insert
to authenticated
with check (
  tenant_id = any ((select private.admin_tenant_ids())::uuid[])
  and exists (
    select 1 from public.modules as m where m.id = module_id and m.is_active
  )
);

create policy "admins_can_update_tenant_modules"
on public.tenant_modules
for update
to authenticated
using (tenant_id = any ((select private.admin_tenant_ids())::uuid[]))
with check (
  tenant_id = any ((select private.admin_tenant_ids())::uuid[])
  and exists (
    select 1 from public.modules as m where m.id = module_id and m.is_active
  )
);

create policy "admins_can_delete_tenant_modules"
on public.tenant_modules
for delete
to authenticated
using (tenant_id = any ((select private.admin_tenant_ids())::uuid[]));

create policy "service_role_all_tenant_modules"
on public.tenant_modules
for all
to service_role
using (true)
with check (true);

-- tenant_has_module(): "does this tenant have module X, and may the caller know?" The check runs
-- in a security definer helper (one indexed lookup that includes the caller's membership); the
-- public function is a security invoker front for it. Both are PL/pgSQL, which keeps query plans
-- for the session and, unlike a SQL function calling a SQL function, does not plan the inner one
-- again on every call: that matters inside a policy evaluated per row.
create function private.tenant_has_module(p_tenant_id uuid, p_module_id text)
returns boolean
language plpgsql
stable
security definer
set search_path = ''
as $$
begin
  return exists (
    select 1
    from public.tenant_members as mem
    join public.tenant_modules as tm on tm.tenant_id = mem.tenant_id
    join public.modules as m on m.id = tm.module_id
    where mem.user_id = auth.uid()
      and mem.tenant_id = p_tenant_id
      and tm.module_id = p_module_id
      and tm.enabled
      and m.is_active
  );
end;
$$;

comment on function private.tenant_has_module(uuid, text) is
  'Implementation of public.tenant_has_module(): true when the calling user is a member of the tenant and it has the module installed, enabled and active.';

revoke all on function private.tenant_has_module(uuid, text) from public, anon;
grant execute on function private.tenant_has_module(uuid, text) to authenticated, service_role;

-- Without a user (anon, service_role) the answer is false before the private helper, which anon
-- may not execute, is reached.
create function public.tenant_has_module(p_tenant_id uuid, p_module_id text)
returns boolean
language plpgsql
stable
security invoker
set search_path = ''
as $$
begin
  if auth.uid() is null then
    return false;
  end if;
  return private.tenant_has_module(p_tenant_id, p_module_id);
end;
$$;

comment on function public.tenant_has_module(uuid, text) is
  'True when the tenant has the module installed and enabled, the module is active, and the signed-in caller is a member of the tenant; false (never an error) otherwise, including for nulls, anon and service_role. For other modules'' policies: per row, using (public.tenant_has_module(tenant_id, ''agency'')); once per statement (large tables), using (tenant_id = any (array(select t.id from public.tenants as t where public.tenant_has_module(t.id, ''agency'')))).';

revoke all on function public.tenant_has_module(uuid, text) from public;
grant execute on function public.tenant_has_module(uuid, text) to anon, authenticated, service_role;

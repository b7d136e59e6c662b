-- The module registry: the catalog of modules the product ships (`modules`), which of them each
-- tenant has installed with its settings (`tenant_modules`), and `tenant_has_module()` for other
-- modules' policies.
--
-- Row Level Security is the guard: the `modules` edge function forwards the caller's JWT, so a
-- client that talks to the REST API directly meets exactly the same rules.

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

comment on table public.modules is 'System catalog of the modules tenants can install. Written by service_role only.';
comment on column public.modules.id is 'Slug: a lowercase letter, then 1 to 62 of a-z, 0-9, "_" or "-".';
comment on column public.modules.version is 'Semantic version (semver.org 2.0.0).';
comment on column public.modules.is_active is 'Inactive modules stay in the catalog but cannot be installed or changed.';

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

comment on table public.tenant_modules is 'Modules installed by each tenant: one row per tenant and module.';
comment on column public.tenant_modules.settings is 'Per-tenant settings of the module: a JSON object of at most 64 KiB (as text).';
comment on column public.tenant_modules.updated_at is
  'Strictly increases on every update of the row, so it doubles as an optimistic-concurrency version (update ... where updated_at = <what you read>).';

-- (tenant_id, module_id) is unique, and its index serves lookups by tenant; this one serves the
-- foreign key to modules (deleting a module) and lookups by module.
create index tenant_modules_module_id_idx on public.tenant_modules (module_id);

-- Keeps updated_at current and the row's identity fixed: an installed module cannot move to
-- another tenant or become another module, whoever updates it.
create function private.tenant_modules_before_update()
returns trigger
language plpgsql
security invoker
set search_path = ''
as $$
begin
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

revoke all on function private.tenant_modules_before_update() from public, anon, authenticated;

create trigger tenant_modules_before_update
before update on public.tenant_modules
for each row execute function private.tenant_modules_before_update();

alter table public.modules enable row level security;
alter table public.tenant_modules enable row level security;

-- modules: everyone signed in reads the catalog; only service_role writes it.
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

-- For other modules' policies: "does this tenant have module X enabled?" True when the tenant
-- has the module installed and enabled, the module is active, and the caller may see the
-- tenant's modules (a member of the tenant; service_role sees all). False, never an error,
-- otherwise, including for anon and for nulls. Security invoker: the membership check is
-- tenant_modules' own RLS policy, so this function can never reveal more than a direct query.
create function public.tenant_has_module(p_tenant_id uuid, p_module_id text)
returns boolean
language sql
stable
security invoker
set search_path = ''
as $$
  select exists (
    select 1
    from public.tenant_modules as tm
    join public.modules as m on m.id = tm.module_id
    where tm.tenant_id = p_tenant_id
      and tm.module_id = p_module_id
      and tm.enabled
      and m.is_active
  )
$$;

comment on function public.tenant_has_module(uuid, text) is
  'True when the tenant has the module installed, enabled and active, and the caller is a member of the tenant. Use it in other modules'' policies: using (public.tenant_has_module(tenant_id, ''agency'')).';

revoke all on function public.tenant_has_module(uuid, text) from public;
grant execute on function public.tenant_has_module(uuid, text) to anon, authenticated, service_role;

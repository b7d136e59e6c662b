-- Tenants (organisations) and their members: what the module registry's policies ask about.
--
-- Managing tenants and memberships is outside the registry's API: only `service_role` (which
-- bypasses RLS) writes these tables. Signed-in users may read their own tenants and the
-- memberships of those tenants, and nothing else, so nobody can join a tenant or promote
-- themselves through the REST API.
--
-- Membership checks live in the `private` schema, which PostgREST does not expose: policies call
-- them as `(select private.fn())`, so Postgres evaluates them once per statement (an initPlan)
-- instead of once per row.

create table public.tenants (
  id uuid primary key default gen_random_uuid(),
  name text not null,
  created_at timestamptz not null default now()
);

comment on table public.tenants is 'An organisation: the unit that installs modules. Written by service_role only.';
comment on column public.tenants.name is 'Display name of the organisation.';

create table public.tenant_members (
  tenant_id uuid not null references public.tenants (id) on delete cascade,
  user_id uuid not null references auth.users (id) on delete cascade,
  role text not null default 'member',
  created_at timestamptz not null default now(),
  constraint tenant_members_pkey primary key (tenant_id, user_id),
  constraint tenant_members_role_check check (role in ('owner', 'admin', 'member'))
);

comment on table public.tenant_members is 'Who belongs to which tenant, with which role. Written by service_role only.';
comment on column public.tenant_members.role is 'owner and admin manage the tenant''s modules; member reads them.';

-- The primary key serves lookups by tenant; membership checks look up by user.
create index tenant_members_user_id_idx on public.tenant_members (user_id);

alter table public.tenants enable row level security;
alter table public.tenant_members enable row level security;

-- Helpers shared by the policies of every table that is scoped to a tenant.
create schema if not exists private;
comment on schema private is 'Helpers for RLS policies; not exposed through the API.';
grant usage on schema private to authenticated, service_role;

create function private.user_tenant_ids()
returns uuid[]
language sql
stable
security definer
set search_path = ''
as $$
  select coalesce(array_agg(m.tenant_id), '{}')
  from public.tenant_members as m
  where m.user_id = (select auth.uid())
$$;

comment on function private.user_tenant_ids() is
  'Tenants the calling user belongs to, in any role. Call it as (select private.user_tenant_ids()) so it runs once per statement.';

revoke all on function private.user_tenant_ids() from public, anon;
grant execute on function private.user_tenant_ids() to authenticated, service_role;

create function private.admin_tenant_ids()
returns uuid[]
language sql
stable
security definer
set search_path = ''
as $$
  select coalesce(array_agg(m.tenant_id), '{}')
  from public.tenant_members as m
  where m.user_id = (select auth.uid())
    and m.role in ('owner', 'admin')
$$;

comment on function private.admin_tenant_ids() is
  'Tenants the calling user owns or administers. Call it as (select private.admin_tenant_ids()) so it runs once per statement.';

revoke all on function private.admin_tenant_ids() from public, anon;
grant execute on function private.admin_tenant_ids() to authenticated, service_role;

create policy "members_can_view_their_tenants"
on public.tenants
for select
to authenticated
using (id = any ((select private.user_tenant_ids())::uuid[]));

create policy "members_can_view_memberships_of_their_tenants"
on public.tenant_members
for select
to authenticated
using (tenant_id = any ((select private.user_tenant_ids())::uuid[]));

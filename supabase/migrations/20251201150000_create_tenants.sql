-- Tenants (organisations) and their members: what the module registry's policies ask about.
--
-- Managing tenants and memberships is outside the registry's API: only `service_role` (which
-- bypasses RLS) writes these tables. Signed-in users may read their own tenants and the
-- memberships of those tenants, and nothing else; there is no insert, update or delete policy for
-- `anon` or `authenticated`, so nobody can join a tenant or promote themselves through the API.
--
-- Membership checks live in the `private` schema, which PostgREST does not expose. They return
-- the caller's tenant ids as one array, and policies call them as
-- `tenant_id = any ((select private.user_tenant_ids())::uuid[])`: the sub-select makes Postgres
-- evaluate the helper once per statement (an initPlan) instead of once per row, the cast makes
-- `any` compare with the array's elements rather than with the sub-select's rows, and
-- `= any (array)` can drive an index scan.

create table public.tenants (
  id uuid primary key default gen_random_uuid(),
  name text not null,
  created_at timestamptz not null default now()
);

comment on table public.tenants is
  'An organisation: the unit that installs modules. Written by service_role only.';
comment on column public.tenants.name is 'Display name of the organisation.';

create table public.tenant_members (
  tenant_id uuid not null references public.tenants (id) on delete cascade,
  user_id uuid not null references auth.users (id) on delete cascade,
  role text not null default 'member',
  created_at timestamptz not null default now(),
  constraint tenant_members_pkey primary key (tenant_id, user_id),
  constraint tenant_members_role_check check (role in ('owner', 'admin', 'member'))
);

comment on table public.tenant_members is
  'Who belongs to which tenant, with which role: one row per tenant and user. Written by service_role only.';
comment on column public.tenant_members.role is
  'owner or admin: installs, changes and uninstalls the tenant''s modules; member: reads them.';

-- The primary key serves lookups by tenant; this one serves the membership checks, which look up
-- by user, and covers the role so they never touch the table. The pair is unique anyway (it is
-- the primary key), and declaring it so keeps the index out of the unused-index advisor.
create unique index tenant_members_user_id_tenant_id_key
on public.tenant_members (user_id, tenant_id) include (role);

alter table public.tenants enable row level security;
alter table public.tenant_members enable row level security;

-- Helpers shared by the policies of every table that is scoped to a tenant. PL/pgSQL rather than
-- SQL: PL/pgSQL keeps its query plans for the whole session, whereas a SQL function is planned
-- again in every statement that calls it (about 60 microseconds on each API request).
create schema if not exists private;
comment on schema private is 'Helpers for RLS policies; not exposed through the API.';
grant usage on schema private to authenticated, service_role;

create function private.user_tenant_ids()
returns uuid[]
language plpgsql
stable
security definer
set search_path = ''
as $$
begin
  return array(
    select m.tenant_id
    from public.tenant_members as m
    where m.user_id = auth.uid()
  );
end;
$$;

comment on function private.user_tenant_ids() is
  'Tenants the calling user belongs to, in any role (empty when signed out). Call it as (select private.user_tenant_ids()) so it runs once per statement.';

revoke all on function private.user_tenant_ids() from public, anon;
grant execute on function private.user_tenant_ids() to authenticated, service_role;

create function private.admin_tenant_ids()
returns uuid[]
language plpgsql
stable
security definer
set search_path = ''
as $$
begin
  return array(
    select m.tenant_id
    from public.tenant_members as m
    where m.user_id = auth.uid()
      and m.role in ('owner', 'admin')
  );
end;
$$;

comment on function private.admin_tenant_ids() is
  'Tenants the calling user owns or administers (empty when signed out). Call it as (select private.admin_tenant_ids()) so it runs once per statement.';

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

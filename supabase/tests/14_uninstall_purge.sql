-- Tables a module owns, and uninstall with preview and purge (issue 10). Publishing refuses owned
-- tables that do not exist, have no tenant_id uuid column or are the registry's own (23514, the
-- paths in DETAIL). tenant_module_uninstall_preview() tells each persona what an uninstall would
-- affect, as far as they can see it; uninstall_tenant_module(…, purge => true) deletes the tenant's
-- rows of the owned tables as the caller, in the uninstall's transaction, or nothing at all when
-- RLS keeps some of them; without purge the rows stay, hidden by tenant_has_module() gating.
-- The owned tables below are a team's own, gated the way the README's "Add your own module" shows.
begin;
\ir fixtures/personas.psql
\ir fixtures/settings.psql
\ir fixtures/events.psql
select plan(69);

insert into public.tenants (id, name) values ('cccccccc-cccc-4ccc-8ccc-cccccccccccc', 'Tenant C');

-- zz_crm's notes: members read them (secret ones: admins only), admins delete unlocked ones
create table public.zz_notes (
  id bigint generated always as identity primary key,
  tenant_id uuid not null references public.tenants (id) on delete cascade,
  body text not null,
  secret boolean not null default false
);
alter table public.zz_notes enable row level security;
create policy "members_can_view_zz_notes" on public.zz_notes for select to authenticated
using (public.tenant_has_module(tenant_id, 'zz_crm')
  and (not secret or tenant_id = any ((select private.admin_tenant_ids())::uuid[])));
create policy "admins_can_delete_zz_notes" on public.zz_notes for delete to authenticated
using (public.tenant_has_module(tenant_id, 'zz_crm')
  and tenant_id = any ((select private.admin_tenant_ids())::uuid[]));
grant select, delete on public.zz_notes to authenticated;

-- zz_deals's rows: members read them, admins delete those not locked
create table public.zz_deal_rows (
  id bigint generated always as identity primary key,
  tenant_id uuid not null references public.tenants (id) on delete cascade,
  amount integer not null,
  locked boolean not null default false
);
alter table public.zz_deal_rows enable row level security;
create policy "members_can_view_zz_deal_rows" on public.zz_deal_rows for select to authenticated
using (public.tenant_has_module(tenant_id, 'zz_deals'));
create policy "admins_can_delete_zz_deal_rows" on public.zz_deal_rows for delete to authenticated
using (public.tenant_has_module(tenant_id, 'zz_deals')
  and tenant_id = any ((select private.admin_tenant_ids())::uuid[]) and not locked);
grant select, delete on public.zz_deal_rows to authenticated;

-- zz_wiki's pages and the links between them (deleting a page deletes its links)
create table public.zz_pages (
  id bigint generated always as identity primary key,
  tenant_id uuid not null references public.tenants (id) on delete cascade
);
create table public.zz_page_links (
  id bigint generated always as identity primary key,
  tenant_id uuid not null references public.tenants (id) on delete cascade,
  page_id bigint not null references public.zz_pages (id) on delete cascade
);
alter table public.zz_pages enable row level security;
alter table public.zz_page_links enable row level security;
create policy "members_can_view_zz_pages" on public.zz_pages for select to authenticated
using (public.tenant_has_module(tenant_id, 'zz_wiki'));
create policy "admins_can_delete_zz_pages" on public.zz_pages for delete to authenticated
using (public.tenant_has_module(tenant_id, 'zz_wiki')
  and tenant_id = any ((select private.admin_tenant_ids())::uuid[]));
create policy "members_can_view_zz_page_links" on public.zz_page_links for select to authenticated
using (public.tenant_has_module(tenant_id, 'zz_wiki'));
create policy "admins_can_delete_zz_page_links" on public.zz_page_links for delete to authenticated
using (public.tenant_has_module(tenant_id, 'zz_wiki')
  and tenant_id = any ((select private.admin_tenant_ids())::uuid[]));
grant select, delete on public.zz_pages, public.zz_page_links to authenticated;

-- a table a module cannot own: its tenant_id is text
create table public.zz_text_tenant (tenant_id text);
alter table public.zz_text_tenant enable row level security;

-- How many of a tenant's rows a table holds, past RLS.
create function pg_temp.rows_of(p_table regclass, p_tenant_id uuid) returns integer
language plpgsql security definer as $$
declare
  v_count integer;
begin
  execute format('select count(*) from %s where tenant_id = $1', p_table) into v_count using p_tenant_id;
  return v_count;
end;
$$;

-- publishing owned tables (service_role and postgres write the catalog) ----------------------
select pg_temp.login_service_role();
select lives_ok($$ insert into public.modules (id, name, owned_tables)
    values ('zz_crm', 'CRM', array['zz_notes']) $$,
  'service_role should publish a module owning a table with a tenant_id uuid column');
select lives_ok($$ insert into public.modules (id, name, requires, owned_tables)
    values ('zz_deals', 'Deals', '{"zz_crm": "^1.0.0"}', array['public.zz_deal_rows']) $$,
  'service_role should publish a module owning a table named with its schema');
select throws_ok($$ insert into public.modules (id, name, owned_tables) values ('zz_bad', 'Bad', array['zz_missing']) $$,
  '23514', 'invalid owned tables for module "zz_bad"',
  'service_role should not publish a module owning a table that does not exist');
select is(pg_temp.refusal($$ insert into public.modules (id, name, owned_tables) values ('zz_bad', 'Bad',
    array['zz_missing', 'zz_text_tenant', 'zz_notes', 'tenant_members', 'not a name!', 'a.b.c', 'auth.users']) $$)
    - 'message',
  '{"sqlstate": "23514", "constraint": "modules_owned_tables", "detail": [
     {"path": "owned_tables[0]", "message": "there is no table zz_missing"},
     {"path": "owned_tables[1]", "message": "zz_text_tenant has no tenant_id uuid column"},
     {"path": "owned_tables[2]", "message": "zz_notes is owned by module \"zz_crm\""},
     {"path": "owned_tables[3]", "message": "tenant_members is a table of the module registry"},
     {"path": "owned_tables[4]", "message": "there is no table not a name!"},
     {"path": "owned_tables[5]", "message": "there is no table a.b.c"},
     {"path": "owned_tables[6]", "message": "auth.users has no tenant_id uuid column"}]}'::jsonb,
  'a refused publish should list every bad owned table by path, one another module owns included (23514, modules_owned_tables)');
select throws_ok($$ update public.modules set owned_tables = array['zz_notes', 'tenant_modules'] where id = 'zz_crm' $$,
  '23514', 'invalid owned tables for module "zz_crm"',
  'service_role should not make a module own the registry''s tenant_modules');
reset role;
select throws_ok($$ update public.modules set owned_tables = array['tenant_module_events'] where id = 'zz_crm' $$,
  '23514', 'invalid owned tables for module "zz_crm"',
  'postgres should not make a module own the events');
select lives_ok($$ insert into public.modules (id, name, owned_tables)
    values ('zz_wiki', 'Wiki', array['zz_pages', '"public"."zz_page_links"']) $$,
  'postgres should publish a module owning two tables, one named with quotes');

-- the tenants' modules and rows, as postgres
select set_config('request.jwt.claims', '', true);
insert into public.tenant_modules (tenant_id, module_id, enabled) values
  ('aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa', 'zz_crm', true),
  ('aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa', 'zz_deals', true),
  ('aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa', 'zz_wiki', true),
  ('bbbbbbbb-bbbb-4bbb-8bbb-bbbbbbbbbbbb', 'zz_crm', true),
  ('bbbbbbbb-bbbb-4bbb-8bbb-bbbbbbbbbbbb', 'zz_deals', false),
  ('cccccccc-cccc-4ccc-8ccc-cccccccccccc', 'zz_crm', true);
insert into public.zz_notes (tenant_id, body, secret) values
  ('aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa', 'a1', false),
  ('aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa', 'a2', false),
  ('aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa', 'a3', true),
  ('bbbbbbbb-bbbb-4bbb-8bbb-bbbbbbbbbbbb', 'b1', false),
  ('bbbbbbbb-bbbb-4bbb-8bbb-bbbbbbbbbbbb', 'b2', false),
  ('cccccccc-cccc-4ccc-8ccc-cccccccccccc', 'c1', false),
  ('cccccccc-cccc-4ccc-8ccc-cccccccccccc', 'c2', true);
insert into public.zz_deal_rows (tenant_id, amount) values
  ('aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa', 10),
  ('aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa', 20),
  ('bbbbbbbb-bbbb-4bbb-8bbb-bbbbbbbbbbbb', 30);
with pages as (
  insert into public.zz_pages (tenant_id) values
    ('aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa'), ('aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa')
  returning id, tenant_id
)
insert into public.zz_page_links (tenant_id, page_id) select tenant_id, id from pages;
select count(*) as skipped_events from pg_temp.new_events() \gset

-- owner of A: the preview, and a purge across owned tables linked by a foreign key -----------
select pg_temp.login_as('11111111-1111-4111-8111-111111111111');
select is(public.tenant_module_uninstall_preview('aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa', 'zz_crm'),
  '{"module_id": "zz_crm", "version": "1.0.0",
    "dependents": [{"module_id": "zz_deals", "version": "1.0.0"}],
    "tables": [{"module_id": "zz_crm", "table": "public.zz_notes", "rows": 3},
               {"module_id": "zz_deals", "table": "public.zz_deal_rows", "rows": 2}]}'::jsonb,
  'owner should preview zz_crm: its enabled dependent, and the tenant''s rows in its and the dependent''s tables');
select is(public.tenant_module_uninstall_preview('aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa', 'zz_deals'),
  '{"module_id": "zz_deals", "version": "1.0.0", "dependents": [],
    "tables": [{"module_id": "zz_deals", "table": "public.zz_deal_rows", "rows": 2}]}'::jsonb,
  'owner should preview zz_deals: no dependent, its own table');
select is(public.tenant_module_uninstall_preview('aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa', 'agency'),
  '{"module_id": "agency", "version": "1.0.0", "dependents": [], "tables": []}'::jsonb,
  'owner should preview a module that owns no table');
select is(public.tenant_module_uninstall_preview('aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa', 'zz_reports'), null,
  'owner should get null previewing a module the tenant has not installed');
select is(public.tenant_module_uninstall_preview('bbbbbbbb-bbbb-4bbb-8bbb-bbbbbbbbbbbb', 'zz_crm'), null,
  'owner should get null previewing another tenant''s module');
select results_eq($$ select module_id from public.uninstall_tenant_module(
      'aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa', 'zz_wiki', purge => true) $$,
  $$ values ('zz_wiki') $$,
  'owner should uninstall zz_wiki with purge, its links going with their pages (foreign key on delete cascade)');
select is(pg_temp.rows_of('public.zz_pages', 'aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa')
    + pg_temp.rows_of('public.zz_page_links', 'aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa'), 0,
  'the purge should leave none of tenant A''s pages and links');
select results_eq($$ select * from pg_temp.new_events() $$,
  $$ values ('A', 'zz_wiki', 'uninstalled', '1.0.0', 'owner', 'authenticated',
             '{"settings": {}, "purged": true, "purged_rows": {"public.zz_pages": 2, "public.zz_page_links": 0}}'::jsonb) $$,
  'the uninstalled event should say purged, with the rows each delete removed');
reset role;

-- member of A: previews what a member sees, purges nothing -----------------------------------
select pg_temp.login_as('33333333-3333-4333-8333-333333333333');
select is(public.tenant_module_uninstall_preview('aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa', 'zz_crm') -> 'tables',
  '[{"module_id": "zz_crm", "table": "public.zz_notes", "rows": 2},
    {"module_id": "zz_deals", "table": "public.zz_deal_rows", "rows": 2}]'::jsonb,
  'member should preview only the rows a member sees (not the secret note)');
select is(public.tenant_module_uninstall_preview('aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa', 'zz_crm') -> 'dependents',
  '[{"module_id": "zz_deals", "version": "1.0.0"}]'::jsonb, 'member should see the dependents too');
select is_empty($$ select * from public.uninstall_tenant_module(
      'aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa', 'zz_crm', cascade => true, purge => true) $$,
  'member should uninstall nothing with cascade and purge');
select is_empty($$ delete from public.zz_notes returning id $$,
  'member should not delete notes (the owned table''s own policy)');
reset role;
select is(pg_temp.rows_of('public.zz_notes', 'aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa'), 3,
  'member''s purge should delete no note of tenant A');
select is(pg_temp.rows_of('public.zz_deal_rows', 'aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa'), 2,
  'member''s purge should delete no deal row of tenant A');
select is_empty($$ select * from pg_temp.new_events() $$, 'member''s purge should record nothing');

-- outsiders: no preview, no purge ------------------------------------------------------------
select pg_temp.login_as('44444444-4444-4444-8444-444444444444');
select is(public.tenant_module_uninstall_preview('aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa', 'zz_crm'), null,
  'admin of B should get null previewing tenant A''s module');
select is(public.tenant_module_uninstall_preview('bbbbbbbb-bbbb-4bbb-8bbb-bbbbbbbbbbbb', 'zz_crm'),
  '{"module_id": "zz_crm", "version": "1.0.0", "dependents": [],
    "tables": [{"module_id": "zz_crm", "table": "public.zz_notes", "rows": 2}]}'::jsonb,
  'admin of B should preview tenant B''s zz_crm: its rows only, no disabled dependent');
select is_empty($$ select * from public.uninstall_tenant_module(
      'aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa', 'zz_crm', cascade => true, purge => true) $$,
  'admin of B should uninstall nothing of tenant A');
reset role;
select pg_temp.login_as('55555555-5555-4555-8555-555555555555');
select is(public.tenant_module_uninstall_preview('aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa', 'zz_crm'), null,
  'a stranger should get null previewing');
select is_empty($$ select * from public.uninstall_tenant_module(
      'aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa', 'zz_crm', cascade => true, purge => true) $$,
  'a stranger should uninstall nothing');
reset role;
select is(pg_temp.rows_of('public.zz_notes', 'aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa'), 3,
  'outsiders'' purges should delete no note of tenant A');
select is_empty($$ select * from pg_temp.new_events() $$, 'outsiders'' purges should record nothing');

-- anon ---------------------------------------------------------------------------------------
select pg_temp.login_anon();
select throws_ok($$ select public.tenant_module_uninstall_preview('aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa', 'zz_crm') $$,
  '42501', null, 'anon should not execute the preview');
select throws_ok($$ select public.uninstall_tenant_module('aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa', 'zz_crm', true, true) $$,
  '42501', null, 'anon should not execute the uninstall');
reset role;

-- admin of A: purge refused as a whole, then done --------------------------------------------
select pg_temp.login_as('22222222-2222-4222-8222-222222222222');
select is(public.tenant_module_uninstall_preview('aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa', 'zz_crm') -> 'tables',
  '[{"module_id": "zz_crm", "table": "public.zz_notes", "rows": 3},
    {"module_id": "zz_deals", "table": "public.zz_deal_rows", "rows": 2}]'::jsonb,
  'admin should preview every row an admin sees (the secret note included)');
select throws_ok($$ select public.uninstall_tenant_module('aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa', 'zz_crm', purge => true) $$,
  '23503', null, 'admin should not uninstall with purge, without cascade, a module an enabled module requires');
reset role;
select is(pg_temp.rows_of('public.zz_notes', 'aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa'), 3,
  'the refused uninstall should have purged nothing');
update public.zz_deal_rows set locked = true where amount = 20;
select pg_temp.login_as('22222222-2222-4222-8222-222222222222');
select throws_ok($$ select public.uninstall_tenant_module('aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa', 'zz_crm',
      cascade => true, purge => true) $$,
  '42501', 'Row Level Security kept 1 of 2 rows of public.zz_deal_rows from being purged',
  'admin should be refused a purge when RLS keeps some of the rows the admin sees from being deleted');
reset role;
select is(pg_temp.rows_of('public.zz_notes', 'aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa'), 3,
  'the refused purge should leave every note (purged before the refused table, then rolled back)');
select is(pg_temp.rows_of('public.zz_deal_rows', 'aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa'), 2,
  'the refused purge should leave every deal row');
select results_eq($$ select module_id from public.tenant_modules
    where tenant_id = 'aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa' and module_id like 'zz_%' order by 1 $$,
  $$ values ('zz_crm'), ('zz_deals'), ('zz_legacy') $$,
  'the refused purge should leave the modules installed');
select is_empty($$ select * from pg_temp.new_events() $$, 'the refused purge should record nothing');
update public.zz_deal_rows set locked = false where amount = 20;
select pg_temp.login_as('22222222-2222-4222-8222-222222222222');
select set_eq($$ select module_id from public.uninstall_tenant_module('aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa', 'zz_crm',
      cascade => true, purge => true) $$,
  $$ values ('zz_crm'), ('zz_deals') $$,
  'admin should uninstall zz_crm and its dependent with cascade and purge');
select is_empty($$ select id from public.zz_notes $$, 'admin should see no note any more');
reset role;
select is(pg_temp.rows_of('public.zz_notes', 'aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa'), 0,
  'the purge should delete every note of tenant A, the secret one included');
select is(pg_temp.rows_of('public.zz_deal_rows', 'aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa'), 0,
  'the cascading purge should delete the dependent''s rows of tenant A');
select is(pg_temp.rows_of('public.zz_notes', 'bbbbbbbb-bbbb-4bbb-8bbb-bbbbbbbbbbbb')
    + pg_temp.rows_of('public.zz_notes', 'cccccccc-cccc-4ccc-8ccc-cccccccccccc'), 4,
  'the purge should leave the other tenants'' notes alone');
select is(pg_temp.rows_of('public.zz_deal_rows', 'bbbbbbbb-bbbb-4bbb-8bbb-bbbbbbbbbbbb'), 1,
  'the purge should leave the other tenants'' deal rows alone');
select bag_eq($$ select * from pg_temp.new_events() $$,
  $$ values ('A', 'zz_crm', 'uninstalled', '1.0.0', 'admin', 'authenticated',
             '{"settings": {}, "purged": true, "purged_rows": {"public.zz_notes": 3}}'::jsonb),
            ('A', 'zz_deals', 'uninstalled', '1.0.0', 'admin', 'authenticated',
             '{"settings": {}, "purged": true, "purged_rows": {"public.zz_deal_rows": 2}}'::jsonb) $$,
  'each uninstalled event should say purged, with the rows of its own tables');
-- As the caller: a disabled module's rows are hidden from its admin by the gating, so they are
-- neither counted nor purged (enable it first, or purge as service_role).
select lives_ok($$ select public.install_tenant_module('aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa', 'zz_crm', enabled => false) $$,
  'admin should install zz_crm again, disabled');
reset role;
insert into public.zz_notes (tenant_id, body) values ('aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa', 'a4');
select pg_temp.login_as('22222222-2222-4222-8222-222222222222');
select is(public.tenant_module_uninstall_preview('aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa', 'zz_crm') -> 'tables',
  '[{"module_id": "zz_crm", "table": "public.zz_notes", "rows": 0}]'::jsonb,
  'admin should preview no row of a disabled module whose table is gated by tenant_has_module()');
select throws_ok($$ select * from public.uninstall_tenant_module('aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa', 'zz_crm', purge => true) $$,
  '22023', 'module "zz_crm" cannot be purged while it is disabled',
  'a purge of a disabled module as its admin should be refused: the gating hides its rows from the admin');
select isnt_empty($$ select * from public.uninstall_tenant_module('aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa', 'zz_crm') $$,
  'admin should uninstall the disabled zz_crm without purge');
reset role;
select is(pg_temp.rows_of('public.zz_notes', 'aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa'), 1,
  'the rows the gating hid should stay after the refused purge and the plain uninstall');
select results_eq($$ select event, change from pg_temp.new_events() $$,
  $$ values ('installed', '{"settings": {}, "enabled": false}'::jsonb),
            ('uninstalled', '{"settings": {}, "purged": false, "purged_rows": null}'::jsonb) $$,
  'and the events should record the plain uninstall only');

-- admin of B: uninstall without purge keeps the rows, hidden until the module is back -------
select pg_temp.login_as('44444444-4444-4444-8444-444444444444');
select results_eq($$ select body from public.zz_notes order by body $$, $$ values ('b1'), ('b2') $$,
  'admin of B should read tenant B''s notes while zz_crm is installed');
select results_eq($$ select module_id from public.uninstall_tenant_module('bbbbbbbb-bbbb-4bbb-8bbb-bbbbbbbbbbbb', 'zz_crm') $$,
  $$ values ('zz_crm') $$, 'admin of B should uninstall zz_crm without purge (zz_deals is disabled)');
select is_empty($$ select id from public.zz_notes $$,
  'the kept notes should be hidden by the tenant_has_module() gating');
select is_empty($$ delete from public.zz_notes returning id $$,
  'the kept notes should be out of reach of deletes too');
select results_eq($$ select * from pg_temp.new_events() $$,
  $$ values ('B', 'zz_crm', 'uninstalled', '1.0.0', 'b_admin', 'authenticated',
             '{"settings": {}, "purged": false, "purged_rows": null}'::jsonb) $$,
  'the uninstalled event should say not purged');
select lives_ok($$ insert into public.tenant_modules (tenant_id, module_id)
    values ('bbbbbbbb-bbbb-4bbb-8bbb-bbbbbbbbbbbb', 'zz_crm') $$,
  'admin of B should install zz_crm again');
select results_eq($$ select body from public.zz_notes order by body $$, $$ values ('b1'), ('b2') $$,
  'the kept notes should be back with the module');
select results_eq($$ select event, actor, change from pg_temp.new_events() $$,
  $$ values ('installed', 'b_admin', '{"settings": {}, "enabled": true}'::jsonb) $$,
  'the reinstall should be recorded as installed');
reset role;
select is(pg_temp.rows_of('public.zz_notes', 'bbbbbbbb-bbbb-4bbb-8bbb-bbbbbbbbbbbb'), 2,
  'an uninstall without purge should delete no row');

-- service_role: past RLS, so it sees and purges every row of the tenant ----------------------
select pg_temp.login_service_role();
select is(public.tenant_module_uninstall_preview('cccccccc-cccc-4ccc-8ccc-cccccccccccc', 'zz_crm') -> 'tables',
  '[{"module_id": "zz_crm", "table": "public.zz_notes", "rows": 2}]'::jsonb,
  'service_role should preview every row of the tenant');
select results_eq($$ select module_id from public.uninstall_tenant_module(
      'cccccccc-cccc-4ccc-8ccc-cccccccccccc', 'zz_crm', purge => true) $$,
  $$ values ('zz_crm') $$, 'service_role should uninstall with purge');
select results_eq($$ select * from pg_temp.new_events() $$,
  $$ values ('C', 'zz_crm', 'uninstalled', '1.0.0', null, 'service_role',
             '{"settings": {}, "purged": true, "purged_rows": {"public.zz_notes": 2}}'::jsonb) $$,
  'service_role''s purge should be recorded without an actor');
reset role;
select is(pg_temp.rows_of('public.zz_notes', 'cccccccc-cccc-4ccc-8ccc-cccccccccccc'), 0,
  'service_role''s purge should delete every note of tenant C');

-- postgres: purges past RLS; a table dropped since publishing is left out --------------------
select set_config('request.jwt.claims', '', true);
insert into public.tenant_modules (tenant_id, module_id) values ('bbbbbbbb-bbbb-4bbb-8bbb-bbbbbbbbbbbb', 'zz_wiki');
insert into public.zz_pages (tenant_id) values ('bbbbbbbb-bbbb-4bbb-8bbb-bbbbbbbbbbbb');
drop table public.zz_page_links;
select count(*) as skipped_events from pg_temp.new_events() \gset
select is(public.tenant_module_uninstall_preview('bbbbbbbb-bbbb-4bbb-8bbb-bbbbbbbbbbbb', 'zz_wiki') -> 'tables',
  '[{"module_id": "zz_wiki", "table": "public.zz_pages", "rows": 1}]'::jsonb,
  'postgres should preview a module whose owned table was dropped, without that table');
select results_eq($$ select module_id from public.uninstall_tenant_module(
      'bbbbbbbb-bbbb-4bbb-8bbb-bbbbbbbbbbbb', 'zz_wiki', purge => true) $$,
  $$ values ('zz_wiki') $$, 'postgres should uninstall it with purge');
select results_eq($$ select * from pg_temp.new_events() $$,
  $$ values ('B', 'zz_wiki', 'uninstalled', '1.0.0', null, 'postgres',
             '{"settings": {}, "purged": true, "purged_rows": {"public.zz_pages": 1}}'::jsonb) $$,
  'postgres''s purge should be recorded without an actor');
select is(pg_temp.rows_of('public.zz_pages', 'bbbbbbbb-bbbb-4bbb-8bbb-bbbbbbbbbbbb'), 0,
  'postgres''s purge should delete the tenant''s rows');

select * from finish();
rollback;

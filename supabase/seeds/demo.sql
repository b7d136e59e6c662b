-- Demo data for local development, loaded after supabase/seed.sql (see `[db.seed] sql_paths` in
-- supabase/config.toml): three users and one tenant they belong to, with fixed ids so that tokens
-- for them can be minted anywhere (`npm run dev` prints one per user). Idempotent: running it
-- again adds what is missing and leaves the rest alone. The pgTAP fixtures
-- (supabase/tests/fixtures/personas.psql) and the Deno tests use other ids and emails.
--
--   user     id                                     email              role in Demo Tenant
--   owner    de000000-0000-4000-8000-000000000001   owner@demo.test    owner
--   admin    de000000-0000-4000-8000-000000000002   admin@demo.test    admin
--   member   de000000-0000-4000-8000-000000000003   member@demo.test   member
--   tenant   de000000-0000-4000-8000-000000000000   "Demo Tenant"

insert into auth.users (id, aud, role, email, email_confirmed_at, raw_app_meta_data, raw_user_meta_data)
values
  ('de000000-0000-4000-8000-000000000001', 'authenticated', 'authenticated', 'owner@demo.test', now(),
   '{"provider": "email", "providers": ["email"]}', '{"name": "Demo Owner"}'),
  ('de000000-0000-4000-8000-000000000002', 'authenticated', 'authenticated', 'admin@demo.test', now(),
   '{"provider": "email", "providers": ["email"]}', '{"name": "Demo Admin"}'),
  ('de000000-0000-4000-8000-000000000003', 'authenticated', 'authenticated', 'member@demo.test', now(),
   '{"provider": "email", "providers": ["email"]}', '{"name": "Demo Member"}')
on conflict do nothing;

insert into public.tenants (id, name)
values ('de000000-0000-4000-8000-000000000000', 'Demo Tenant')
on conflict (id) do nothing;

insert into public.tenant_members (tenant_id, user_id, role)
values
  ('de000000-0000-4000-8000-000000000000', 'de000000-0000-4000-8000-000000000001', 'owner'),
  ('de000000-0000-4000-8000-000000000000', 'de000000-0000-4000-8000-000000000002', 'admin'),
  ('de000000-0000-4000-8000-000000000000', 'de000000-0000-4000-8000-000000000003', 'member')
on conflict (tenant_id, user_id) do nothing;

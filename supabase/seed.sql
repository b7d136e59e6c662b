-- The catalog of modules the product ships. Idempotent: safe to run again; it refreshes the
-- name, description and version but never re-activates a module an operator switched off.
insert into public.modules (id, name, description, version)
values (
  'agency',
  'Agency',
  'Client management for agencies: clients, time zone, currency and branding.',
  '1.0.0'
)
on conflict (id) do update
set name = excluded.name,
    description = excluded.description,
    version = excluded.version;

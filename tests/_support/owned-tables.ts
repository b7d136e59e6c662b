/**
 * Tables a test module owns, made through the superuser connection as a module's migration would
 * make them: a `tenant_id` column, members of a tenant that has the module read its rows, and the
 * tenant's admins (or only its owners) delete them, both gated by `tenant_has_module()`. Each is
 * registered in the module's `owned_tables`; `drop()` removes them all.
 */
import type postgres from 'postgres';

export interface OwnedTables {
  /**
   * Creates a table owned by `moduleId` (added to its `owned_tables`) and returns its name as the
   * database writes it (`public.zz_…`). `deleteBy: 'owners'` lets only the tenant's owners delete.
   */
  add(moduleId: string, options?: { deleteBy?: 'admins' | 'owners' }): Promise<string>;
  /** Inserts `count` rows of `tenantId` into `table`. */
  fill(table: string, tenantId: string, count: number): Promise<void>;
  /** The rows of `tenantId` in `table`, as the superuser counts them. */
  count(table: string, tenantId: string): Promise<number>;
  /** Drops every table made. */
  drop(): Promise<void>;
}

export function ownedTables(sql: postgres.Sql): OwnedTables {
  const made: string[] = [];
  return {
    async add(moduleId, options = {}) {
      const name = `zz_items_${crypto.randomUUID().slice(0, 8)}`;
      const table = `public.${name}`;
      const deleters = options.deleteBy === 'owners'
        ? `tenant_id in (select m.tenant_id from public.tenant_members as m
             where m.user_id = (select auth.uid()) and m.role = 'owner')`
        : 'tenant_id = any ((select private.admin_tenant_ids())::uuid[])';
      await sql.unsafe(`
        create table ${table} (
          id bigint generated always as identity primary key,
          tenant_id uuid not null references public.tenants (id) on delete cascade,
          name text not null
        );
        create index ${name}_tenant_id_idx on ${table} (tenant_id);
        alter table ${table} enable row level security;
        create policy "members_can_view_${name}" on ${table} for select to authenticated
          using (tenant_id = any (array(
            select t.id from public.tenants as t where public.tenant_has_module(t.id, '${moduleId}')
          )));
        create policy "deleters_can_delete_${name}" on ${table} for delete to authenticated
          using (${deleters} and public.tenant_has_module(tenant_id, '${moduleId}'));
        update public.modules set owned_tables = owned_tables || array['${name}']
        where id = '${moduleId}';
      `).simple();
      made.push(table);
      return table;
    },
    async fill(table, tenantId, count) {
      await sql.unsafe(
        `insert into ${table} (tenant_id, name) select $1, 'row ' || i from generate_series(1, $2) as i`,
        [tenantId, count],
      );
    },
    async count(table, tenantId) {
      const [{ n }] = await sql.unsafe<{ n: number }[]>(
        `select count(*)::int as n from ${table} where tenant_id = $1`,
        [tenantId],
      );
      return n;
    },
    async drop() {
      if (made.length) await sql.unsafe(`drop table if exists ${made.join(', ')}`);
    },
  };
}

/**
 * Catalog modules with versions, requirements and settings migrations, published through the
 * superuser connection as `modules:publish` does: an insert for the first version, an update of
 * the row for each later one (the database records every version in `module_versions`). Ids
 * start with `zz_`, which no real module takes; `close()` removes the modules with every tenant's
 * installs of them.
 */
import type postgres from 'postgres';
import { withWorld, type World } from './fixtures.ts';

/** What one version of a module says. */
export interface VersionSpec {
  version: string;
  settingsSchema?: unknown;
  requires?: Record<string, string>;
  migrations?: Record<string, unknown[]>;
}

export interface Catalog {
  /** Publishes a new active module at its first version (default 1.0.0); returns its id. */
  add(first?: Partial<VersionSpec>): Promise<string>;
  /** Publishes the next version of a module, which becomes its current one. */
  publish(moduleId: string, next: VersionSpec): Promise<void>;
  /** Removes the modules and every install of them. */
  close(): Promise<void>;
}

const json = (sql: postgres.Sql, value: unknown) => sql.json(value as postgres.JSONValue);

/** A catalog of test modules written through `sql` (a superuser connection). */
export function catalog(sql: postgres.Sql): Catalog {
  const ids: string[] = [];
  return {
    async add(first = {}) {
      const id = `zz_${crypto.randomUUID().slice(0, 8)}`;
      await sql`
        insert into public.modules (id, name, version, settings_schema, requires, migrations)
        values (${id}, ${`Test ${id}`}, ${first.version ?? '1.0.0'},
          ${first.settingsSchema === undefined ? null : json(sql, first.settingsSchema)},
          ${json(sql, first.requires ?? {})}, ${json(sql, first.migrations ?? {})})`;
      ids.push(id);
      return id;
    },
    async publish(moduleId, next) {
      await sql`
        update public.modules set version = ${next.version},
          settings_schema = ${
        next.settingsSchema === undefined ? null : json(sql, next.settingsSchema)
      },
          requires = ${json(sql, next.requires ?? {})},
          migrations = ${json(sql, next.migrations ?? {})}
        where id = ${moduleId}`;
    },
    async close() {
      if (!ids.length) return;
      await sql.begin(async (tx) => {
        await tx`set constraints all deferred`;
        await tx`delete from public.tenant_modules where module_id in ${tx(ids)}`;
        await tx`delete from public.modules where id in ${tx(ids)}`;
      });
    },
  };
}

/** Runs `fn` with a fresh world and a catalog of test modules, and always cleans both up. */
export async function withCatalog(fn: (w: World, modules: Catalog) => Promise<void>) {
  await withWorld(async (w) => {
    const modules = catalog(w.sql);
    try {
      await fn(w, modules);
    } finally {
      await modules.close();
    }
  });
}

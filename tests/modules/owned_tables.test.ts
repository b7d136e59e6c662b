/**
 * `owned_tables` in module files: read from the file, published to `public.modules.owned_tables`
 * (and cleared when the file drops them), and refused by the database as a {@link PublishError}
 * when a table does not exist or has no `tenant_id uuid` column. Tables are the test's own,
 * created and dropped through the superuser connection.
 */
import assert from 'node:assert/strict';
import type postgres from 'postgres';
import { type ModuleManifest, readManifest } from '../../scripts/modules/manifest.ts';
import { describeRefusal, PublishError, publishModules } from '../../scripts/modules/publish.ts';
import { connect } from '../_support/fixtures.ts';
import { manifest } from '../_support/module-files.ts';

const suffix = () => crypto.randomUUID().slice(0, 8);

function ownedTables(id: string, owned_tables: string[]): ModuleManifest {
  return manifest(id, { name: 'Zz owned tables', description: null, owned_tables });
}

/** Runs `fn` with a superuser connection, a module id and two tables: one owned, one not. */
async function withTables(
  fn: (sql: postgres.Sql, id: string, tables: { owned: string; noTenant: string }) => Promise<void>,
) {
  const sql = connect();
  const id = `zz_${suffix()}`;
  const owned = `zz_owned_${suffix()}`;
  const noTenant = `zz_no_tenant_${suffix()}`;
  try {
    await sql.unsafe(`
      create table public.${owned} (id bigint generated always as identity, tenant_id uuid not null);
      create table public.${noTenant} (id bigint generated always as identity, tenant text)`);
    await fn(sql, id, { owned, noTenant });
  } finally {
    await sql`delete from public.modules where id = ${id}`;
    await sql.unsafe(`drop table if exists public.${owned}, public.${noTenant}`);
    await sql.end();
  }
}

Deno.test('a module file names its owned tables; publishing stores them and clears them when dropped', async () => {
  await withTables(async (sql, id, { owned }) => {
    const dir = await Deno.makeTempDir({ prefix: 'modules-' });
    await Deno.writeTextFile(
      `${dir}/${id}.json`,
      JSON.stringify({
        id,
        name: 'Zz',
        version: '1.0.0',
        owned_tables: [owned, `public.${owned}`],
      }),
    );
    const read = await readManifest(`${dir}/${id}.json`);
    assert.deepEqual(read.owned_tables, [owned, `public.${owned}`]);

    assert.deepEqual(await publishModules(sql, [read]), [
      { id, version: '1.0.0', outcome: 'created' },
    ]);
    const [row] = await sql`select owned_tables from public.modules where id = ${id}`;
    assert.deepEqual(row.owned_tables, [owned, `public.${owned}`]);
    assert.equal((await publishModules(sql, [read]))[0].outcome, 'unchanged');

    assert.equal((await publishModules(sql, [ownedTables(id, [])]))[0].outcome, 'updated');
    const [cleared] = await sql`select owned_tables from public.modules where id = ${id}`;
    assert.deepEqual(cleared.owned_tables, []);
  });
});

Deno.test('publishing refuses owned tables that do not exist or have no tenant_id uuid column', async () => {
  await withTables(async (sql, id, { owned, noTenant }) => {
    const missing = `zz_missing_${suffix()}`;
    const error = await publishModules(sql, [
      ownedTables(id, [owned, missing, `public.${noTenant}`]),
    ])
      .catch((e) => e);
    assert.ok(error instanceof PublishError, String(error));
    assert.equal(error.message, `${id}: invalid owned tables for module "${id}"`);
    assert.deepEqual(error.reasons, [
      { path: 'owned_tables[1]', message: `there is no table ${missing}` },
      { path: 'owned_tables[2]', message: `public.${noTenant} has no tenant_id uuid column` },
    ]);
    assert.deepEqual(describeRefusal(error).slice(1), [
      `  owned_tables[1]: there is no table ${missing}`,
      `  owned_tables[2]: public.${noTenant} has no tenant_id uuid column`,
    ]);
    const rows = await sql`select id from public.modules where id = ${id}`;
    assert.equal(rows.length, 0, 'nothing was published');
  });
});

Deno.test('a module file whose owned_tables are not table names is refused before anything connects', async () => {
  const dir = await Deno.makeTempDir({ prefix: 'modules-' });
  const id = `zz_${suffix()}`;
  await Deno.writeTextFile(
    `${dir}/${id}.json`,
    JSON.stringify({ id, name: 'Zz', version: '1.0.0', owned_tables: ['clients; drop table x'] }),
  );
  await assert.rejects(
    () => readManifest(`${dir}/${id}.json`),
    /owned_tables\[0\] must be a table name/,
  );
});

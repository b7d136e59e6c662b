/**
 * `deno task modules:publish` (scripts/modules/publish.ts): module files to the catalog, run as a
 * user would run it, against the test stack's database.
 */
import assert from 'node:assert/strict';
import { readManifests } from '../../scripts/modules/manifest.ts';
import { SEED_FILE, seedSql } from '../../scripts/modules/publish.ts';
import { stack } from '../_support/env.ts';
import { connect, createWorld } from '../_support/fixtures.ts';

const PUBLISH = new URL('../../scripts/modules/publish.ts', import.meta.url).pathname;

/** Runs the publish command on a folder of module files; returns its exit code and output. */
async function publish(dir: string, ...args: string[]) {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ['run', '--allow-all', PUBLISH, '--dir', dir, '--db-url', stack.dbUrl, ...args],
    stdout: 'piped',
    stderr: 'piped',
  }).output();
  const decode = (b: Uint8Array) => new TextDecoder().decode(b);
  return { code: out.code, stdout: decode(out.stdout), stderr: decode(out.stderr) };
}

/** A temporary folder holding one module file per given module. */
async function moduleDir(...modules: Record<string, unknown>[]): Promise<string> {
  const dir = await Deno.makeTempDir({ prefix: 'modules-' });
  for (const m of modules) {
    await Deno.writeTextFile(`${dir}/${m.id}.json`, JSON.stringify(m, null, 2));
  }
  return dir;
}

function fixtureModule(id: string, schema: unknown = null) {
  return {
    id,
    name: 'Zz fixture',
    description: 'A module of the test suite',
    version: '1.0.0',
    settings_schema: schema,
  };
}

const fixtureId = () => `zz-fixture-${crypto.randomUUID().slice(0, 8)}`;

Deno.test('modules:publish creates, then leaves alone, then updates a module', async () => {
  const sql = connect();
  const id = fixtureId();
  const schema = { type: 'object', properties: { n: { type: 'integer', default: 1 } } };
  try {
    const dir = await moduleDir(fixtureModule(id, schema));
    const first = await publish(dir);
    assert.equal(first.code, 0, first.stderr);
    assert.match(first.stdout, new RegExp(`^created +${id} 1\\.0\\.0$`, 'm'));
    const again = await publish(dir);
    assert.match(again.stdout, new RegExp(`^unchanged +${id} 1\\.0\\.0$`, 'm'));

    await Deno.writeTextFile(
      `${dir}/${id}.json`,
      JSON.stringify({ ...fixtureModule(id, schema), version: '1.1.0' }),
    );
    const dry = await publish(dir, '--dry-run');
    assert.match(dry.stdout, new RegExp(`^updated +${id} 1\\.1\\.0$`, 'm'));
    assert.match(dry.stdout, /dry run: nothing was written/);
    const [before] = await sql`select version from public.modules where id = ${id}`;
    assert.equal(before.version, '1.0.0', 'a dry run writes nothing');

    const updated = await publish(dir);
    assert.match(updated.stdout, new RegExp(`^updated +${id} 1\\.1\\.0$`, 'm'));
    const [row] = await sql`
      select version, settings_schema, is_active from public.modules where id = ${id}`;
    assert.deepEqual(row, { version: '1.1.0', settings_schema: schema, is_active: true });
  } finally {
    await sql`delete from public.modules where id = ${id}`;
    await sql.end();
  }
});

Deno.test('modules:publish refuses an unsupported schema and publishes nothing', async () => {
  const sql = connect();
  const good = fixtureId();
  const bad = fixtureId();
  try {
    const dir = await moduleDir(
      fixtureModule(good),
      fixtureModule(bad, { type: 'object', properties: { a: { oneOf: [] } } }),
    );
    const res = await publish(dir);
    assert.equal(res.code, 1);
    assert.match(res.stderr, new RegExp(`refused, nothing published: ${bad}: unsupported`));
    assert.match(res.stderr, /settings_schema\.properties\.a/);
    assert.match(res.stderr, /"oneOf"/);
    const rows = await sql`select id from public.modules where id in (${good}, ${bad})`;
    assert.equal(rows.length, 0, 'the whole publish was rolled back');
  } finally {
    await sql`delete from public.modules where id in (${good}, ${bad})`;
    await sql.end();
  }
});

Deno.test('modules:publish refuses a schema that installed settings fail, naming the tenants', async () => {
  const w = await createWorld();
  const id = fixtureId();
  try {
    await w.sql`insert into public.modules (id, name) values (${id}, 'Zz fixture')`;
    await w.install(id, { settings: { n: 'not a number' } });
    const dir = await moduleDir(
      fixtureModule(id, { type: 'object', properties: { n: { type: 'integer' } } }),
    );
    const res = await publish(dir);
    assert.equal(res.code, 1);
    assert.match(res.stderr, /would reject the settings of 1 tenant/);
    assert.match(res.stderr, new RegExp(w.tenantId));
    const [row] = await w.sql`select settings_schema from public.modules where id = ${id}`;
    assert.equal(row.settings_schema, null);
  } finally {
    await w.close();
    const sql = connect();
    await sql`delete from public.modules where id = ${id}`;
    await sql.end();
  }
});

Deno.test('modules:publish names a module file that is not a module', async () => {
  const dir = await moduleDir({ id: 'Not A Slug', name: 'x', version: 'one' });
  await Deno.rename(`${dir}/Not A Slug.json`, `${dir}/bad.json`);
  const res = await publish(dir);
  assert.equal(res.code, 1);
  assert.match(res.stderr, /^error: bad\.json: /m);
  assert.match(res.stderr, /id must be a slug/);
  assert.match(res.stderr, /version must be a semantic version/);
});

Deno.test('supabase/seed.sql holds exactly the catalog of supabase/modules', async () => {
  const expected = seedSql(await readManifests());
  assert.equal(
    await Deno.readTextFile(SEED_FILE),
    expected,
    'supabase/seed.sql is out of step with supabase/modules: run `deno task modules:publish --seed`',
  );
});

Deno.test('the stack publishes supabase/modules at start: the catalog matches the files', async () => {
  const sql = connect();
  try {
    for (const m of await readManifests()) {
      const [row] = await sql`
        select name, description, version, settings_schema from public.modules where id = ${m.id}`;
      assert.deepEqual(row, {
        name: m.name,
        description: m.description,
        version: m.version,
        settings_schema: m.settings_schema,
      });
    }
  } finally {
    await sql.end();
  }
});

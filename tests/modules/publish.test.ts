/**
 * `deno task modules:publish` (scripts/modules/publish.ts): module files to the catalog, run as a
 * user would run it, against the test stack's database: versions recorded, requirements and
 * migrations written, and the database's refusals (those it defers to commit included) reported.
 */
import assert from 'node:assert/strict';
import { type MigrationStep, readManifests } from '../../scripts/modules/manifest.ts';
import { PublishError, publishModules, SEED_FILE, seedSql } from '../../scripts/modules/publish.ts';
import { connect, createWorld } from '../_support/fixtures.ts';
import { fixtureId, manifest, moduleDir, moduleFile } from '../_support/module-files.ts';
import { runTask } from './tasks.ts';

const publish = (dir: string, ...args: string[]) => runTask('publish', '--dir', dir, ...args);

function fixtureModule(id: string, schema: unknown = null) {
  return moduleFile(id, { settings_schema: schema });
}

Deno.test('modules:publish creates, then leaves alone, then moves a module to a new version', async () => {
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
    assert.match(dry.stdout, new RegExp(`^new version ${id} 1\\.0\\.0 → 1\\.1\\.0$`, 'm'));
    assert.match(dry.stdout, /dry run: nothing was written/);
    const [before] = await sql`select version from public.modules where id = ${id}`;
    assert.equal(before.version, '1.0.0', 'a dry run writes nothing');

    const updated = await publish(dir);
    assert.match(updated.stdout, new RegExp(`^new version ${id} 1\\.0\\.0 → 1\\.1\\.0$`, 'm'));
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
        select name, description, version, settings_schema, requires, migrations
        from public.modules where id = ${m.id}`;
      assert.deepEqual(row, {
        name: m.name,
        description: m.description,
        version: m.version,
        settings_schema: m.settings_schema,
        requires: m.requires,
        migrations: m.migrations,
      });
    }
  } finally {
    await sql.end();
  }
});

const minutesSchema = {
  type: 'object',
  properties: { minutes: { type: 'integer', default: 60 } },
  additionalProperties: false,
};
const hoursSchema = {
  type: 'object',
  properties: { hours: { type: 'integer', minimum: 1 } },
  additionalProperties: false,
};
const toHours: Record<string, MigrationStep[]> = {
  '2.0.0': [
    { op: 'compute', path: '/hours', jsonpath: '$.minutes / 60' },
    { op: 'remove', path: '/minutes' },
  ],
};

/** Deletes fixture modules (those that require others with them, in one statement). */
async function dropModules(ids: string[]): Promise<void> {
  const sql = connect();
  try {
    await sql`delete from public.modules where id in ${sql(ids)}`;
  } finally {
    await sql.end();
  }
}

Deno.test('modules:publish records each new version with its requirements and migrations', async () => {
  const sql = connect();
  const crm = fixtureId('crm');
  const id = fixtureId('timesheets');
  try {
    const dir = await moduleDir(
      moduleFile(crm),
      moduleFile(id, { settings_schema: minutesSchema }),
    );
    assert.equal((await publish(dir)).code, 0);

    await Deno.writeTextFile(
      `${dir}/${id}.json`,
      JSON.stringify(moduleFile(id, {
        version: '2.0.0',
        settings_schema: hoursSchema,
        requires: { [crm]: '^1.0.0' },
        migrations: toHours,
      })),
    );
    const res = await publish(dir);
    assert.equal(res.code, 0, res.stderr);
    assert.match(res.stdout, new RegExp(`^unchanged +${crm} 1\\.0\\.0$`, 'm'));
    assert.match(res.stdout, new RegExp(`^new version ${id} 1\\.0\\.0 → 2\\.0\\.0$`, 'm'));
    const versions = await sql`
      select version, settings_schema, requires, migrations from public.module_versions
      where module_id = ${id} order by version`;
    assert.deepEqual([...versions], [
      { version: '1.0.0', settings_schema: minutesSchema, requires: {}, migrations: {} },
      {
        version: '2.0.0',
        settings_schema: hoursSchema,
        requires: { [crm]: '^1.0.0' },
        migrations: toHours,
      },
    ]);
    const again = await publish(dir);
    assert.match(again.stdout, new RegExp(`^unchanged +${id} 2\\.0\\.0$`, 'm'));
  } finally {
    await sql.end();
    await dropModules([id, crm]);
  }
});

Deno.test('modules:publish refreshes a version published again and fills in its new defaults', async () => {
  const w = await createWorld();
  const id = fixtureId('refresh');
  try {
    const dir = await moduleDir(moduleFile(id, { settings_schema: minutesSchema }));
    assert.equal((await publish(dir)).code, 0);
    await w.install(id, { settings: { minutes: 90 } });

    const seconds = {
      ...minutesSchema,
      properties: { ...minutesSchema.properties, seconds: { type: 'integer', default: 0 } },
    };
    await Deno.writeTextFile(
      `${dir}/${id}.json`,
      JSON.stringify(moduleFile(id, { settings_schema: seconds })),
    );
    const res = await publish(dir);
    assert.equal(res.code, 0, res.stderr);
    assert.match(res.stdout, new RegExp(`^updated +${id} 1\\.0\\.0$`, 'm'));
    const versions = await w.sql`
      select version, settings_schema from public.module_versions where module_id = ${id}`;
    assert.deepEqual([...versions], [{ version: '1.0.0', settings_schema: seconds }]);
    assert.deepEqual((await w.row(id))?.settings, { minutes: 90, seconds: 0 }, 'defaults filled');
  } finally {
    await w.close();
    await dropModules([id]);
  }
});

Deno.test('modules:publish publishes a module with the one it requires, whatever their order', async () => {
  const sql = connect();
  // Files are published in id order: "a" first, though it requires "b" of the same run.
  const suffix = crypto.randomUUID().slice(0, 8);
  const [a, b] = [`zz_a_${suffix}`, `zz_b_${suffix}`];
  try {
    const dir = await moduleDir(moduleFile(a, { requires: { [b]: '>=1.0.0' } }), moduleFile(b));
    const res = await publish(dir);
    assert.equal(res.code, 0, res.stderr);
    assert.match(
      res.stdout,
      new RegExp(`^created +${a} 1\\.0\\.0\\ncreated +${b} 1\\.0\\.0$`, 'm'),
    );
    const [row] = await sql`select requires from public.modules where id = ${a}`;
    assert.deepEqual(row.requires, { [b]: '>=1.0.0' });
  } finally {
    await sql.end();
    await dropModules([a, b]);
  }
});

Deno.test('modules:publish refuses a range no published version satisfies, also in a dry run', async () => {
  const sql = connect();
  const crm = fixtureId('crm');
  const id = fixtureId('needs');
  try {
    const dir = await moduleDir(moduleFile(crm), moduleFile(id, { requires: { [crm]: '^2.0.0' } }));
    for (const args of [['--dry-run'], []]) {
      const res = await publish(dir, ...args);
      assert.equal(res.code, 1, `${args}: ${res.stdout}`);
      assert.equal(res.stdout, '', 'no module is reported as published');
      assert.match(
        res.stderr,
        new RegExp(
          `^refused, nothing published: module "${id}" requires versions that are not ` +
            `published: ${crm} \\^2\\.0\\.0$`,
          'm',
        ),
      );
      assert.match(res.stderr, new RegExp(`^  ${crm} \\^2\\.0\\.0: no published version`, 'm'));
    }
    const rows = await sql`select id from public.modules where id in (${crm}, ${id})`;
    assert.equal(rows.length, 0, 'the whole publish was rolled back');
  } finally {
    await sql.end();
    await dropModules([id, crm]);
  }
});

Deno.test('publishModules reports refusals at commit as PublishError: a cycle, a missing range', async () => {
  const sql = connect();
  const suffix = crypto.randomUUID().slice(0, 8);
  const [a, b] = [`zz_cycle_a_${suffix}`, `zz_cycle_b_${suffix}`];
  try {
    const cycle = [
      manifest(a, { requires: { [b]: '^1.0.0' } }),
      manifest(b, { requires: { [a]: '*' } }),
    ];
    for (const dryRun of [true, false]) {
      await assert.rejects(publishModules(sql, cycle, { dryRun }), (error) => {
        assert.ok(error instanceof PublishError, String(error));
        assert.match(error.message, /^module requirements form a cycle: zz_cycle_(a|b)_\w+ → /);
        return true;
      });
    }
    await assert.rejects(
      publishModules(sql, [manifest(a, { requires: { [b]: '^1.0.0' } })]),
      (error) => {
        assert.ok(error instanceof PublishError, String(error));
        assert.equal(
          error.message,
          `module "${a}" requires versions that are not published: ${b} ^1.0.0`,
        );
        assert.deepEqual(error.reasons, [{ module_id: b, range: '^1.0.0' }]);
        return true;
      },
    );
    const rows = await sql`select id from public.modules where id in (${a}, ${b})`;
    assert.equal(rows.length, 0);
  } finally {
    await sql.end();
  }
});

Deno.test('modules:publish reports what the database finds wrong in requires and migrations', async () => {
  const id = fixtureId('bad');
  const dir = await moduleDir(moduleFile(id, {
    version: '2.0.0',
    requires: { [id]: '^1.0.0' },
    migrations: { '3.0.0': [{ op: 'compute', path: '/a', jsonpath: '$.(' }] },
  }));
  try {
    const res = await publish(dir);
    assert.equal(res.code, 1);
    assert.match(
      res.stderr,
      new RegExp(`^refused, nothing published: ${id}: invalid requires or migrations`, 'm'),
    );
    assert.match(res.stderr, new RegExp(`requires\\.${id}: a module cannot require itself`));
    assert.match(res.stderr, /migrations\["3\.0\.0"\]: is a migration to 3\.0\.0, after/);
    assert.match(res.stderr, /migrations\["3\.0\.0"\]\[0\]\.jsonpath: is not an SQL\/JSON path/);
  } finally {
    await dropModules([id]);
  }
});

Deno.test('modules:publish refuses a version older than the latest published one', async () => {
  const id = fixtureId('older');
  try {
    const dir = await moduleDir(moduleFile(id, { version: '2.0.0' }));
    assert.equal((await publish(dir)).code, 0);
    await Deno.writeTextFile(`${dir}/${id}.json`, JSON.stringify(moduleFile(id)));
    const res = await publish(dir);
    assert.equal(res.code, 1);
    assert.match(
      res.stderr,
      new RegExp(`${id}: version 1\\.0\\.0 of module "${id}" is older than its latest`),
    );
  } finally {
    await dropModules([id]);
  }
});

Deno.test('modules:publish names the file and the path of a malformed step before connecting', async () => {
  const id = fixtureId('steps');
  const dir = await moduleDir({
    ...moduleFile(id, { version: '2.0.0' }),
    requires: { crm: 2 },
    migrations: { '2.0.0': [{ op: 'rename', path: '/a' }, { op: 'move', path: 'b' }] },
  });
  const res = await runTask(
    'publish',
    '--dir',
    dir,
    '--db-url',
    'postgresql://x:y@127.0.0.1:1/none',
  );
  assert.equal(res.code, 1);
  assert.match(res.stderr, new RegExp(`^error: ${id}\\.json: `, 'm'));
  assert.match(res.stderr, /requires\.crm must be a version range/);
  assert.match(res.stderr, /migrations\["2\.0\.0"\]\[0\]\.op must be a step/);
  assert.match(res.stderr, /migrations\["2\.0\.0"\]\[1\]\.from is required/);
  assert.match(res.stderr, /migrations\["2\.0\.0"\]\[1\]\.path must be a JSON Pointer/);
});

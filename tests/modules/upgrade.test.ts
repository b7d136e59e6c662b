/**
 * `deno task modules:upgrade` (scripts/modules/upgrade.ts) on 300 tenants, run as an operator runs
 * it, against the test stack's database: the report's numbers, the stored rows, a second run that
 * changes nothing, and runs stopped in the middle (killed, or interrupted with Ctrl-C) that the
 * next run completes.
 */
import assert from 'node:assert/strict';
import type postgres from 'postgres';
import { type MigrationStep } from '../../scripts/modules/manifest.ts';
import { publishModules } from '../../scripts/modules/publish.ts';
import { connect } from '../_support/fixtures.ts';
import { fixtureId, manifest } from '../_support/module-files.ts';
import { runTask, startTask } from './tasks.ts';

const v1Schema = {
  type: 'object',
  properties: {
    day_hours: { type: 'integer', minimum: 1, maximum: 24, default: 8 },
    approver: { type: 'string', format: 'email' },
  },
  additionalProperties: false,
};
const v2Schema = {
  type: 'object',
  properties: {
    day_minutes: { type: 'integer', minimum: 15, maximum: 720, multipleOf: 15, default: 480 },
    approval: {
      type: 'object',
      properties: {
        email: { type: 'string', format: 'email' },
        required: { type: 'boolean', default: false },
      },
      additionalProperties: false,
    },
    bill_to_crm: { type: 'boolean', default: true },
  },
  additionalProperties: false,
};
const toV2: Record<string, MigrationStep[]> = {
  '2.0.0': [
    { op: 'compute', path: '/day_minutes', jsonpath: '$.day_hours * 60' },
    { op: 'remove', path: '/day_hours' },
    { op: 'move', from: '/approver', path: '/approval/email' },
    { op: 'compute', path: '/approval/required', jsonpath: 'exists($.approval.email)' },
  ],
};

type Fate = 'upgraded' | 'current' | 'blocked by settings' | 'blocked by crm';

interface Tenant {
  id: string;
  fate: Fate;
  /** Settings as installed at 1.0.0 (or 2.0.0 for `current`). */
  settings: Record<string, unknown>;
  /** Settings once upgraded to 2.0.0. */
  upgraded: Record<string, unknown>;
}

/**
 * `n` tenants with a fixture module: at 1.0.0 for most, at 2.0.0 (installed after it was
 * published) for some; some of them have settings 2.0.0 refuses (13 hours a day, over 720
 * minutes), some lack the `crm` module 2.0.0 requires. Sorted by id, as the task goes.
 */
async function createFleet(sql: postgres.Sql, moduleId: string, crmId: string, n = 300) {
  await publishModules(sql, [
    manifest(crmId),
    manifest(moduleId, { settings_schema: v1Schema }),
  ]);
  const ids = (await sql<{ id: string }[]>`
    insert into public.tenants (name)
    select ${fleetName(moduleId)} || g from generate_series(1, ${n}) as g
    returning id`).map((r) => r.id).sort();
  const tenants: Tenant[] = ids.map((id, i) => {
    const fate: Fate = i % 30 === 7
      ? 'current'
      : i % 20 === 0
      ? 'blocked by settings'
      : i % 25 === 1
      ? 'blocked by crm'
      : 'upgraded';
    const hours = fate === 'blocked by settings' ? 13 : 7 + (i % 3);
    const approver = i % 4 === 0 ? `boss-${i}@example.test` : undefined;
    return {
      id,
      fate,
      settings: approver ? { day_hours: hours, approver } : { day_hours: hours },
      upgraded: {
        day_minutes: hours * 60,
        approval: approver ? { email: approver, required: true } : { required: false },
        bill_to_crm: true,
      },
    };
  });
  const install = async (module: string, rows: { id: string; settings?: unknown }[]) => {
    const json = JSON.stringify(rows.map((r) => ({ tenant_id: r.id, settings: r.settings ?? {} })));
    await sql`
      insert into public.tenant_modules (tenant_id, module_id, settings)
      select r.tenant_id, ${module}, r.settings
      from jsonb_to_recordset(${json}::text::jsonb) as r (tenant_id uuid, settings jsonb)`;
  };
  await install(crmId, tenants.filter((t) => t.fate !== 'blocked by crm'));
  await install(moduleId, tenants.filter((t) => t.fate !== 'current'));
  await publishModules(sql, [
    manifest(moduleId, {
      version: '2.0.0',
      settings_schema: v2Schema,
      requires: { [crmId]: '^1.0.0' },
      migrations: toV2,
    }),
  ]);
  const current = tenants.filter((t) => t.fate === 'current');
  for (const t of current) t.settings = t.upgraded;
  await install(moduleId, current);
  const count = (...fates: Fate[]) => tenants.filter((t) => fates.includes(t.fate)).length;
  return {
    moduleId,
    tenants,
    expected: {
      upgraded: count('upgraded'),
      current: count('current'),
      blocked: count('blocked by settings', 'blocked by crm'),
    },
    /** Every installed row of the module: tenant, version, settings and updated_at. */
    async rows() {
      return await sql<{ tenant_id: string; version: string; settings: unknown; at: string }[]>`
        select tenant_id, version, settings, updated_at::text as at from public.tenant_modules
        where module_id = ${moduleId} order by tenant_id`;
    },
  };
}

type Fleet = Awaited<ReturnType<typeof createFleet>>;

/** The name of a fleet's tenants, before their number. */
const fleetName = (moduleId: string) => `zz bulk upgrade ${moduleId} `;

/** The stored rows are those of a finished upgrade: upgraded, current and blocked as planned. */
async function assertFinished(fleet: Fleet): Promise<void> {
  const rows = await fleet.rows();
  assert.equal(rows.length, fleet.tenants.length);
  fleet.tenants.forEach((t, i) => {
    const blocked = t.fate.startsWith('blocked');
    assert.deepEqual(
      { tenant_id: rows[i].tenant_id, version: rows[i].version, settings: rows[i].settings },
      {
        tenant_id: t.id,
        version: blocked ? '1.0.0' : '2.0.0',
        settings: blocked ? t.settings : t.upgraded,
      },
      `tenant ${i} (${t.fate})`,
    );
  });
}

/** The numbers of the report on stdout. */
function counts(stdout: string) {
  const number = (label: string) =>
    Number(new RegExp(`^  ${label} +(\\d+)$`, 'm').exec(stdout)?.[1]);
  return {
    upgraded: number('upgraded'),
    current: number('already current'),
    blocked: number('blocked'),
  };
}

/** Runs `fn` with a fleet, then deletes its tenants and modules, however far it got. */
async function withFleet(fn: (fleet: Fleet, sql: postgres.Sql) => Promise<void>): Promise<void> {
  const sql = connect();
  const moduleId = fixtureId('timesheets');
  const crmId = fixtureId('crm');
  try {
    await fn(await createFleet(sql, moduleId, crmId), sql);
  } finally {
    await sql`delete from public.tenants where name like ${fleetName(moduleId) + '%'}`;
    await sql`delete from public.modules where id in (${moduleId}, ${crmId})`;
    await sql.end();
  }
}

Deno.test('modules:upgrade upgrades 300 tenants in batches, reports the blocked ones, and a second run changes nothing', async () => {
  await withFleet(async (fleet) => {
    const { moduleId, expected } = fleet;
    const run = await runTask('upgrade', moduleId, '--batch', '64');
    assert.equal(run.code, 2, `blocked tenants make exit code 2\n${run.stderr}`);
    assert.deepEqual(counts(run.stdout), expected);
    assert.match(
      run.stdout,
      new RegExp(`^${moduleId} → 2\\.0\\.0: 300 of 300 tenant\\(s\\) in `, 'm'),
    );
    assert.match(
      run.stderr,
      new RegExp(`^${moduleId} → 2\\.0\\.0: 64/300 tenants \\(21%\\), `, 'm'),
    );
    assert.match(run.stderr, /: 300\/300 tenants \(100%\), /);

    const blocked = fleet.tenants.filter((t) => t.fate.startsWith('blocked'));
    const listed = run.stdout.split('\n').filter((l) =>
      /^ {2}[0-9a-f-]{36} {2}1\.0\.0 {2}/.test(l)
    );
    assert.equal(listed.length, 20, 'the report lists 20 blocked tenants');
    assert.match(
      run.stdout,
      new RegExp(`^  … and ${blocked.length - 20} more blocked \\(--json`, 'm'),
    );
    const line = (id: string) => listed.find((l) => l.includes(id));
    const bySettings = blocked.find((t) => t.fate === 'blocked by settings' && line(t.id))!;
    assert.match(
      line(bySettings.id)!,
      new RegExp(
        `module "${moduleId}" cannot be upgraded to 2\\.0\\.0: the migrated settings do not fit ` +
          'its settings schema \\(settings\\.day_minutes: must be at most 720\\)$',
      ),
    );
    const byCrm = blocked.find((t) => t.fate === 'blocked by crm' && line(t.id))!;
    assert.match(
      line(byCrm.id)!,
      new RegExp(
        `module "${moduleId}" 2\\.0\\.0 requires modules this tenant does not have enabled in ` +
          `range: zz_crm_\\w+ \\^1\\.0\\.0 \\(not installed\\)$`,
      ),
    );
    await assertFinished(fleet);

    const before = await fleet.rows();
    const again = await runTask('upgrade', moduleId, '--to', '2.0.0', '--batch', '64', '--json');
    assert.equal(again.code, 2);
    const report = JSON.parse(again.stdout);
    assert.deepEqual(
      [report.upgraded, report.current, report.blocked, report.done, report.interrupted],
      [0, expected.upgraded + expected.current, expected.blocked, 300, false],
    );
    assert.deepEqual(
      report.tenants.filter((t: { outcome: string }) => t.outcome === 'blocked')
        .map((t: { tenant_id: string }) => t.tenant_id),
      blocked.map((t) => t.id),
      'the JSON report lists every blocked tenant',
    );
    const entry = report.tenants.find((t: { tenant_id: string }) => t.tenant_id === bySettings.id);
    assert.deepEqual(entry.errors, [{
      path: 'settings.day_minutes',
      message: 'must be at most 720',
    }]);
    assert.deepEqual(await fleet.rows(), before, 'a second run writes nothing');
  });
});

/**
 * Starts the task with the row of the tenant at `lockedAt` locked, so that it stops in the batch
 * holding that tenant; resolves once the task waits on the lock, after its first batch's progress.
 */
async function startBlockedTask(fleet: Fleet, sql: postgres.Sql, lockedAt: number) {
  const lock = await sql.reserve();
  await lock`begin`;
  await lock`
    select 1 from public.tenant_modules
    where tenant_id = ${fleet.tenants[lockedAt].id} and module_id = ${fleet.moduleId} for update`;
  const task = startTask('upgrade', fleet.moduleId, '--batch', '50');
  await task.waitForStderr(/: 50\/300 tenants \(16%\)/);
  let waiting: { pid: number }[] = [];
  for (let i = 0; i < 500 && !waiting.length; i++) {
    waiting = await sql<{ pid: number }[]>`
      select pid from pg_stat_activity
      where application_name = 'modules:upgrade' and wait_event_type = 'Lock'`;
    if (!waiting.length) await new Promise((r) => setTimeout(r, 20));
  }
  assert.equal(waiting.length, 1, 'the task waits on the locked row');
  const release = async () => {
    await lock`rollback`;
    lock.release();
  };
  return { task, backend: waiting[0].pid, release };
}

/** Only the tenants before `from` were processed: the rest are as installed. */
async function assertProcessedUpTo(fleet: Fleet, from: number): Promise<void> {
  const rows = await fleet.rows();
  fleet.tenants.forEach((t, i) => {
    const done = i < from && !t.fate.startsWith('blocked');
    assert.equal(
      rows[i].version,
      done || t.fate === 'current' ? '2.0.0' : '1.0.0',
      `tenant ${i} (${t.fate})`,
    );
  });
}

Deno.test('modules:upgrade killed in the middle of a batch leaves whole batches; the next run finishes', async () => {
  await withFleet(async (fleet, sql) => {
    const { task, backend, release } = await startBlockedTask(fleet, sql, 75);
    try {
      task.child.kill('SIGKILL');
      await task.done;
      // The killed task's statement is still waiting on the lock: end it as a dropped connection would.
      await sql`select pg_terminate_backend(${backend})`;
    } finally {
      await release();
    }
    await assertProcessedUpTo(fleet, 50);

    const firstBatch = fleet.tenants.slice(0, 50).filter((t) => t.fate === 'upgraded').length;
    const rerun = await runTask('upgrade', fleet.moduleId, '--batch', '50');
    assert.equal(rerun.code, 2, rerun.stderr);
    assert.deepEqual(counts(rerun.stdout), {
      upgraded: fleet.expected.upgraded - firstBatch,
      current: fleet.expected.current + firstBatch,
      blocked: fleet.expected.blocked,
    });
    await assertFinished(fleet);
  });
});

Deno.test('modules:upgrade stops after the batch in progress on SIGINT; the next run finishes', async () => {
  await withFleet(async (fleet, sql) => {
    const { task, release } = await startBlockedTask(fleet, sql, 75);
    try {
      task.child.kill('SIGINT');
      await task.waitForStderr(/stopping after the batch in progress/);
    } finally {
      await release();
    }
    assert.equal(await task.done, 130, task.stderr());
    assert.match(
      task.stdout(),
      /^stopped after 100 of 300 tenant\(s\): run the same command again/m,
    );
    await assertProcessedUpTo(fleet, 100);

    const rerun = await runTask('upgrade', fleet.moduleId, '--batch', '50');
    assert.equal(rerun.code, 2, rerun.stderr);
    assert.equal(counts(rerun.stdout).blocked, fleet.expected.blocked);
    await assertFinished(fleet);
  });
});

Deno.test('modules:upgrade exits 0 when nothing is blocked and says so in --help', async () => {
  const sql = connect();
  const id = fixtureId('clean');
  try {
    await publishModules(sql, [manifest(id)]);
    const [tenant] = await sql<{ id: string }[]>`
      insert into public.tenants (name) values ('zz clean upgrade') returning id`;
    try {
      await sql`insert into public.tenant_modules (tenant_id, module_id) values (${tenant.id}, ${id})`;
      await publishModules(sql, [manifest(id, { version: '1.1.0' })]);
      const run = await runTask('upgrade', id);
      assert.equal(run.code, 0, run.stderr);
      assert.deepEqual(counts(run.stdout), { upgraded: 1, current: 0, blocked: 0 });
    } finally {
      await sql`delete from public.tenants where id = ${tenant.id}`;
    }
  } finally {
    await sql`delete from public.modules where id = ${id}`;
    await sql.end();
  }
  const help = await new Deno.Command(Deno.execPath(), {
    args: ['task', '-q', 'modules:upgrade', '--help'],
    cwd: new URL('../../', import.meta.url).pathname,
    stdout: 'piped',
  }).output();
  const text = new TextDecoder().decode(help.stdout);
  assert.equal(help.code, 0);
  assert.match(text, /^Usage: deno task modules:upgrade <module>/);
  assert.match(
    text,
    /Exit codes: 0 every tenant upgraded or already current; 2 some tenants blocked/,
  );
});

Deno.test('modules:upgrade names an unknown module, an unknown version, an unreachable database', async () => {
  const unknown = await runTask('upgrade', 'zz_no_such_module');
  assert.equal(unknown.code, 1);
  assert.match(
    unknown.stderr,
    /^error: unknown module "zz_no_such_module": public\.modules has no such id \(/m,
  );
  const version = await runTask('upgrade', 'agency', '--to', '9.9.9');
  assert.equal(version.code, 1);
  assert.match(
    version.stderr,
    /^error: module "agency" has no version 9\.9\.9 \(published: 1\.0\.0/m,
  );
  const unreachable = await runTask(
    'upgrade',
    'agency',
    '--db-url',
    'postgresql://postgres:secret@127.0.0.1:1/postgres',
  );
  assert.equal(unreachable.code, 1);
  assert.match(
    unreachable.stderr,
    /^error: cannot reach the database at postgresql:\/\/postgres:\*\*\*@127\.0\.0\.1:1\/postgres/m,
  );
});

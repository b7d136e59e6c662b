/**
 * The README's worked example of versions, migrations, dependencies and upgrades, followed against
 * the test stack with the module files, commands and answers it shows (its `<!-- versions example:
 * … -->` blocks), under fixture ids: `timesheets` and `crm` become `zz_…` modules.
 */
import assert from 'node:assert/strict';
import { ROOT } from '../../scripts/stack/project.ts';
import { stack } from '../_support/env.ts';
import { connect, createWorld } from '../_support/fixtures.ts';
import { fixtureId } from '../_support/module-files.ts';
import { runTask } from './tasks.ts';

const EXAMPLE = /<!-- versions example: (.+?) -->\s*```\w*\n([\s\S]*?)\n```/g;

/** The README's example blocks by name, with the module ids replaced by `ids`. */
async function exampleBlocks(ids: Record<string, string>): Promise<Map<string, string>> {
  const readme = await Deno.readTextFile(`${ROOT}/README.md`);
  const rename = (text: string) =>
    Object.entries(ids).reduce(
      (t, [from, to]) => t.replace(new RegExp(`\\b${from}\\b`, 'g'), to),
      text,
    );
  return new Map([...readme.matchAll(EXAMPLE)].map((m) => [m[1], rename(m[2])]));
}

Deno.test('the README worked example publishes, refuses, upgrades and reports as it shows', async () => {
  const ids = { timesheets: fixtureId('timesheets'), crm: fixtureId('crm') };
  const blocks = await exampleBlocks(ids);
  const block = (name: string) => {
    const text = blocks.get(name);
    assert.ok(text, `README block "${name}"`);
    return text;
  };
  const w = await createWorld();
  const dir = await Deno.makeTempDir({ prefix: 'readme-example-' });
  try {
    // 1. Version 1.0.0, installed.
    await Deno.writeTextFile(
      `${dir}/${ids.timesheets}.json`,
      block('supabase/modules/timesheets.json 1.0.0'),
    );
    const first = await runTask('publish', '--dir', dir);
    assert.equal(first.code, 0, first.stderr);
    await w.install(ids.timesheets, { settings: { approver: 'owner@demo.test' } });
    const installed = JSON.parse(block('installed 1.0.0'));
    const [row1] = await w.sql`
      select module_id, version, settings from public.tenant_modules
      where tenant_id = ${w.tenantId} and module_id = ${ids.timesheets}`;
    assert.deepEqual({ ...row1 }, installed);

    // 2. Version 2.0.0 and crm, published with agency as in supabase/modules.
    await Deno.copyFile(`${ROOT}/supabase/modules/agency.json`, `${dir}/agency.json`);
    await Deno.writeTextFile(`${dir}/${ids.crm}.json`, block('supabase/modules/crm.json 1.0.0'));
    await Deno.writeTextFile(
      `${dir}/${ids.timesheets}.json`,
      block('supabase/modules/timesheets.json 2.0.0'),
    );
    const second = await runTask('publish', '--dir', dir);
    assert.equal(second.code, 0, second.stderr);
    assert.equal(second.stdout.trim(), block('publish output'));

    // 3. One tenant: refused without crm (the REST answer shown), then upgraded.
    const rest = (path: string, method: string, body: unknown) =>
      fetch(`${stack.apiUrl}/rest/v1/${path}`, {
        method,
        headers: {
          apikey: stack.anonKey,
          authorization: `Bearer ${w.token('owner')}`,
          'content-type': 'application/json',
        },
        body: JSON.stringify(body),
      });
    const refused = await rest(
      `tenant_modules?tenant_id=eq.${w.tenantId}&module_id=eq.${ids.timesheets}`,
      'PATCH',
      { version: '2.0.0' },
    );
    assert.equal(refused.status, 409);
    assert.deepEqual(await refused.json(), JSON.parse(block('rest 409')));
    await w.install(ids.crm);
    const upgraded = await rest('rpc/upgrade_tenant_module', 'POST', {
      tenant_id: w.tenantId,
      module_id: ids.timesheets,
    });
    assert.equal(upgraded.status, 200);
    const [row2] = await upgraded.json();
    const expected = JSON.parse(block('upgraded 2.0.0'));
    assert.deepEqual(
      { module_id: row2.module_id, version: row2.version, settings: row2.settings },
      expected,
    );

    // 4. Every tenant: this one is already current.
    const report = await runTask('upgrade', ids.timesheets);
    assert.equal(report.code, 0, report.stderr);
    const [head, ...counts] = block('upgrade report').split('\n');
    const [gotHead, ...gotCounts] = report.stdout.trim().split('\n');
    const fixed = head.replace(/ [\d.]+ s, \d+ tenants\/s$/, '');
    assert.ok(gotHead.startsWith(fixed), `${gotHead} starts like ${fixed}`);
    assert.deepEqual(gotCounts, counts);
  } finally {
    await w.close();
    const sql = connect();
    await sql`delete from public.modules where id in (${ids.timesheets}, ${ids.crm})`;
    await sql.end();
    await Deno.remove(dir, { recursive: true });
  }
});

/**
 * The verdict on `supabase db advisors` findings (scripts/stack/advisors.ts): what fails the test
 * command and what it only reports.
 */
import assert from 'node:assert/strict';
import {
  aboutRegistry,
  judgeFindings,
  REGISTRY_TABLES,
} from '../../../../scripts/stack/advisors.ts';

Deno.test('advisors: warnings fail anywhere, info fails only about the registry', () => {
  const finding = (level: string, schema?: string, name?: string) => ({
    name: 'lint',
    level,
    detail: 'x',
    metadata: schema ? { schema, name, type: 'table' } : undefined,
  });
  const team = finding('INFO', 'public', 'helpdesk_tickets');
  const registryTable = finding('INFO', 'public', 'tenant_modules');
  const privateFunction = finding('INFO', 'private', 'user_tenant_ids');
  const teamWarning = finding('WARN', 'public', 'helpdesk_tickets');
  const anonymous = finding('INFO');
  assert.equal(aboutRegistry(team), false);
  assert.equal(aboutRegistry(registryTable), true);
  assert.equal(aboutRegistry(privateFunction), true);
  assert.equal(aboutRegistry(anonymous), true, 'a finding naming no object counts against us');
  const { failing, reported } = judgeFindings([
    team,
    registryTable,
    privateFunction,
    teamWarning,
    anonymous,
  ]);
  assert.deepEqual(reported, [team]);
  assert.deepEqual(failing, [registryTable, privateFunction, teamWarning, anonymous]);
});

Deno.test('the registry tables of the advisors verdict are those of the pgTAP structure test', async () => {
  const structure = await Deno.readTextFile(
    new URL('../../../../supabase/tests/00_structure.sql', import.meta.url),
  );
  const listed = [...structure.matchAll(/insert into registry_tables values (.*);/g)]
    .map((m) => m[1]).join(', ');
  const names = [...listed.matchAll(/'(\w+)'/g)].map((m) => m[1]);
  assert.deepEqual(names.sort(), [...REGISTRY_TABLES].sort());
});

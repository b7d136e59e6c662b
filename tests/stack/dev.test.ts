/**
 * `deno task dev` as a developer meets it: the seven lines (`supabase start`'s five, then the
 * publishable and secret keys), a token per demo user that works, with the new keys and with the
 * legacy ones, the request log, a private database socket, one-line refusals, and Ctrl-C leaving
 * no process behind. Runs a second stack of its own on free ports. Restarts, reloads, db:reset
 * and crashes: dev_lifecycle.test.ts.
 */
import assert from 'node:assert/strict';
import { decodeProtectedHeader } from 'jose';
import postgres from 'postgres';
import { ROOT } from '../../scripts/stack/mod.ts';
import { freePort } from '../../scripts/stack/process.ts';
import {
  assertGroupGone,
  assertPortsFree,
  clusterDir,
  groupMembers,
  killGroup,
  removeStateDir,
  startDev,
  waitFor,
} from '../_support/dev.ts';

const DEMO_TENANT_ID = 'de000000-0000-4000-8000-000000000000';

/** Runs dev expecting it to refuse; returns its output. */
async function refused(env: Record<string, string>): Promise<string> {
  const dev = startDev(env);
  const status = await dev.exited;
  assert.deepEqual(status.code, 1, dev.output());
  return dev.output().trim();
}

Deno.test('dev stack prints its coordinates, serves the API and stops cleanly on Ctrl-C', async () => {
  const state = await Deno.makeTempDir({ dir: `${ROOT}/.stack`, prefix: 'devtest-' });
  const apiPort = freePort();
  const dbPort = freePort();
  const env = { STACK_STATE_DIR: state, API_PORT: String(apiPort), DB_PORT: String(dbPort) };
  const dev = startDev(env);
  try {
    await waitFor(dev, /^Demo tokens /m);
    const out = dev.output();
    const banner = out.slice(out.indexOf('API URL: ')).split('\n').slice(0, 7);
    const lines = [
      `^API URL: http://127\\.0\\.0\\.1:${apiPort}$`,
      `^DB URL: postgresql://postgres:postgres@127\\.0\\.0\\.1:${dbPort}/postgres$`,
      '^anon key: eyJ[\\w.-]+$',
      '^service_role key: eyJ[\\w.-]+$',
      '^JWT secret: super-secret-jwt-token-with-at-least-32-characters-long$',
      '^Publishable key: sb_publishable_ACJWlzQHlZjBrEguHvfOxg_3BJgxAaH$',
      '^Secret key: sb_secret_N7UND0UgjKTVK-Uodkm0Hg_xSvEMPvz$',
    ];
    lines.forEach((line, i) => assert.match(banner[i], new RegExp(line), banner.join('\n')));
    const anonKey = /^anon key: (\S+)$/m.exec(out)![1];
    const publishableKey = /^Publishable key: (\S+)$/m.exec(out)![1];

    const api = `http://127.0.0.1:${apiPort}`;
    const rest = await fetch(`${api}/rest/v1/`, { headers: { apikey: anonKey } });
    assert.deepEqual(rest.status, 200);
    await rest.body?.cancel();
    const fn = await fetch(`${api}/functions/v1/modules`);
    assert.deepEqual(fn.status, 401);
    await fn.body?.cancel();

    // The demo tenant and a ready token per demo user, as the README's walkthrough uses them:
    // ES256 tokens with the publishable key, and HS256 ones (dev.env) with the legacy anon key.
    assert.match(out, new RegExp(`^Demo tenant id: ${DEMO_TENANT_ID}$`, 'm'));
    const token = (role: string) =>
      new RegExp(`^${role} token \\(${role}@demo\\.test\\): (eyJ\\S+)$`, 'm').exec(out)![1];
    assert.deepEqual(decodeProtectedHeader(token('owner')).alg, 'ES256');
    const envFile = await Deno.readTextFile(`${state}/dev.env`);
    const envVar = (name: string) => new RegExp(`^export ${name}=(\\S+)$`, 'm').exec(envFile)?.[1];
    assert.deepEqual(envVar('TENANT_ID'), DEMO_TENANT_ID);
    assert.deepEqual(envVar('OWNER_TOKEN'), token('owner'));
    assert.deepEqual(envVar('PUBLISHABLE_KEY'), publishableKey);
    assert.match(envVar('SECRET_KEY') ?? '', /^sb_secret_/);
    const legacy = (role: string) => envVar(`${role.toUpperCase()}_TOKEN_HS256`)!;
    assert.deepEqual(decodeProtectedHeader(legacy('owner')).alg, 'HS256');
    const systems = [
      ['new keys', publishableKey, token],
      ['legacy keys', anonKey, legacy],
    ] as const;
    const tenantUrl = `${api}/functions/v1/modules/tenants/${DEMO_TENANT_ID}`;
    for (const [system, apikey, tokenOf] of systems) {
      const asMemberRest = await fetch(`${api}/rest/v1/tenants?select=id`, {
        headers: { apikey, authorization: `Bearer ${tokenOf('member')}` },
      });
      assert.deepEqual(await asMemberRest.json(), [{ id: DEMO_TENANT_ID }], system);
      const asOwner = await fetch(tenantUrl, {
        headers: { authorization: `Bearer ${tokenOf('owner')}` },
      });
      assert.deepEqual([asOwner.status, await asOwner.json()], [200, []], system);
      const asMember = await fetch(tenantUrl, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${tokenOf('member')}`,
          'content-type': 'application/json',
        },
        body: JSON.stringify({ module_id: 'agency' }),
      });
      assert.deepEqual(asMember.status, 403, `${system}: ${await asMember.text()}`);
    }

    // Every function request is logged, to the console and to the function's log file.
    const logged = new RegExp(
      `^function modules: POST /functions/v1/modules/tenants/${DEMO_TENANT_ID} 403 \\d+\\.\\d ms$`,
      'm',
    );
    await waitFor(dev, logged, { ms: 10_000 });
    const logFile = await Deno.readTextFile(`${state}/dev/function-modules.log`);
    assert.match(
      logFile,
      new RegExp(`^\\[request\\] \\S+ GET /functions/v1/modules 401 [\\d.]+ ms$`, 'm'),
    );

    // The database: its socket folder is private, and no local connection goes without a password.
    const socketDir = `${await clusterDir(state)}/socket`;
    assert.deepEqual((await Deno.stat(socketDir)).mode! & 0o777, 0o700);
    for (const user of ['authenticator', 'postgres']) {
      const sql = postgres({ path: `${socketDir}/.s.PGSQL.${dbPort}`, user, database: 'postgres' });
      await assert.rejects(sql`select 1`, `a local connection as ${user} needs a password`);
      await sql.end();
    }

    // A second start while this one runs: one line, no stack trace.
    const second = await refused({
      ...env,
      API_PORT: String(freePort()),
      DB_PORT: String(freePort()),
    });
    assert.deepEqual(second.split('\n').length, 1, second);
    assert.match(second, /already running/);

    assert.ok((await groupMembers(dev.pgid)).length >= 3, 'postgres, postgrest and a function run');

    // Ctrl-C: the terminal signals the whole foreground process group.
    Deno.kill(-dev.pgid, 'SIGINT');
    const status = await dev.exited;
    assert.deepEqual(status.code, 0, dev.output());
    assert.match(dev.output(), /Stopped\./);
    await assertGroupGone(dev.pgid, 0);
    await assertPortsFree([apiPort, dbPort]);
    await assert.rejects(Deno.stat(`${state}/dev.env`), Deno.errors.NotFound);
  } finally {
    await killGroup(dev);
    await removeStateDir(state);
  }
});

Deno.test('dev stack refuses a port already taken in one line', async () => {
  const state = await Deno.makeTempDir({ dir: `${ROOT}/.stack`, prefix: 'devtest-' });
  const listener = Deno.listen({ hostname: '127.0.0.1', port: 0 });
  try {
    const port = (listener.addr as Deno.NetAddr).port;
    const out = await refused({
      STACK_STATE_DIR: state,
      API_PORT: String(port),
      DB_PORT: String(freePort()),
    });
    assert.deepEqual(out.split('\n').length, 1, out);
    assert.match(out, new RegExp(`^error: port ${port} \\(API\\) is already in use`));
  } finally {
    listener.close();
    await Deno.remove(state, { recursive: true }).catch(() => {});
  }
});

/** Runs dev with `env` added, expecting a one-line refusal before anything starts; returns it. */
async function refusedBeforeStart(env: Record<string, string>): Promise<string> {
  const state = await Deno.makeTempDir({ dir: `${ROOT}/.stack`, prefix: 'devtest-' });
  try {
    const out = await refused({
      STACK_STATE_DIR: state,
      API_PORT: String(freePort()),
      DB_PORT: String(freePort()),
      ...env,
    });
    assert.deepEqual(out.split('\n').length, 1, out);
    await assert.rejects(() => Deno.stat(`${state}/dev`), Deno.errors.NotFound, 'nothing started');
    return out;
  } finally {
    await Deno.remove(state, { recursive: true }).catch(() => {});
  }
}

Deno.test('dev stack explains a missing PostgreSQL install in one line', async () => {
  const out = await refusedBeforeStart({ PG_BIN: '/nonexistent/postgresql/bin' });
  assert.match(out, /^error: .*PostgreSQL.*install PostgreSQL 15/);
});

Deno.test('dev stack explains an unusable PostgREST in one line before starting anything', async () => {
  const out = await refusedBeforeStart({ POSTGREST_BIN: '/nonexistent/postgrest' });
  assert.match(out, /^error: POSTGREST_BIN=\/nonexistent\/postgrest cannot be run/);
});

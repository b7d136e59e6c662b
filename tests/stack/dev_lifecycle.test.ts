/**
 * The dev stack across its life, on a copy of the project (STACK_PROJECT_DIR) with a `hello`
 * function of its own, so that the test can edit code and add a migration without touching
 * supabase/: data survives restarts, a new migration is applied at the next start, function code
 * is reloaded on save, a crashed function host comes back, db:reset works with the stack running
 * or stopped, and no signal (SIGTERM to npm, SIGKILL to dev.ts) leaves a process behind.
 */
import assert from 'node:assert/strict';
import postgres from 'postgres';
import { LocalPostgres } from '../../scripts/stack/postgres.ts';
import { ROOT } from '../../scripts/stack/mod.ts';
import { freePort } from '../../scripts/stack/process.ts';
import { readState } from '../../scripts/stack/state.ts';
import {
  assertGroupGone,
  assertPortsFree,
  type DevProcess,
  groupMembers,
  killGroup,
  removeStateDir,
  startDev,
  waitFor,
} from '../_support/dev.ts';

const DEMO_TENANT_ID = 'de000000-0000-4000-8000-000000000000';
const SERVICE_ROLE_KEY = /^service_role key: (\S+)$/m;

/** A copy of the project's supabase/ (config, migrations, seeds) with only a `hello` function. */
async function makeProject(dir: string): Promise<string> {
  const copy = async (from: string, to: string) => {
    await Deno.mkdir(to, { recursive: true });
    for await (const entry of Deno.readDir(from)) {
      if (entry.isDirectory) await copy(`${from}/${entry.name}`, `${to}/${entry.name}`);
      else await Deno.copyFile(`${from}/${entry.name}`, `${to}/${entry.name}`);
    }
  };
  for (const part of ['migrations', 'seeds', 'modules']) {
    await copy(`${ROOT}/supabase/${part}`, `${dir}/supabase/${part}`);
  }
  for (const file of ['config.toml', 'seed.sql']) {
    await Deno.copyFile(`${ROOT}/supabase/${file}`, `${dir}/supabase/${file}`);
  }
  await Deno.mkdir(`${dir}/supabase/functions/hello`, { recursive: true });
  await Deno.mkdir(`${dir}/supabase/functions/_shared`, { recursive: true });
  await Deno.writeTextFile(
    `${dir}/supabase/functions/_shared/greeting.ts`,
    `export const greeting = 'Hello';\n`,
  );
  await Deno.writeTextFile(
    `${dir}/supabase/functions/hello/index.ts`,
    `import { greeting } from '../_shared/greeting.ts';\n` +
      `console.log('hello: booted');\n` +
      'export default { fetch: () => new Response(`${greeting} v1`) };\n',
  );
  return dir;
}

/** Replaces `from` with `to` in a file, as an editor saving it would. */
async function edit(path: string, from: string, to: string): Promise<void> {
  const text = await Deno.readTextFile(path);
  assert.ok(text.includes(from), `${path} holds ${from}`);
  await Deno.writeTextFile(path, text.replace(from, to));
}

async function runDbReset(env: Record<string, string>): Promise<string> {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ['run', '--allow-all', '--config', `${ROOT}/deno.json`, `${ROOT}/scripts/db-reset.ts`],
    env,
    stdin: 'null',
  }).output();
  const text = new TextDecoder().decode(out.stdout) + new TextDecoder().decode(out.stderr);
  assert.ok(out.success, text);
  return text;
}

Deno.test({
  name: 'dev stack keeps its data, applies new migrations, reloads functions and leaves nothing',
  sanitizeOps: false,
  sanitizeResources: false,
  fn: async (t) => {
    const base = await Deno.makeTempDir({ dir: `${ROOT}/.stack`, prefix: 'devtest-' });
    const project = await makeProject(`${base}/project`);
    const state = `${base}/state`;
    const apiPort = freePort();
    const dbPort = freePort();
    const env = {
      STACK_STATE_DIR: state,
      STACK_PROJECT_DIR: project,
      API_PORT: String(apiPort),
      DB_PORT: String(dbPort),
    };
    const api = `http://127.0.0.1:${apiPort}`;
    const hello = `${project}/supabase/functions/hello/index.ts`;
    const started: DevProcess[] = [];
    const start = async (options: { npm?: boolean } = {}) => {
      const dev = startDev(env, options);
      started.push(dev);
      await waitFor(dev, /^Logs: /m);
      return dev;
    };
    const sql = () =>
      postgres(`postgresql://postgres:postgres@127.0.0.1:${dbPort}/postgres`, {
        max: 1,
        onnotice: () => {},
      });
    const tenantNames = async () => {
      const db = sql();
      try {
        return (await db<{ name: string }[]>`select name from public.tenants order by name`)
          .map((r) => r.name);
      } finally {
        await db.end();
      }
    };
    const addTenant = async (name: string) => {
      const db = sql();
      await db`insert into public.tenants (name) values (${name})`.finally(() => db.end());
    };
    const callHello = async (anonKey: string) => {
      const res = await fetch(`${api}/functions/v1/hello`, {
        headers: { authorization: `Bearer ${anonKey}` },
      });
      return `${res.status} ${await res.text()}`;
    };

    try {
      await t.step(
        'npm run dev: functions reload on save and after a crash; SIGTERM to npm stops all',
        async () => {
          const dev = await start({ npm: true });
          const anon = /^anon key: (\S+)$/m.exec(dev.output())![1];
          assert.match(dev.output(), /^loading supabase\/seeds\/demo\.sql…$/m);
          assert.deepEqual(await tenantNames(), ['Demo Tenant']);
          await addTenant('Kept across restarts');
          assert.deepEqual(await callHello(anon), '200 Hello v1');

          let mark = dev.output().length;
          await edit(hello, 'v1', 'v2');
          await waitFor(dev, /^function hello: files changed, reloading…$/m, { after: mark });
          assert.deepEqual(
            await callHello(anon),
            '200 Hello v2',
            'the next request runs the new code',
          );

          mark = dev.output().length;
          await edit(`${project}/supabase/functions/_shared/greeting.ts`, 'Hello', 'Bonjour');
          await waitFor(dev, /^function hello: files changed, reloading…$/m, { after: mark });
          assert.deepEqual(await callHello(anon), '200 Bonjour v2', 'shared code is reloaded too');

          // config.toml naming another entrypoint restarts the function on it, as serve would.
          const config = `${project}/supabase/config.toml`;
          const shipped = await Deno.readTextFile(config);
          mark = dev.output().length;
          await Deno.writeTextFile(
            `${project}/supabase/functions/hello/v3.ts`,
            "export default { fetch: () => new Response('v3') };\n",
          );
          await waitFor(dev, /^function hello: reloaded$/m, { after: mark });
          assert.deepEqual(
            await callHello(anon),
            '200 Bonjour v2',
            'index.ts still the entrypoint',
          );
          for (
            const [toml, body] of [
              [`${shipped}\n[functions.hello]\nentrypoint = "./functions/hello/v3.ts"\n`, 'v3'],
              [shipped, 'Bonjour v2'],
            ]
          ) {
            mark = dev.output().length;
            await Deno.writeTextFile(config, toml);
            await waitFor(dev, /^function hello: files changed, reloading…$/m, { after: mark });
            assert.deepEqual(await callHello(anon), `200 ${body}`);
          }

          // A module file saved while the stack runs is published at once; a refused one is said.
          const moduleFile = `${project}/supabase/modules/zz-live.json`;
          const module = { id: 'zz-live', name: 'Live', version: '1.0.0', settings_schema: null };
          mark = dev.output().length;
          await Deno.writeTextFile(moduleFile, JSON.stringify(module));
          await waitFor(dev, /^supabase\/modules changed \(zz-live\.json\): published$/m, {
            after: mark,
          });
          const catalogVersion = async () => {
            const db = sql();
            try {
              return (await db`select version from public.modules where id = 'zz-live'`)[0]
                ?.version;
            } finally {
              await db.end();
            }
          };
          assert.equal(await catalogVersion(), '1.0.0');
          mark = dev.output().length;
          await Deno.writeTextFile(
            moduleFile,
            JSON.stringify({ ...module, version: '1.1.0', settings_schema: { oneOf: [] } }),
          );
          await waitFor(
            dev,
            /^supabase\/modules changed \(zz-live\.json\): supabase\/modules could not be published: zz-live: unsupported settings schema/m,
            { after: mark },
          );
          assert.equal(await catalogVersion(), '1.0.0', 'a refused file changes nothing');
          await Deno.remove(moduleFile);

          const host = (await readState(`${state}/dev`))!.processes.find((p) =>
            p.name === 'function hello'
          )!;
          mark = dev.output().length;
          Deno.kill(host.pid, 'SIGKILL');
          await waitFor(
            dev,
            /^function hello crashed \(exit code 137\); restarting it\. Last lines of .*function-hello\.log:\n {2}.*\n(?: {2}.*\n)*/m,
            { after: mark },
          );
          assert.match(dev.output().slice(mark), /^ {2}hello: booted$/m, 'its last log lines');
          assert.deepEqual(await callHello(anon), '200 Bonjour v2', 'a new host serves');

          assert.match(
            dev.output(),
            /^function hello: GET \/functions\/v1\/hello 200 \d+\.\d ms$/m,
          );
          const log = await Deno.readTextFile(`${state}/dev/function-hello.log`);
          assert.match(log, /^\[request\] \S+ GET \/functions\/v1\/hello 200 [\d.]+ ms$/m);
          assert.match(log, /^\[stack\] the host of function hello exited unexpectedly/m);

          Deno.kill(dev.pid, 'SIGTERM'); // npm itself, as `kill <npm pid>`
          await assertGroupGone(dev.pgid);
          await assertPortsFree([apiPort, dbPort]);
        },
      );

      let crashed: DevProcess | undefined;
      await t.step(
        'a restart keeps the data and applies a new migration; db:reset in place',
        async () => {
          await Deno.writeTextFile(
            `${project}/supabase/migrations/29991231000000_lifecycle_probe.sql`,
            'create table public.lifecycle_probe (id int primary key);\n' +
              'insert into public.lifecycle_probe values (1);\n',
          );
          const dev = crashed = await start();
          assert.doesNotMatch(dev.output(), /loading supabase\/seed/, 'no seed on a kept database');
          assert.deepEqual(await tenantNames(), ['Demo Tenant', 'Kept across restarts']);
          const serviceKey = SERVICE_ROLE_KEY.exec(dev.output())![1];
          const probe = async () => {
            const res = await fetch(`${api}/rest/v1/lifecycle_probe`, {
              headers: { apikey: serviceKey },
            });
            return `${res.status} ${await res.text()}`;
          };
          assert.deepEqual(await probe(), '200 [{"id":1}]', 'PostgREST serves the new table');

          const out = await runDbReset(env);
          assert.match(out, /running local stack/);
          assert.deepEqual(await tenantNames(), ['Demo Tenant'], 'data gone, seed back');
          assert.deepEqual(await probe(), '200 [{"id":1}]', 'the stack serves the rebuilt schema');
          const anon = /^anon key: (\S+)$/m.exec(dev.output())![1];
          assert.deepEqual(await callHello(anon), '200 Bonjour v2');

          await addTenant('Written before a crash');
          // A crash that takes the watchdog along leaves PostgreSQL and PostgREST running.
          const watchdog = (await groupMembers(dev.pgid)).find((p) => p.includes('watchdog.sh'))!;
          Deno.kill(Number(watchdog.split(' ')[0]), 'SIGKILL');
          Deno.kill(dev.pid, 'SIGKILL');
          await dev.exited;
        },
      );

      await t.step(
        'the next start stops what a crash left; SIGKILL of dev.ts leaves nothing',
        async () => {
          const left = (await readState(`${state}/dev`))!.processes;
          const pids = (name: string) => left.filter((p) => p.name === name).map((p) => p.pid);
          const dev = await start();
          for (const name of ['PostgreSQL', 'PostgREST']) {
            assert.match(
              dev.output(),
              new RegExp(`^stopped a leftover ${name} \\(pid ${pids(name)[0]}\\) .*$`, 'm'),
            );
          }
          await assertGroupGone(crashed!.pgid, 0);
          assert.deepEqual(await tenantNames(), ['Demo Tenant', 'Written before a crash']);

          Deno.kill(dev.pid, 'SIGKILL');
          await assertGroupGone(dev.pgid);
          await assertPortsFree([apiPort, dbPort]);
        },
      );

      await t.step('db:reset with the stack stopped rebuilds the kept database', async () => {
        assert.match(await runDbReset(env), /resetting the database in /);
        const db = await LocalPostgres.start({ dir: `${state}/dev/postgres`, port: freePort() });
        try {
          const client = db.connect({ max: 1 });
          const rows = await client`select id::text, name from public.tenants`;
          await client.end();
          assert.deepEqual(rows.map((r) => [r.id, r.name]), [[DEMO_TENANT_ID, 'Demo Tenant']]);
        } finally {
          await db.stop();
        }
      });
    } finally {
      for (const dev of started) await killGroup(dev);
      await removeStateDir(state);
      await Deno.remove(base, { recursive: true }).catch(() => {});
    }
  },
});

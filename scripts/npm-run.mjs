#!/usr/bin/env node
// `npm run dev` / `npm test` on a machine that has only Node.js and npm: checks the Node.js version
// against package.json's "engines", installs what is missing (the npm packages of
// package-lock.json with `npm ci`; pgTAP and pg_prove from Debian when running as root on Debian,
// else a message naming the packages), then runs the Deno task of the same name with the Deno
// binary the `deno` npm package ships.
// Plain syntax on purpose (no `?.`, `??`, `node:` imports): an old Node must get as far as the
// version check and say what it needs instead of failing on a SyntaxError.
//
// Nothing it starts outlives it: SIGINT and SIGTERM are passed on; when its parent dies (npm's
// shell dies of the SIGTERM npm passes on, without passing it further), it stops the task; and the
// task's standard input is a pipe from this process (STACK_LIFELINE=stdin), whose end tells
// scripts/dev.ts and scripts/test.ts that this process is gone, even after a SIGKILL.
import { spawn, spawnSync } from 'child_process';
import { createHash } from 'crypto';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'fs';
import { dirname, join } from 'path';
import { fileURLToPath } from 'url';
import { nodeVersionProblem } from './node-version.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const task = process.argv[2] || 'test';
const args = process.argv.slice(3);

function say(line) {
  console.error('[' + task + '] ' + line);
}

function requireNode() {
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
  const problem = nodeVersionProblem(process.versions.node, (pkg.engines || {}).node);
  if (!problem) return;
  say(problem);
  process.exit(1);
}

/** What the installed node_modules were made from: package.json and package-lock.json. */
function lockStamp() {
  const hash = createHash('sha256');
  hash.update(readFileSync(join(root, 'package.json')));
  hash.update(readFileSync(join(root, 'package-lock.json')));
  return hash.digest('hex');
}

function installNpmPackages() {
  const stampFile = join(root, 'node_modules', '.npm-run-stamp');
  const stamp = lockStamp();
  let installed = '';
  try {
    installed = readFileSync(stampFile, 'utf8').trim();
  } catch (_) { /* not installed by this script yet */ }
  if (installed === stamp && existsSync(join(root, 'node_modules', '.bin', 'deno'))) return;
  say(
    existsSync(join(root, 'node_modules'))
      ? 'package.json or package-lock.json changed: reinstalling npm packages (npm ci)…'
      : 'installing npm packages (npm ci, from package-lock.json)…',
  );
  const r = spawnSync('npm', ['ci', '--no-audit', '--no-fund'], { cwd: root, stdio: 'inherit' });
  if (r.status !== 0) process.exit(r.status === null ? 1 : r.status);
  writeFileSync(stampFile, stamp + '\n');
}

function postgresBin() {
  const fromEnv = process.env.PG_BIN;
  if (fromEnv) return existsSync(join(fromEnv, 'initdb')) ? fromEnv : undefined;
  for (const dir of (process.env.PATH || '').split(':')) {
    if (dir && existsSync(join(dir, 'initdb')) && existsSync(join(dir, 'postgres'))) return dir;
  }
  try {
    const versions = readdirSync('/usr/lib/postgresql').filter((v) => /^\d+$/.test(v))
      .sort((a, b) => b - a);
    for (const v of versions) {
      const dir = `/usr/lib/postgresql/${v}/bin`;
      if (existsSync(join(dir, 'initdb'))) return dir;
    }
  } catch (_) { /* not Debian */ }
  return undefined;
}

function requirePostgres() {
  const bin = postgresBin();
  if (bin) return bin;
  say('PostgreSQL server binaries (initdb, postgres) not found. Install PostgreSQL 15:');
  say('  Debian/Ubuntu: sudo apt-get install postgresql-15   macOS: brew install postgresql@15');
  say('  or set PG_BIN to the folder holding initdb and postgres.');
  process.exit(1);
}

function ensurePgtap(bin) {
  const version = spawnSync(join(bin, 'postgres'), ['--version'], { encoding: 'utf8' }).stdout ||
    '';
  const found = /(\d+)\.\d+/.exec(version);
  const major = found ? found[1] : '15';
  const hasProve = spawnSync('sh', ['-c', 'command -v pg_prove'], { stdio: 'ignore' }).status === 0;
  const hasPgtap = existsSync(`/usr/share/postgresql/${major}/extension/pgtap.control`) ||
    existsSync(join(bin, '..', 'share', 'extension', 'pgtap.control')) ||
    existsSync(join(bin, '..', 'share', 'postgresql', 'extension', 'pgtap.control'));
  if (hasProve && hasPgtap) return;
  const packages = [`postgresql-${major}-pgtap`, 'libtap-parser-sourcehandler-pgtap-perl'];
  if (process.getuid && process.getuid() === 0 && existsSync('/etc/debian_version')) {
    say(`installing pgTAP and pg_prove (apt-get install ${packages.join(' ')})…`);
    const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
    const update = spawnSync('apt-get', ['update', '-qq'], { stdio: 'inherit', env });
    const install = update.status === 0 &&
      spawnSync('apt-get', ['install', '-y', '-qq', ...packages], { stdio: 'inherit', env });
    if (install && install.status === 0) return;
    say('apt-get failed; the pgTAP suite will fail until pgTAP and pg_prove are installed.');
    return;
  }
  say(
    `pgTAP and pg_prove are missing: install them, e.g. sudo apt-get install ${packages.join(' ')}`,
  );
  say('(macOS: brew install pgtap). The pgTAP suite fails until they are installed.');
}

requireNode();
installNpmPackages();
const bin = requirePostgres();
if (task === 'test' || task === 'check') ensurePgtap(bin);

/** The processes whose death stops the task: the parent, and npm above npm's shell. */
function parents() {
  const pids = [process.ppid];
  if (process.env.npm_lifecycle_event) {
    const r = spawnSync('ps', ['-o', 'ppid=', '-p', String(process.ppid)], { encoding: 'utf8' });
    const npm = Number((r.stdout || '').trim());
    if (npm > 1) pids.push(npm);
  }
  return pids;
}

function alive(pid) {
  try {
    return process.kill(pid, 0);
  } catch (error) {
    return error.code === 'EPERM';
  }
}

const deno = join(root, 'node_modules', '.bin', 'deno');
const child = spawn(deno, ['task', task].concat(args), {
  cwd: root,
  stdio: ['pipe', 'inherit', 'inherit'],
  env: Object.assign({}, process.env, { STACK_LIFELINE: 'stdin' }),
});
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => child.kill(signal));
}
const watched = parents();
const orphaned = setInterval(() => {
  if (process.ppid !== watched[0] || !watched.every(alive)) {
    clearInterval(orphaned);
    child.kill('SIGTERM');
  }
}, 500);
child.on('exit', (code, signal) => {
  clearInterval(orphaned);
  process.exit(code !== null ? code : signal ? 1 : 0);
});

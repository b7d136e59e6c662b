/** One line about the machine and the cluster a part of the bench ran on. */
import type postgres from 'postgres';

/** The CPU's model name (from /proc/cpuinfo), else the architecture. */
export async function cpuName(): Promise<string> {
  const cpuinfo = await Deno.readTextFile('/proc/cpuinfo').catch(() => '');
  return /model name\s*:\s*(.+)/.exec(cpuinfo)?.[1]?.trim() ?? Deno.build.arch;
}

/**
 * CPU, cores, the PostgreSQL version of the cluster `sql` talks to (run by the stack's `fast`
 * settings) and the 1-minute load average taken just before the part began.
 */
export async function describeCluster(sql: postgres.Sql, loadBefore: number): Promise<string> {
  const cpu = await cpuName();
  const [{ version }] = await sql<{ version: string }[]>`
    select current_setting('server_version') as version`;
  return `${cpu}, ${navigator.hardwareConcurrency} cores; PostgreSQL ${version.split(' ')[0]} ` +
    `(fsync off, shared_buffers 256MB); load average (1 min) just before: ${loadBefore.toFixed(2)}`;
}

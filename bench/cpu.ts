/**
 * CPU time spent by each part of the stack, read from `/proc` (Linux only; elsewhere the
 * snapshots are empty), to tell which part a load saturates.
 */

interface Proc {
  ppid: number;
  /** utime + stime, in clock ticks. */
  ticks: number;
}

async function processes(): Promise<Map<number, Proc>> {
  const procs = new Map<number, Proc>();
  try {
    for await (const entry of Deno.readDir('/proc')) {
      if (!/^\d+$/.test(entry.name)) continue;
      try {
        const stat = await Deno.readTextFile(`/proc/${entry.name}/stat`);
        const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
        procs.set(Number(entry.name), {
          ppid: Number(fields[1]),
          ticks: Number(fields[11]) + Number(fields[12]),
        });
      } catch { /* gone meanwhile */ }
    }
  } catch { /* no /proc */ }
  return procs;
}

/** CPU seconds so far per group: a root pid with its descendants, unless `alone` is set. */
export type CpuGroups = Record<string, { pid: number; alone?: boolean }>;

/** Clock ticks per second of /proc's counters (USER_HZ, 100 on Linux). */
const HZ = 100;

/** CPU seconds used so far by each group. */
export async function cpuSeconds(groups: CpuGroups): Promise<Record<string, number>> {
  const procs = await processes();
  const children = new Map<number, number[]>();
  for (const [pid, p] of procs) {
    children.set(p.ppid, [...(children.get(p.ppid) ?? []), pid]);
  }
  const out: Record<string, number> = {};
  for (const [name, { pid, alone }] of Object.entries(groups)) {
    let ticks = 0;
    const stack = [pid];
    while (stack.length) {
      const p = stack.pop()!;
      ticks += procs.get(p)?.ticks ?? 0;
      if (!alone) stack.push(...(children.get(p) ?? []));
    }
    out[name] = ticks / HZ;
  }
  return out;
}

/** Share of one core each group used between two snapshots taken `seconds` apart (percent). */
export function cpuPercent(
  before: Record<string, number>,
  after: Record<string, number>,
  seconds: number,
): Record<string, number> {
  const out: Record<string, number> = {};
  for (const name of Object.keys(after)) {
    out[name] = Math.round((100 * (after[name] - (before[name] ?? 0))) / seconds);
  }
  return out;
}

/**
 * Throughput under concurrency: N clients, each writing settings one request after another for a
 * fixed time, either each on its own row or all on one hot row. Three writers:
 * - `function`: the `modules` function's merge (one RPC, merged in the database under the row lock);
 * - `baseline`: the function's earlier merge (read, merge in TypeScript, update guarded by
 *   `updated_at`, retry), served by the bench at `/functions/v1/modules-optimistic`;
 * - `rest`: bare `PATCH /rest/v1/tenant_modules` replacing the whole settings object, the cheapest
 *   write of the row there is (it keeps nothing of what others wrote, so lost updates are not
 *   counted for it).
 *
 * Lost updates are counted two ways. Every client writes only its own key with an increasing
 * counter, so (1) afterwards each client's key must hold the last value it was acknowledged for,
 * and (2) on the hot row, every acknowledged response must still hold every other client's value
 * as acknowledged before the request was sent (a merge that overwrote an acknowledged write would
 * show an older value).
 */
import type postgres from 'postgres';
import { type CpuGroups, cpuPercent, cpuSeconds } from './cpu.ts';
import { median, percentile } from './stats.ts';

export interface Target {
  tenantId: string;
  token: string;
}

/** Who writes: see the module comment. */
export type Writer = 'function' | 'baseline' | 'rest';

export const WRITER_LABEL: Record<Writer, string> = {
  function: 'function merge',
  baseline: "today's optimistic merge",
  rest: 'bare REST update',
};

export interface ThroughputResult {
  writer: Writer;
  scenario: 'distinct rows' | 'one hot row';
  clients: number;
  seconds: number;
  /** Writes acknowledged with 200. */
  acknowledged: number;
  /** Non-200 answers by status (e.g. 409 when a baseline merge gave up after its retries). */
  refused: Record<string, number>;
  perSecond: number;
  p50: number;
  p99: number;
  /** Null for `rest`, which overwrites by design. */
  lostUpdates: number | null;
  /** Writes found stored that were never acknowledged (must be 0 too: a refusal writes nothing). */
  unacknowledgedWrites: number | null;
  /** Share of one core each part of the stack used meanwhile (percent). */
  cpu: Record<string, number>;
  /** Every acknowledged write's latency (ms), for combining rounds. */
  latencies: number[];
}

export interface ThroughputOptions {
  apiUrl: string;
  anonKey: string;
  moduleId: string;
  clients: number;
  seconds: number;
  /** Processes whose CPU use is reported. */
  cpuGroups: CpuGroups;
}

const key = (client: number) => `c${String(client).padStart(2, '0')}`;

/** The request `writer` sends for client `c`'s `n`-th write to `target`. */
function request(o: ThroughputOptions, writer: Writer, target: Target, c: number, n: number) {
  const headers = {
    apikey: o.anonKey,
    authorization: `Bearer ${target.token}`,
    'content-type': 'application/json',
  };
  if (writer === 'rest') {
    return {
      url:
        `${o.apiUrl}/rest/v1/tenant_modules?tenant_id=eq.${target.tenantId}&module_id=eq.${o.moduleId}`,
      init: {
        method: 'PATCH',
        headers: {
          ...headers,
          prefer: 'return=representation',
          accept: 'application/vnd.pgrst.object+json',
        },
        body: JSON.stringify({ settings: { [key(c)]: n } }),
      },
    };
  }
  const fn = writer === 'function' ? 'modules' : 'modules-optimistic';
  return {
    url: `${o.apiUrl}/functions/v1/${fn}/tenants/${target.tenantId}/${o.moduleId}/settings`,
    init: { method: 'PATCH', headers, body: JSON.stringify({ [key(c)]: n }) },
  };
}

/**
 * Runs one scenario: client `c` writes to `targets[c % targets.length]` (one target: a hot row).
 */
export async function runThroughput(
  sql: postgres.Sql,
  targets: Target[],
  o: ThroughputOptions,
  writer: Writer,
): Promise<ThroughputResult> {
  const hot = targets.length === 1;
  const merges = writer !== 'rest';
  const acked = new Array<number>(o.clients).fill(0);
  const latency: number[] = [];
  const refused: Record<string, number> = {};
  let lost = 0;
  let unacknowledged = 0;

  const client = async (c: number, deadline: number) => {
    const target = targets[c % targets.length];
    let n = 0;
    while (performance.now() < deadline) {
      n++;
      const before = hot && merges ? [...acked] : undefined;
      const { url, init } = request(o, writer, target, c, n);
      const start = performance.now();
      let res: Response;
      let text: string;
      try {
        res = await fetch(url, init);
        text = await res.text();
      } catch {
        refused.network = (refused.network ?? 0) + 1;
        continue;
      }
      if (res.status !== 200) {
        refused[res.status] = (refused[res.status] ?? 0) + 1;
        continue;
      }
      latency.push(performance.now() - start);
      const settings = (JSON.parse(text) as { settings: Record<string, number> }).settings;
      if (settings[key(c)] !== n) lost++;
      if (before) {
        for (let d = 0; d < o.clients; d++) {
          if (d !== c && (settings[key(d)] ?? 0) < before[d]) lost++;
        }
      }
      acked[c] = n;
    }
  };

  const cpuBefore = await cpuSeconds(o.cpuGroups);
  const start = performance.now();
  const deadline = start + o.seconds * 1000;
  await Promise.all(Array.from({ length: o.clients }, (_, c) => client(c, deadline)));
  const seconds = (performance.now() - start) / 1000;
  const cpu = cpuPercent(cpuBefore, await cpuSeconds(o.cpuGroups), seconds);

  const result = {
    writer,
    scenario: hot ? 'one hot row' as const : 'distinct rows' as const,
    clients: o.clients,
    seconds,
    acknowledged: latency.length,
    refused,
    perSecond: latency.length / seconds,
    p50: median(latency),
    p99: percentile(latency, 99),
    cpu,
    latencies: latency,
  };
  if (!merges) return { ...result, lostUpdates: null, unacknowledgedWrites: null };

  // Afterwards: every client's key holds its last acknowledged value.
  const rows = await sql<{ tenant_id: string; settings: Record<string, number> }[]>`
    select tenant_id, settings from public.tenant_modules
    where module_id = ${o.moduleId} and tenant_id = any(${targets.map((t) => t.tenantId)})`;
  const byTenant = new Map(rows.map((r) => [r.tenant_id, r.settings]));
  for (let c = 0; c < o.clients; c++) {
    const stored = byTenant.get(targets[c % targets.length].tenantId)?.[key(c)] ?? 0;
    if (stored < acked[c]) lost++;
    if (stored > acked[c]) unacknowledged++;
  }

  return { ...result, lostUpdates: lost, unacknowledgedWrites: unacknowledged };
}

/** Checks that `writer` answers a write before the load starts. */
export async function probe(o: ThroughputOptions, writer: Writer, target: Target): Promise<void> {
  const { url, init } = request(o, writer, target, 0, 0);
  const res = await fetch(url, init);
  const text = await res.text();
  if (res.status !== 200) throw new Error(`${WRITER_LABEL[writer]}: ${res.status} ${text}`);
}

/**
 * One result for several rounds of the same writer and scenario: counts and seconds added up,
 * latencies pooled, CPU shares weighted by each round's length.
 */
export function combine(rounds: ThroughputResult[]): ThroughputResult {
  const seconds = rounds.reduce((n, r) => n + r.seconds, 0);
  const latencies = rounds.flatMap((r) => r.latencies);
  const refused: Record<string, number> = {};
  const cpu: Record<string, number> = {};
  for (const r of rounds) {
    for (const [k, v] of Object.entries(r.refused)) refused[k] = (refused[k] ?? 0) + v;
    for (const [k, v] of Object.entries(r.cpu)) cpu[k] = (cpu[k] ?? 0) + v * r.seconds;
  }
  for (const k of Object.keys(cpu)) cpu[k] = Math.round(cpu[k] / seconds);
  const sum = (pick: (r: ThroughputResult) => number | null) =>
    rounds.some((r) => pick(r) === null) ? null : rounds.reduce((n, r) => n + pick(r)!, 0);
  return {
    ...rounds[0],
    seconds,
    acknowledged: latencies.length,
    refused,
    perSecond: latencies.length / seconds,
    p50: median(latencies),
    p99: percentile(latencies, 99),
    lostUpdates: sum((r) => r.lostUpdates),
    unacknowledgedWrites: sum((r) => r.unacknowledgedWrites),
    cpu,
    latencies,
  };
}

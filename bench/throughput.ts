/**
 * Throughput under concurrency: N clients, each sending settings merges through the function one
 * after another for a fixed time, either each on its own row or all on one hot row.
 *
 * Lost updates are counted two ways. Every client writes only its own key with an increasing
 * counter, so (1) afterwards each client's key must hold the last value it was acknowledged for,
 * and (2) on the hot row, every acknowledged response must still hold every other client's value
 * as acknowledged before the request was sent (a merge that overwrote an acknowledged write would
 * show an older value).
 */
import type postgres from 'postgres';
import { type CpuGroups, cpuPercent, cpuSeconds } from './cpu.ts';
import { call } from './http.ts';
import { median, percentile } from './stats.ts';

export interface Target {
  tenantId: string;
  token: string;
}

export interface ThroughputResult {
  scenario: 'distinct rows' | 'one hot row';
  clients: number;
  seconds: number;
  /** Merges acknowledged with 200. */
  acknowledged: number;
  /** Non-200 answers by status (e.g. 409 when a merge gave up after its retries). */
  refused: Record<string, number>;
  perSecond: number;
  p50: number;
  p99: number;
  lostUpdates: number;
  /** Writes found stored that were never acknowledged (must be 0 too: a refusal writes nothing). */
  unacknowledgedWrites: number;
  /** Share of one core each part of the stack used meanwhile (percent). */
  cpu: Record<string, number>;
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

/**
 * Runs one scenario: client `c` writes to `targets[c % targets.length]` (one target: a hot row).
 */
export async function runThroughput(
  sql: postgres.Sql,
  targets: Target[],
  o: ThroughputOptions,
): Promise<ThroughputResult> {
  const hot = targets.length === 1;
  const acked = new Array<number>(o.clients).fill(0);
  const latency: number[] = [];
  const refused: Record<string, number> = {};
  let lost = 0;
  let unacknowledged = 0;

  const client = async (c: number, deadline: number) => {
    const target = targets[c % targets.length];
    const url =
      `${o.apiUrl}/functions/v1/modules/tenants/${target.tenantId}/${o.moduleId}/settings`;
    const headers = { apikey: o.anonKey, authorization: `Bearer ${target.token}` };
    let n = 0;
    while (performance.now() < deadline) {
      n++;
      const before = hot ? [...acked] : undefined;
      const start = performance.now();
      let res: Response;
      let text: string;
      try {
        res = await fetch(url, {
          method: 'PATCH',
          headers: { ...headers, 'content-type': 'application/json' },
          body: JSON.stringify({ [key(c)]: n }),
        });
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

  const acknowledged = latency.length;
  return {
    scenario: hot ? 'one hot row' : 'distinct rows',
    clients: o.clients,
    seconds,
    acknowledged,
    refused,
    perSecond: acknowledged / seconds,
    p50: median(latency),
    p99: percentile(latency, 99),
    lostUpdates: lost,
    unacknowledgedWrites: unacknowledged,
    cpu,
  };
}

/** Checks that the function answers a merge before the load starts. */
export async function probe(o: ThroughputOptions, target: Target): Promise<void> {
  await call(
    'PATCH',
    `${o.apiUrl}/functions/v1/modules/tenants/${target.tenantId}/${o.moduleId}/settings`,
    { apikey: o.anonKey, authorization: `Bearer ${target.token}` },
    { warmup: null },
    200,
  );
}

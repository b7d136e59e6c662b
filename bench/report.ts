/**
 * Turns the measurements into the summary table (stdout and `bench/results.md`), the detailed
 * report and the latency-vs-size chart (hand-written SVG).
 */
import type { PairResult, Series } from './http.ts';
import type { ReadResult, Shape, Variant } from './sql.ts';
import { count, median, ms, percentile, ratio } from './stats.ts';
import { type ThroughputResult, type Writer, WRITER_LABEL } from './throughput.ts';
import type { VersionsResult } from './versions.ts';

export interface Machine {
  cpu: string;
  cores: number;
  memoryGiB: number;
  os: string;
  postgres: string;
  postgrest: string;
  deno: string;
  /** 1-minute load average just before the run: other work on the machine skews the numbers. */
  loadBefore: number;
}

export interface LoadPhase {
  label: string;
  tenants: number;
  rows: number;
  seconds: number;
}

export interface BenchResults {
  startedAt: string;
  seconds: number;
  command: string;
  machine: Machine;
  load: LoadPhase[];
  sizes: Record<string, number>;
  /** Reads in each shape, at the small then the large size. */
  reads: Record<Shape, [ReadResult, ReadResult]>;
  http: PairResult[];
  /** The function's floor: a request it refuses before any database call. */
  floor: Series;
  throughput: ThroughputResult[];
  /** Issue 9 against its parent commit (its own summary and section: versions-report.ts). */
  versions: VersionsResult;
  settings: {
    sqlRounds: number;
    httpRounds: number;
    clients: number;
    seconds: number;
    /** Throughput: each writer's seconds split into this many alternating rounds. */
    rounds: number;
  };
}

/** One line of the summary table. */
export interface SummaryRow {
  target: string;
  measurement: string;
  result: string;
  verdict: 'met' | 'not met' | 'info';
}

const LABEL: Record<Variant, string> = {
  ours: 'ours (RLS)',
  service: 'service_role + filter',
  naive: 'original policy',
};

const rowsLabel = (n: number) =>
  n >= 1_000_000 ? `${n / 1_000_000}M` : n >= 1000 ? `${n / 1000}k` : String(n);

const verdict = (ok: boolean): SummaryRow['verdict'] => ok ? 'met' : 'not met';

/** The summary: one row per target. */
export function summarize(r: BenchResults): SummaryRow[] {
  const rows: SummaryRow[] = [];
  const [small, large] = r.reads.postgrest;
  const [plainSmall, plainLarge] = r.reads.plain;
  /** End to end: the PostgREST-shaped read, timed by the client. */
  const e2e = (x: ReadResult, v: Variant) => median(x.latency[v]);
  /** In the database: the plain select's execution time. */
  const db = (x: ReadResult, v: Variant) => median(x.execution[v]);
  const vs = (a: number, b: number) => `${ms(a)} vs ${ms(b)} ms = ${ratio(a / b)}`;

  for (const [x, p] of [[large, plainLarge], [small, plainSmall]]) {
    const q = e2e(x, 'ours') / e2e(x, 'service');
    rows.push({
      target: '1. RLS read overhead ≤ 1.5×',
      measurement: `member lists all ${x.returned.ours} installed modules, ${
        rowsLabel(x.tableRows)
      } rows: ours vs service_role + filter`,
      result: `${vs(e2e(x, 'ours'), e2e(x, 'service'))} end to end; ${
        vs(db(p, 'ours'), db(p, 'service'))
      } in the database`,
      verdict: verdict(q <= 1.5),
    });
  }
  rows.push({
    target: '2. ≥ 100× faster than the original policy',
    measurement: `same listing, ${
      rowsLabel(plainLarge.tableRows)
    } rows, in the database (explain analyze, as Supabase's guide measures)`,
    result: vs(db(plainLarge, 'naive'), db(plainLarge, 'ours')),
    verdict: verdict(db(plainLarge, 'naive') / db(plainLarge, 'ours') >= 100),
  });
  rows.push({
    target: '2. ≥ 100× faster than the original policy',
    measurement: `same listing, ${
      rowsLabel(large.tableRows)
    } rows, end to end (PostgREST's statement, client-timed)${
      large.naiveTimeouts ? `; ${large.naiveTimeouts} naive runs timed out` : ''
    }`,
    result: vs(e2e(large, 'naive'), e2e(large, 'ours')),
    verdict: verdict(e2e(large, 'naive') / e2e(large, 'ours') >= 100),
  });
  rows.push({
    target: '2. ≥ 100× faster than the original policy',
    measurement: `same listing, ${rowsLabel(small.tableRows)} rows: in the database; end to end`,
    result: `${vs(db(plainSmall, 'naive'), db(plainSmall, 'ours'))}; ${
      vs(e2e(small, 'naive'), e2e(small, 'ours'))
    }`,
    verdict: 'info',
  });
  rows.push({
    target: '3. latency growth < 2× for 100× the data',
    measurement: `ours, ${rowsLabel(small.tableRows)} → ${
      rowsLabel(large.tableRows)
    } rows, end to end`,
    result: `${ms(e2e(small, 'ours'))} → ${ms(e2e(large, 'ours'))} ms = ${
      ratio(e2e(large, 'ours') / e2e(small, 'ours'))
    }`,
    verdict: verdict(e2e(large, 'ours') / e2e(small, 'ours') < 2),
  });
  rows.push({
    target: '3. latency growth < 2× for 100× the data',
    measurement: `ours, ${rowsLabel(small.tableRows)} → ${
      rowsLabel(large.tableRows)
    } rows, in the database`,
    result: `${ms(db(plainSmall, 'ours'))} → ${ms(db(plainLarge, 'ours'))} ms = ${
      ratio(db(plainLarge, 'ours') / db(plainSmall, 'ours'))
    }`,
    verdict: verdict(db(plainLarge, 'ours') / db(plainSmall, 'ours') < 2),
  });
  for (const v of ['service', 'naive'] as Variant[]) {
    rows.push({
      target: '3. latency growth < 2× for 100× the data',
      measurement: `${LABEL[v]}, ${rowsLabel(small.tableRows)} → ${
        rowsLabel(large.tableRows)
      } rows: end to end; in the database`,
      result: `${ms(e2e(small, v))} → ${ms(e2e(large, v))} ms = ${
        ratio(e2e(large, v) / e2e(small, v))
      }; ${ms(db(plainSmall, v))} → ${ms(db(plainLarge, v))} ms = ${
        ratio(db(plainLarge, v) / db(plainSmall, v))
      }`,
      verdict: 'info',
    });
  }
  for (const p of r.http) {
    const q = median(p.subject.latency) / median(p.baseline.latency);
    const isRls = p.name.startsWith('Read');
    const isMerge = p.name.startsWith('Settings merge');
    rows.push({
      target: isRls
        ? '4. RLS over HTTP ≤ 1.5×'
        : isMerge
        ? '4. merge ≤ 1.5× the bare RPC'
        : '4. function ≤ 1.5× bare REST',
      measurement: p.name,
      result: `${ms(median(p.subject.latency))} vs ${ms(median(p.baseline.latency))} ms = ${
        ratio(q)
      }`,
      verdict: verdict(q <= 1.5),
    });
  }
  rows.push(...throughputRows(r.throughput));
  return rows;
}

const refusedText = (t: ThroughputResult) =>
  Object.entries(t.refused).map(([s, n]) => `${n}×${s}`).join(', ');

/** One throughput run in a few words: rate, latency, lost updates and refusals. */
function runText(t: ThroughputResult): string {
  const lost = t.lostUpdates === null ? '' : `, lost ${t.lostUpdates}`;
  const refused = refusedText(t);
  return `${count(t.perSecond)}/s, p50 ${ms(t.p50)} ms, p99 ${ms(t.p99)} ms${lost}${
    refused ? `, refused ${refused}` : ''
  }`;
}

/** Issue 8's throughput targets: the merge in the database against bare REST and the baseline. */
function throughputRows(runs: ThroughputResult[]): SummaryRow[] {
  const find = (writer: Writer, scenario: ThroughputResult['scenario']) =>
    runs.find((t) => t.writer === writer && t.scenario === scenario);
  const rows: SummaryRow[] = [];
  const fnHot = find('function', 'one hot row');
  const restHot = find('rest', 'one hot row');
  const fnDistinct = find('function', 'distinct rows');
  const baseDistinct = find('baseline', 'distinct rows');
  const clients = runs[0]?.clients ?? 0;
  if (fnHot && restHot) {
    const rate = fnHot.perSecond / restHot.perSecond;
    rows.push({
      target: '5. hot-row merges ≥ 0.5× bare REST updates',
      measurement: `${clients} clients, one hot row: function merges vs bare REST updates`,
      result: `${count(fnHot.perSecond)} vs ${count(restHot.perSecond)}/s = ${ratio(rate)}`,
      verdict: verdict(rate >= 0.5),
    });
    const tail = fnHot.p99 / restHot.p99;
    rows.push({
      target: "5. hot-row p99 ≤ 3× bare REST's",
      measurement: `${clients} clients, one hot row: p99 of function merges vs bare REST updates`,
      result: `${ms(fnHot.p99)} vs ${ms(restHot.p99)} ms = ${ratio(tail)}`,
      verdict: verdict(tail <= 3),
    });
  }
  if (fnDistinct && baseDistinct) {
    const gain = fnDistinct.perSecond / baseDistinct.perSecond;
    rows.push({
      target: "5. distinct-row merges ≥ 1.5× today's",
      measurement: `${clients} clients, distinct rows: function merges vs today's optimistic merge`,
      result: `${count(fnDistinct.perSecond)} vs ${count(baseDistinct.perSecond)}/s = ${
        ratio(gain)
      }`,
      verdict: verdict(gain >= 1.5),
    });
  }
  for (const t of runs) {
    const clean = t.lostUpdates === 0 && t.unacknowledgedWrites === 0 &&
      Object.keys(t.refused).length === 0;
    rows.push({
      target: t.writer === 'function' ? '5. 0 lost updates, 0 non-2xx' : 'for comparison',
      measurement: `${t.clients} clients for ${Math.round(t.seconds)} s, ${t.scenario}: ${
        WRITER_LABEL[t.writer]
      }`,
      result: runText(t),
      verdict: t.writer === 'function' ? verdict(clean) : 'info',
    });
  }
  return rows;
}

/** The summary as a plain-text table for stdout. */
export function textTable(rows: SummaryRow[]): string {
  const head = ['target', 'measurement', 'result', 'verdict'];
  const cells = rows.map((r) => [r.target, r.measurement, r.result, r.verdict]);
  const widths = head.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i].length)));
  const line = (c: string[]) => c.map((x, i) => x.padEnd(widths[i])).join('  ');
  return [line(head), widths.map((w) => '-'.repeat(w)).join('  '), ...cells.map(line)].join('\n');
}

/** The summary as a Markdown table (also what the README shows). */
export function markdownTable(rows: SummaryRow[]): string {
  const mark = { met: '✅ met', 'not met': '❌ not met', info: 'info' };
  return [
    '| target | measurement | result | verdict |',
    '| --- | --- | --- | --- |',
    ...rows.map((r) => `| ${r.target} | ${r.measurement} | ${r.result} | ${mark[r.verdict]} |`),
  ].join('\n');
}

function spread(values: number[]): string {
  return `${ms(median(values))} | ${ms(percentile(values, 10))} | ${ms(percentile(values, 90))} | ${
    ms(percentile(values, 99))
  } | ${values.length}`;
}

/** The full report written to `bench/results.md`; `sections` go before "Reproduce". */
export function markdownReport(
  r: BenchResults,
  rows: SummaryRow[],
  sections: string[] = [],
): string {
  const large = r.reads.postgrest[1];
  const out: string[] = [];
  const m = r.machine;
  out.push(
    '# Benchmark results',
    '',
    `Run on ${r.startedAt} with \`${r.command}\`; ${Math.round(r.seconds)} s in all. ` +
      'Regenerated by every run; medians unless stated.',
    '',
    '## Machine',
    '',
    `- CPU: ${m.cpu}, ${m.cores} cores; memory ${m.memoryGiB} GiB; ${m.os}`,
    `- PostgreSQL ${m.postgres} (fsync off, shared_buffers 256MB: the stack's \`fast\` mode), ` +
      `PostgREST ${m.postgrest} (pool 20), Deno ${m.deno}`,
    `- Load average (1 min) just before the run: ${m.loadBefore.toFixed(2)}`,
    '- Everything on this one machine: PostgreSQL, PostgREST, the function host, the gateway and ' +
      'the benchmark client (which shares its process with the gateway).',
    '',
    '## Summary',
    '',
    markdownTable(rows),
    '',
    "![Latency of the member's listing against data size](latency-vs-size.svg)",
    '',
    '## Data',
    '',
    `${count(r.sizes.tenants)} tenants, ${count(r.sizes.users)} users in \`auth.users\` ` +
      `(an owner per tenant, and one member of ${large.returned.ours / 10} tenants), ` +
      `${count(r.sizes.tenant_members)} memberships, 10 catalog modules, ` +
      `${count(r.sizes.tenant_modules)} \`tenant_modules\` rows and as many in its naive copy.`,
    '',
    '| phase | tenants | tenant_modules rows | load time | rate |',
    '| --- | --- | --- | --- | --- |',
    ...r.load.map((l) =>
      `| ${l.label} | ${count(l.tenants)} | ${count(l.rows)} | ${l.seconds.toFixed(1)} s | ${
        count(l.rows / l.seconds)
      } rows/s |`
    ),
    '',
    'Loaded with set-based `insert … select … from generate_series` as the superuser, in batches ' +
      "of 5,000 tenants, with the migrations' indexes, constraints, foreign keys and triggers in " +
      'place, then `vacuum (analyze)`.',
    '',
    '## 1–3. Reads in SQL',
    '',
    'Each run is a transaction shaped like a PostgREST request: ' +
      "`set_config('role', …, true)`, `set_config('request.jwt.claims', …, true)`, then the read; " +
      'the read alone is timed, from the client (postgres.js, prepared statements, one ' +
      'connection), and the three variants alternate within each round. "PostgREST\'s" shape is ' +
      'the statement PostgREST sends for `GET /rest/v1/tenant_modules`: the rows aggregated into ' +
      "one JSON body (`coalesce(json_agg(_postgrest_t), '[]')`), which it forwards as it is; " +
      'the summary\'s "end to end" figures are its. "Plain select" returns the rows themselves, ' +
      'which the client decodes one by one. "In the database" is the `Execution Time` of ' +
      "`explain (analyze, timing off)`, without the protocol and the client; the summary's " +
      '"in the database" figures are the plain select\'s, which measure the policy and the scan ' +
      'without building the JSON body.',
    '',
    '- **ours**: the member, as `authenticated`, `select … from public.tenant_modules` with no ' +
      'filter; the policy `users_can_view_tenant_modules` ' +
      '(`tenant_id = any ((select private.user_tenant_ids())::uuid[])`) decides.',
    '- **service_role + filter**: `service_role` (bypasses RLS) with the explicit filter ' +
      '`where tenant_id in (select tenant_id from public.tenant_members where user_id = $1)`.',
    '- **original policy**: the member on `bench_naive_tenant_modules`, a copy of ' +
      '`tenant_modules` (same rows, constraints and indexes) whose only policy is the original ' +
      "task's `tenant_id in (select tenant_id from tenant_members where user_id = auth.uid())`.",
    '',
  );
  for (const k of [0, 1]) {
    const x = r.reads.postgrest[k];
    const plain = r.reads.plain[k];
    out.push(
      `### ${count(x.tableRows)} rows (each read returns ${x.returned.ours} rows)`,
      '',
      '| variant | shape | median ms | p10 | p90 | p99 | runs | in the database, median ms |',
      '| --- | --- | --- | --- | --- | --- | --- | --- |',
    );
    for (const [shape, y] of [["PostgREST's", x], ['plain select', plain]] as const) {
      for (const v of ['ours', 'service', 'naive'] as Variant[]) {
        out.push(
          `| ${LABEL[v]} | ${shape} | ${spread(y.latency[v])} | ${ms(median(y.execution[v]))} |`,
        );
      }
    }
    out.push('');
    const timeouts = x.naiveTimeouts + plain.naiveTimeouts;
    if (timeouts) out.push(`${timeouts} naive runs hit the statement timeout.`, '');
  }
  out.push('### Plans of the plain select', '');
  for (const x of r.reads.plain) {
    for (const v of ['ours', 'service', 'naive'] as Variant[]) {
      out.push(
        `<details><summary>${LABEL[v]}, ${count(x.tableRows)} rows</summary>`,
        '',
        '```',
        x.plans[v],
        '```',
        '',
        '</details>',
        '',
      );
    }
  }
  out.push(
    '## 4. Through HTTP',
    '',
    'One client sending requests one after another through the gateway ' +
      '(`/rest/v1` → PostgREST; `/functions/v1/modules` → the function, which calls `/rest/v1` ' +
      "with the caller's token). Each pair alternates within every round; install and " +
      'uninstall are timed separately within a cycle that leaves the data as loaded.',
    '',
    '| pair | side | median ms | p10 | p90 | p99 | runs |',
    '| --- | --- | --- | --- | --- | --- | --- |',
  );
  for (const p of r.http) {
    out.push(
      `| ${p.name} | ${p.subject.label} | ${spread(p.subject.latency)} |`,
      `| | ${p.baseline.label} | ${spread(p.baseline.latency)} |`,
    );
  }
  out.push(
    `| The function's floor: refused before any database call | ${r.floor.label} | ${
      spread(r.floor.latency)
    } |`,
  );
  out.push(
    '',
    '## 5. Throughput',
    '',
    `${r.settings.clients} clients, each writing one request after another for ${r.settings.seconds} s ` +
      `per writer, in ${r.settings.rounds} rounds of ${r.settings.seconds / r.settings.rounds} s ` +
      'taking turns with the writers it is compared with (alternating their order), so that a change ' +
      "in the machine's speed falls on all of them alike; every round starts from empty settings. " +
      'Writes go to the `crm` module (which has a settings schema, so every write is validated by the ' +
      "database), on 50 distinct rows or all on one hot row. Writers: the function's merge " +
      '(`PATCH /functions/v1/modules/tenants/{id}/crm/settings`, one RPC merging in the database); ' +
      "today's optimistic merge (the function's earlier read, merge in TypeScript, update guarded by " +
      '`updated_at`, retry; served as `/functions/v1/modules-optimistic`); and bare ' +
      '`PATCH /rest/v1/tenant_modules`, which replaces the whole settings object. Each merging client ' +
      "writes only its own key with an increasing counter. Lost updates: a client's key not holding " +
      'its last acknowledged value afterwards, or (hot row) an acknowledged response missing a value ' +
      'another client had already been acknowledged for; not counted for bare REST, which overwrites ' +
      'by design.',
    '',
    '| writer | scenario | writes acknowledged | writes/s | p50 ms | p99 ms | refused | lost updates | unacknowledged writes | CPU, % of one core |',
    '| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |',
    ...r.throughput.map((t) =>
      `| ${WRITER_LABEL[t.writer]} | ${t.scenario} | ${count(t.acknowledged)} | ${
        count(t.perSecond)
      } | ${ms(t.p50)} | ${ms(t.p99)} | ${
        Object.entries(t.refused).map(([s, n]) => `${n} × ${s}`).join(', ') || '0'
      } | ${t.lostUpdates ?? 'n/a'} | ${t.unacknowledgedWrites ?? 'n/a'} | ${
        Object.entries(t.cpu).map(([k, v]) => `${k} ${v}`).join(', ')
      } |`
    ),
    '',
  );
  for (const section of sections) out.push(section, '');
  out.push(
    '## Reproduce',
    '',
    '```sh',
    'npm run bench            # or: ./node_modules/.bin/deno task bench',
    '```',
    '',
    'It starts a fresh stack of its own in `.stack/bench-<pid>/` on free ports (so it runs beside ' +
      '`npm run dev`), loads the data, measures, writes this file and `latency-vs-size.svg`, and ' +
      'stops the stack. `--quick` runs a reduced version (10× less data, fewer rounds) and writes ' +
      'to `.stack/bench-quick/` instead. `--only versions` runs section 6 alone on a bare cluster ' +
      'and rewrites only that section.',
    '',
  );
  return out.join('\n');
}

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** One log-log panel of the chart: the three variants at the two sizes. */
function panel(
  title: string,
  reads: [ReadResult, ReadResult],
  value: (x: ReadResult, v: Variant) => number,
  box: { x: number; y: number; w: number; h: number },
  range: [number, number],
): string[] {
  const [lo, hi] = range;
  const xs = reads.map((x) => x.tableRows);
  const xlo = Math.log10(xs[0]) - 0.6, xhi = Math.log10(xs[1]) + 0.6;
  const X = (n: number) => box.x + ((Math.log10(n) - xlo) / (xhi - xlo)) * box.w;
  const Y = (v: number) => box.y + box.h - ((Math.log10(v) - lo) / (hi - lo || 1)) * box.h;
  const parts = [
    `<text x="${box.x + box.w / 2}" y="${box.y - 12}" text-anchor="middle" font-weight="600" ` +
    `fill="#222">${esc(title)}</text>`,
  ];
  for (let e = lo; e <= hi; e++) {
    const y = Y(10 ** e);
    const label = e >= 0 ? `${(10 ** e).toLocaleString('en-US')} ms` : `${10 ** e} ms`;
    parts.push(
      `<line x1="${box.x}" y1="${y}" x2="${box.x + box.w}" y2="${y}" stroke="#e5e5e5"/>`,
      `<text x="${box.x - 8}" y="${y + 4}" text-anchor="end" fill="#555">${label}</text>`,
    );
  }
  parts.push(
    `<line x1="${box.x}" y1="${box.y}" x2="${box.x}" y2="${box.y + box.h}" stroke="#999"/>`,
    `<line x1="${box.x}" y1="${box.y + box.h}" x2="${box.x + box.w}" y2="${
      box.y + box.h
    }" stroke="#999"/>`,
  );
  for (const n of xs) {
    parts.push(
      `<line x1="${X(n)}" y1="${box.y + box.h}" x2="${X(n)}" y2="${
        box.y + box.h + 5
      }" stroke="#999"/>`,
      `<text x="${X(n)}" y="${box.y + box.h + 20}" text-anchor="middle" fill="#333">` +
        `${count(n)} rows</text>`,
    );
  }
  const points = SERIES.map((s) => reads.map((x) => [X(x.tableRows), Y(value(x, s.v))]));
  SERIES.forEach((s, i) => {
    parts.push(
      `<polyline points="${points[i].map((p) => p.join(',')).join(' ')}" fill="none" ` +
        `stroke="${s.color}" stroke-width="2.5"${s.dash ? ` stroke-dasharray="${s.dash}"` : ''}/>`,
      ...points[i].map(([px, py]) => `<circle cx="${px}" cy="${py}" r="4.5" fill="${s.color}"/>`),
    );
  });
  // Value labels beside the points, pushed apart vertically where they would overlap.
  reads.forEach((x, k) => {
    const labels = SERIES.map((s, i) => ({ s, y: points[i][k][1] + 4, v: value(x, s.v) }))
      .sort((a, b) => a.y - b.y);
    for (let i = 1; i < labels.length; i++) {
      labels[i].y = Math.max(labels[i].y, labels[i - 1].y + 15);
    }
    for (const l of labels) {
      parts.push(
        `<text x="${X(x.tableRows) + (k ? 10 : -10)}" y="${l.y}" text-anchor="${
          k ? 'start' : 'end'
        }" fill="${l.s.color}">${ms(l.v)}</text>`,
      );
    }
  });
  return parts;
}

const SERIES: { v: Variant; color: string; dash: string }[] = [
  { v: 'naive', color: '#d1495b', dash: '6 4' },
  { v: 'service', color: '#6c757d', dash: '2 3' },
  { v: 'ours', color: '#2a9d8f', dash: '' },
];

/**
 * Latency of the member's listing against data size for the three variants, log-log, as a
 * standalone SVG: end to end (PostgREST's statement, client-timed) and in the database (the
 * plain select's execution time).
 */
export function chart(reads: Record<Shape, [ReadResult, ReadResult]>): string {
  const W = 860, H = 430;
  const e2e = (x: ReadResult, v: Variant) => median(x.latency[v]);
  const db = (x: ReadResult, v: Variant) => median(x.execution[v]);
  const all = [
    ...reads.postgrest.flatMap((x) => SERIES.map((s) => e2e(x, s.v))),
    ...reads.plain.flatMap((x) => SERIES.map((s) => db(x, s.v))),
  ];
  const range: [number, number] = [
    Math.floor(Math.log10(Math.min(...all))),
    Math.ceil(Math.log10(Math.max(...all))),
  ];
  const n = reads.postgrest[0].returned.ours;
  const parts = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" ` +
    'font-family="system-ui, -apple-system, Segoe UI, Helvetica, Arial, sans-serif" font-size="13">',
    `<rect width="${W}" height="${H}" fill="#ffffff"/>`,
    `<text x="${W / 2}" y="26" text-anchor="middle" font-size="16" font-weight="600" fill="#222">` +
    `A member listing all their installed modules (${n} rows): median latency</text>`,
    ...panel("end to end (PostgREST's statement)", reads.postgrest, e2e, {
      x: 80,
      y: 75,
      w: 290,
      h: 270,
    }, range),
    ...panel('in the database (explain analyze)', reads.plain, db, {
      x: 470,
      y: 75,
      w: 290,
      h: 270,
    }, range),
    `<text x="${W / 2}" y="${H - 42}" text-anchor="middle" fill="#555">` +
    'rows in tenant_modules (log scale); latency in ms (log scale)</text>',
  ];
  SERIES.forEach((s, i) => {
    const x = 150 + i * 210;
    const y = H - 16;
    parts.push(
      `<line x1="${x}" y1="${y - 4}" x2="${x + 28}" y2="${y - 4}" stroke="${s.color}" ` +
        `stroke-width="2.5"${s.dash ? ` stroke-dasharray="${s.dash}"` : ''}/>`,
      `<text x="${x + 34}" y="${y}" fill="#333">${esc(LABEL[s.v])}</text>`,
    );
  });
  parts.push('</svg>', '');
  return parts.join('\n');
}

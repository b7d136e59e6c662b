/**
 * Issue 10's numbers: the summary rows (stdout, README and `bench/results.md`) and the section of
 * `bench/results.md`, both between {@link EVENTS_MARKERS} so that `--only events` refreshes them
 * alone.
 */
import { type Ratio, withinRounds } from './parent.ts';
import { markdownTable, type SummaryRow } from './report.ts';
import { count, median, ms, percentile, ratio } from './stats.ts';
import {
  type Arm,
  CYCLE_MODULE,
  EVENTS_DATABASE,
  EVENTS_PARENT_MIGRATION,
  type EventsResult,
  isFeed,
  type Op,
  type Page,
  PAGES,
  RARE_MODULE,
  type Side,
} from './events.ts';

export const EVENTS_MARKERS = ['<!-- bench:events:start -->', '<!-- bench:events:end -->'];

/** Slower than the parent by at most this factor (issue 10: "at most 15% slower"). */
const TARGET = 1.15;

/** A call's transaction times (ms) of one arm, all rounds. */
const totals = (r: EventsResult, op: Op, arm: Arm) =>
  r.latency.samples[op][arm].flat().map((t) => t.total);

/** `arm` / parent within each round, of the rounds' medians (transaction or statement alone). */
function within(r: EventsResult, op: Op, arm: Arm, part: 'total' | 'statement' = 'total'): Ratio {
  const { parent } = r.latency.samples[op];
  return withinRounds(
    parent.map((p, i) =>
      median(r.latency.samples[op][arm][i].map((t) => t[part])) / median(p.map((t) => t[part]))
    ),
  );
}

/** A ratio the verdict is taken on: three decimals, so that one just past the target reads so. */
const judged = (x: number) => `${x.toFixed(3)}×`;
const spread = (r: Ratio) => `${ratio(r.q1)}–${ratio(r.q3)}`;
const pct = (values: number[]) =>
  `${ms(median(values))} / ${ms(percentile(values, 95))} / ${ms(percentile(values, 99))}`;

/** Merges per second of each round's window. */
const rates = (r: EventsResult, side: Side) =>
  r.throughput.windows[side].map((w) => w.merges / w.seconds);

function hotRow(r: EventsResult): { parent: number; events: number; versus: Ratio } {
  const parent = rates(r, 'parent');
  const events = rates(r, 'events');
  return {
    parent: median(parent),
    events: median(events),
    versus: withinRounds(events.map((e, i) => e / parent[i])),
  };
}

const CALL: Record<Op, string> = {
  install: 'install: `POST /modules/tenants/{id}`, one insert into `tenant_modules`',
  merge: 'settings merge: `PATCH …/{module}/settings`, one call of `merge_tenant_module_settings`',
  uninstall: 'uninstall: `DELETE …/{module}`, one delete from `tenant_modules`',
};

const PAGE_LABEL: Record<Page, string> = {
  newest: 'newest page (`?limit=50`)',
  before: '`?before=` deep in the history (nine tenths of its events newer)',
  module: `one module's page (\`?module_id=${CYCLE_MODULE}\`, a tenth of the events)`,
  rare: `a rarely changed module's page (\`?module_id=${RARE_MODULE}\`: fewer than 51 events)`,
  after: '`?after=` from an old cursor (a tenth of its events older)',
  recent: '`?after=` from a recent cursor (a poller 51 events behind)',
};

const rowsLabel = (n: number) =>
  n >= 1_000_000 ? `${Number((n / 1_000_000).toFixed(1))}M` : `${count(n / 1000)}k`;

/** The summary rows of issue 10's bench. */
export function eventsRows(r: EventsResult): SummaryRow[] {
  const rows: SummaryRow[] = [];
  for (const op of ['install', 'merge', 'uninstall'] as Op[]) {
    const parent = totals(r, op, 'parent');
    const events = totals(r, op, 'events');
    const versus = within(r, op, 'events');
    rows.push({
      target: `7. ${op} ≤ ${TARGET}× the parent's`,
      measurement: `${CALL[op]} (\`${CYCLE_MODULE}\`, schema-checked) as PostgREST runs it for ` +
        'the owner, one transaction; with the audit trigger vs without',
      result: `p50/p95/p99 ${pct(events)} vs ${pct(parent)} ms; within rounds ${
        judged(versus.ratio)
      } (${spread(versus)}); control ${ratio(within(r, op, 'control').ratio)}`,
      verdict: versus.ratio <= TARGET ? 'met' : 'not met',
    });
  }
  const t = r.throughput;
  const h = hotRow(r);
  const all = (side: Side) => t.latency[side];
  rows.push({
    target: `7. hot-row merges ≤ 15% slower (≥ ${(1 / TARGET).toFixed(2)}×)`,
    measurement: `${t.clients} clients merging into one \`${CYCLE_MODULE}\` row, ` +
      `${t.windows.parent.length} rounds of ${t.seconds} s per database, alternately`,
    result: `${count(h.events)} vs ${count(h.parent)} merges/s; within rounds ${
      judged(h.versus.ratio)
    } (${spread(h.versus)}); p50 ${ms(median(all('events')))} vs ${
      ms(median(all('parent')))
    } ms, p99 ${ms(percentile(all('events'), 99))} vs ${
      ms(percentile(all('parent'), 99))
    } ms; lost ${t.lost.events + t.lost.parent}; ${count(t.events.found)} events for ${
      count(t.events.merges)
    } merges`,
    verdict: h.versus.ratio * TARGET >= 1 ? 'met' : 'not met',
  });
  const l = r.listing;
  for (const page of PAGES) {
    rows.push({
      target: `7. events listing at ${rowsLabel(l.tableEvents)} events`,
      measurement: `${PAGE_LABEL[page]}, as a member, of a tenant with ${
        count(l.historyTenantEvents)
      } events`,
      result: `${ms(median(l.latency[page]))} ms (${
        ms(median(l.execution[page]))
      } ms in the database); ${l.scans[page].join(', ') || 'no scan of the events'}`,
      verdict: 'info',
    });
  }
  return rows;
}

/** The section of `bench/results.md` (to go between the markers). */
export function eventsMarkdown(r: EventsResult, rows: SummaryRow[]): string {
  const l = r.listing;
  const t = r.throughput;
  const out: string[] = [
    '## 7. Module events against the parent commit (issue 10)',
    '',
    `Run on ${r.startedAt} with \`${r.command}\`; ${Math.round(r.seconds)} s for this part. ` +
    `${r.machine}.`,
    '',
    `Two databases in the same cluster: \`${EVENTS_DATABASE.parent}\` with the migrations up to ` +
    `\`${EVENTS_PARENT_MIGRATION}\` (issue 10's parent commit: module versions) and ` +
    `\`${EVENTS_DATABASE.events}\` with all of them (the audit trigger ` +
    '`tenant_modules_record_event`), each loaded with the same ' +
    `${count(r.tenants)} tenants (an owner each, ${count(r.rows)} \`tenant_modules\` rows: every ` +
    `module, but \`${CYCLE_MODULE}\` missing on the 2,000 tenants whose owners install it) and a ` +
    `member of 50 of them, with triggers off in ${r.loadSeconds.toFixed(1)} s; then ` +
    `\`${EVENTS_DATABASE.events}\` got ${count(r.fill.events)} events of history as \`postgres\` ` +
    `in ${r.fill.seconds.toFixed(1)} s (${count(r.fill.events / r.fill.seconds)} rows/s, ` +
    "batches of 100,000 with the foreign key check off; a tenth of them one member tenant's, the " +
    'rest spread over every tenant), and both `vacuum (analyze)`.',
    '',
    `- **Install, merge, uninstall**: \`${CYCLE_MODULE}\` (a settings schema, so every write is ` +
    "validated) installed, merged into and uninstalled by the tenant's owner, each call in its " +
    "own transaction as PostgREST runs the function's request: `begin … read write`, the role " +
    '`authenticated` and the JWT claims as transaction-local settings, then the statement ' +
    'PostgREST 12 sends (from its log), then `commit`; timed by the client from `begin` to the end ' +
    `of \`commit\`. ${r.latency.rounds} rounds of ${r.latency.runs} cycles per arm; in each ` +
    'cycle the arms take turns call by call, in every order; each cycle on another tenant. A ' +
    '_control_ arm runs the same on the parent over a second connection (tenants of its own): ' +
    "its distance from the parent is the method's noise. A ratio is the median of the rounds' " +
    `ratios (of the rounds' medians), quartiles in brackets; the verdict compares it with ` +
    `${TARGET}. The cycles wrote ${count(r.latency.events.found)} events in ` +
    `\`${EVENTS_DATABASE.events}\` (expected ${count(r.latency.events.expected)}: installed, ` +
    'settings_changed, uninstalled per cycle).',
    `- **Hot row**: ${t.clients} connections per database, each merging its own key ` +
    `(\`{"c<i>": n}\`) into the same \`${CYCLE_MODULE}\` row as its owner, for ${t.seconds} s; ` +
    `the databases take turns, ${t.windows.parent.length} rounds, the order alternating. After ` +
    "each window the row must hold every client's last acknowledged value (lost: those that do " +
    'not), and on the events side each acknowledged merge must have written one ' +
    '`settings_changed` event.',
    `- **Listing**, in \`${EVENTS_DATABASE.events}\` with ${count(l.tableEvents)} events, as the ` +
    `member, of the tenant holding ${count(l.historyTenantEvents)} of them (of which ` +
    `${l.rareModuleEvents} of \`${RARE_MODULE}\`): the statements ` +
    "PostgREST 12 runs for the function's `GET …/events` (the tenant with 51 events embedded, " +
    '`order by id desc`, with `id < before` or `module_id = …` when asked; `?after=` calls ' +
    `\`tenant_module_events_after\`), before ${l.before}, after ${l.after} (old) and ` +
    `${l.recent} (recent); ${l.runs} runs each, client-timed (the statement) and the ` +
    '`Execution Time` of `explain analyze`.',
    '',
    markdownTable(rows),
    '',
    '### Install, merge, uninstall',
    '',
    '| call | parent p50 / p95 / p99 (ms) | events p50 / p95 / p99 | control p50 / p95 / p99 | ' +
    'events / parent within rounds (p25–p75) | control / parent | statement alone: events / ' +
    'parent | runs per arm |',
    '| --- | --- | --- | --- | --- | --- | --- | --- |',
  ];
  for (const op of ['install', 'merge', 'uninstall'] as Op[]) {
    const versus = within(r, op, 'events');
    out.push(
      `| ${op} | ${pct(totals(r, op, 'parent'))} | ${pct(totals(r, op, 'events'))} | ${
        pct(totals(r, op, 'control'))
      } | ${judged(versus.ratio)} (${spread(versus)}) | ${
        ratio(within(r, op, 'control').ratio)
      } | ${ratio(within(r, op, 'events', 'statement').ratio)} | ${
        totals(r, op, 'parent').length
      } |`,
    );
  }
  const h = hotRow(r);
  out.push(
    '',
    '### Hot row',
    '',
    '| database | merges/s, each round | median | merge p50 / p95 / p99 (ms) | lost |',
    '| --- | --- | --- | --- | --- |',
    ...(['parent', 'events'] as Side[]).map((side) =>
      `| ${EVENTS_DATABASE[side]} | ${rates(r, side).map(count).join(', ')} | ${
        count(side === 'parent' ? h.parent : h.events)
      } | ${pct(t.latency[side])} | ${t.lost[side]} |`
    ),
    '',
    `Within rounds, events / parent: ${judged(h.versus.ratio)} (${spread(h.versus)}); ` +
      `${count(t.events.found)} \`settings_changed\` events for ${
        count(t.events.merges)
      } acknowledged merges.`,
    '',
    `### Listing at ${count(l.tableEvents)} events`,
    '',
    '| page | returned | client p50 / p95 (ms) | in the database p50 (ms) | scans of the events |',
    '| --- | --- | --- | --- | --- |',
    ...PAGES.map((page) =>
      `| ${PAGE_LABEL[page]} | ${l.returned[page]}${
        isFeed(page) || page === 'rare' ? '' : ' (50 + 1)'
      } | ${ms(median(l.latency[page]))} / ${ms(percentile(l.latency[page], 95))} | ${
        ms(median(l.execution[page]))
      } | ${l.scans[page].join(', ')} |`
    ),
    '',
    '### Plans',
    '',
  );
  for (const page of PAGES) {
    out.push(
      `<details><summary>${PAGE_LABEL[page]}</summary>`,
      '',
      '```',
      l.plans[page],
      '```',
      '',
      '</details>',
      '',
    );
  }
  return out.join('\n').trimEnd();
}

/** The section with its markers, as `bench/results.md` holds it. */
export function eventsSection(r: EventsResult, rows: SummaryRow[]): string {
  return `${EVENTS_MARKERS[0]}\n\n${eventsMarkdown(r, rows)}\n\n${EVENTS_MARKERS[1]}`;
}

/**
 * Puts `section` (with its markers) into `<out>/results.md`: in place of the marked one, else
 * before "Reproduce", else at the end.
 */
export async function writeEventsSection(out: string, section: string): Promise<string> {
  const path = `${out}/results.md`;
  const text = await Deno.readTextFile(path).catch(() => '# Benchmark results\n');
  const [start, end] = [text.indexOf(EVENTS_MARKERS[0]), text.indexOf(EVENTS_MARKERS[1])];
  const reproduce = text.indexOf('\n## Reproduce');
  const next = start >= 0 && end > start
    ? text.slice(0, start) + section + text.slice(end + EVENTS_MARKERS[1].length)
    : reproduce >= 0
    ? `${text.slice(0, reproduce + 1)}${section}\n\n${text.slice(reproduce + 1)}`
    : `${text.trimEnd()}\n\n${section}\n`;
  await Deno.writeTextFile(path, next);
  return path;
}

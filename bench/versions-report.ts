/**
 * Issue 9's numbers: the summary rows (stdout, README and `bench/results.md`) and the section of
 * `bench/results.md`, both between {@link VERSIONS_MARKERS} so that `--only versions` refreshes
 * them alone.
 */
import { type Ratio, withinRounds } from './parent.ts';
import { markdownTable, type SummaryRow } from './report.ts';
import { count, median, ms, percentile, ratio } from './stats.ts';
import {
  type Arm,
  BILLING_MIGRATIONS,
  DATABASE,
  type Measure,
  MEASURES,
  PARENT_MIGRATION,
  type VersionsResult,
} from './versions.ts';

export const VERSIONS_MARKERS = ['<!-- bench:versions:start -->', '<!-- bench:versions:end -->'];

/** Slower than the parent by at most this factor (issue 9: "not slower by more than 10%"). */
const TARGET = 1.1;

interface Comparison {
  /** Medians of all runs (ms). */
  parent: number;
  versions: number;
  control: number;
  versus: Ratio;
  /** The parent against itself over another connection: the method's noise. */
  noise: Ratio;
  runs: number;
}

function against(v: VersionsResult, m: Measure, arm: Arm): Ratio {
  const { parent } = v.samples[m];
  return withinRounds(parent.map((p, i) => median(v.samples[m][arm][i]) / median(p)));
}

function compare(v: VersionsResult, m: Measure): Comparison {
  const { parent, versions, control } = v.samples[m];
  return {
    parent: median(parent.flat()),
    versions: median(versions.flat()),
    control: median(control.flat()),
    versus: against(v, m, 'versions'),
    noise: against(v, m, 'control'),
    runs: parent.flat().length,
  };
}

const µs = (value: number) => `${value.toFixed(2)} µs`;
const spread = (r: Ratio) => `${ratio(r.q1)}–${ratio(r.q3)}`;

function text(c: Comparison, unit: (x: number) => string = (x) => `${ms(x)} ms`): string {
  return `${unit(c.versions)} vs ${unit(c.parent)}; within rounds ${ratio(c.versus.ratio)} (${
    spread(c.versus)
  }); control ${ratio(c.noise.ratio)}`;
}

const rowsLabel = (n: number) => n >= 1_000_000 ? `${n / 1_000_000}M` : `${n / 1000}k`;

/** The summary rows of issue 9's bench. */
export function versionsRows(v: VersionsResult): SummaryRow[] {
  const rows: SummaryRow[] = [];
  const size = `${rowsLabel(v.rows)} rows`;
  const perCall = compare(v, 'perCall');
  const perCallUs = (x: number) => µs((x * 1000) / v.returned.perCallRows);
  const target = (what: string) => `6. ${what} ≤ 1.1× the parent's`;
  const verdict = (c: Comparison): SummaryRow['verdict'] =>
    c.versus.ratio <= TARGET ? 'met' : 'not met';
  rows.push({
    target: target('tenant_has_module()'),
    measurement: `per call, as a member, ${size}: per-row policy, ${
      count(v.returned.perCallRows)
    } calls in one statement; versions vs parent`,
    result: text(perCall, perCallUs),
    verdict: verdict(perCall),
  });
  const perStatement = compare(v, 'perStatement');
  rows.push({
    target: target('tenant_has_module()'),
    measurement: `in the per-statement policy of a ${
      count(v.returned.perStatementRows)
    }-row gated table: the member counts the ${v.returned.perStatement} rows they see`,
    result: text(perStatement),
    verdict: verdict(perStatement),
  });
  const listing = compare(v, 'listing');
  rows.push({
    target: target("member's listing"),
    measurement: `GET /modules/tenants/{id} as PostgREST runs it (tenant + ${v.returned.listing} ` +
      `modules embedded), ${size}, client-timed`,
    result: text(listing),
    verdict: verdict(listing),
  });
  const listingDb = compare(v, 'listingDb');
  rows.push({
    target: target("member's listing"),
    measurement: `same statement, ${size}, in the database (explain analyze)`,
    result: text(listingDb),
    verdict: verdict(listingDb),
  });
  rows.push({
    target: target("member's listing"),
    measurement: "same, but the parent's columns on both sides (without version): the schema's " +
      'own cost, apart from the column the issue adds',
    result: text(compare(v, 'listingDbParentColumns')),
    verdict: 'info',
  });
  const b = v.bulk;
  rows.push({
    target: '6. bulk upgrade reports its rate',
    measurement: `${b.module} ${b.from} → ${b.to} (a rename + a compute) on ${
      count(b.tenants)
    } tenants, private.upgrade_tenant_modules in batches of ${count(b.batch)}`,
    result: `${count(b.tenants / b.seconds)} tenants/s (${b.seconds.toFixed(1)} s; ${
      outcomes(b.outcomes)
    }); re-run ${count(b.tenants / b.rerun.seconds)} tenants/s (${outcomes(b.rerun.outcomes)})`,
    verdict: 'info',
  });
  return rows;
}

function outcomes(o: Record<string, number>): string {
  return Object.entries(o).map(([k, n]) => `${count(n)} ${k}`).join(', ');
}

const LABEL: Record<Measure, string> = {
  perCall: '`tenant_has_module()`, per-row policy: one statement (ms)',
  perStatement: '`tenant_has_module()`, per-statement policy: one statement (ms)',
  listing: "member's listing, client-timed (ms)",
  listingDb: "member's listing, in the database (ms)",
  listingDbParentColumns: "member's listing with the parent's columns, in the database (ms)",
};

/** The section of `bench/results.md` (to go between the markers). */
export function versionsMarkdown(v: VersionsResult, rows: SummaryRow[]): string {
  const b = v.bulk;
  const out: string[] = [
    '## 6. Module versions against the parent commit (issue 9)',
    '',
    `Run on ${v.startedAt} with \`${v.command}\`; ${Math.round(v.seconds)} s for this part. ` +
    `${v.machine}.`,
    '',
  ];
  out.push(
    `Two databases in the same cluster: \`${DATABASE.parent}\` with the migrations up to ` +
      `\`${PARENT_MIGRATION}\` (issue 9's parent commit) and \`${DATABASE.versions}\` with all ` +
      `of them, each loaded with the same ${count(v.tenants)} tenants (an owner each, ` +
      `10 modules each: ${count(v.rows)} \`tenant_modules\` rows) and one member of 50 of them; ` +
      `loaded side by side with triggers off in ${v.loadSeconds.toFixed(1)} s, then ` +
      '`vacuum (analyze)`. Each side then runs as that member, and so does a _control_: the ' +
      "parent's statements over a second connection to the parent's database, whose distance " +
      `from the parent is the noise of the method on this machine. ${v.rounds} rounds; within ` +
      'a round the three arms take turns run by run, in every order. A ratio is the median of ' +
      "the rounds' ratios (each of the round's medians), with the quartiles of the rounds in " +
      'brackets; the times are the medians of all runs. The verdict compares the ratio with ' +
      `${TARGET}.`,
    '',
    `- **per call**: \`select count(*) from bench_clients_per_row\`, ` +
      `${count(v.returned.perCallRows)} rows (one per tenant) under the per-row policy ` +
      "`using (public.tenant_has_module(tenant_id, 'agency'))`: one call per row, so the " +
      'statement divided by its rows is one call against the full `tenant_modules`.',
    `- **per statement**: \`select count(*) from bench_clients\`, ` +
      `${count(v.returned.perStatementRows)} rows (two per tenant) under the README's ` +
      'per-statement policy (`tenant_id = any (array(select t.id from public.tenants as t where ' +
      "public.tenant_has_module(t.id, 'agency')))`).",
    "- **listing**: the statement PostgREST 12 runs for the function's " +
      '`GET /modules/tenants/{id}` (`tenants?select=id,tenant_modules(…)&id=eq.…` ordered by ' +
      "module, `max_rows` 1000), with PostgREST's transaction-local settings, for each of the " +
      "member's tenants in turn. Columns: the function's, " +
      `\`${v.columns.parent.join(', ')}\` on the parent, \`${v.columns.versions.join(', ')}\` ` +
      'on versions (issue 9: rows include `version`). Client-timed (postgres.js, prepared, one ' +
      'connection per database) and the `Execution Time` of `explain (analyze, timing off)`; ' +
      "that also with the parent's columns on both sides, which leaves out the cost of the " +
      'column returned and keeps that of the schema.',
    '',
    markdownTable(rows),
    '',
    '| measure | parent | versions | control | versions / parent within rounds (p25–p75) | control / parent (p25–p75) | runs per arm |',
    '| --- | --- | --- | --- | --- | --- | --- |',
  );
  for (const m of MEASURES) {
    const c = compare(v, m);
    out.push(
      `| ${LABEL[m]} | ${ms(c.parent)} | ${ms(c.versions)} | ${ms(c.control)} | ${
        ratio(c.versus.ratio)
      } (${spread(c.versus)}) | ${ratio(c.noise.ratio)} (${spread(c.noise)}) | ${c.runs} |`,
    );
  }
  const batchMs = b.batches;
  out.push(
    '',
    '### Bulk upgrade',
    '',
    `In \`${DATABASE.versions}\`, after the reads: \`${b.module}\` ${b.from} (installed on every ` +
      `tenant) gets ${b.to}, published as one update of \`public.modules\` with a new schema ` +
      `(\`seats\` renamed \`users\`, \`hours\` added, \`invoice_day\` with a default) and the ` +
      `migration \`${JSON.stringify(BILLING_MIGRATIONS)}\`; then ` +
      `\`private.upgrade_tenant_modules('${b.module}', '${b.to}', <last tenant of the previous ` +
      `batch>, ${b.batch})\` until it returns nothing, each batch its own transaction, each ` +
      'tenant its own subtransaction (migration steps, defaults, schema check, dependency ' +
      'checks).',
    '',
    '| tenants | batch size | time | rate | batch p50 | batch p90 | outcomes | re-run (all current) |',
    '| --- | --- | --- | --- | --- | --- | --- | --- |',
    `| ${count(b.tenants)} | ${count(b.batch)} | ${b.seconds.toFixed(1)} s | ${
      count(b.tenants / b.seconds)
    } tenants/s | ${ms(median(batchMs))} ms | ${ms(percentile(batchMs, 90))} ms | ${
      outcomes(b.outcomes)
    } | ${b.rerun.seconds.toFixed(1)} s, ${count(b.tenants / b.rerun.seconds)} tenants/s |`,
    '',
    `One tenant's settings before: \`${JSON.stringify(b.example.before)}\`; after: \`${
      JSON.stringify(b.example.after)
    }\`.`,
    '',
    '### Plans',
    '',
  );
  for (const side of ['parent', 'versions'] as const) {
    for (const q of ['listing', 'perStatement'] as const) {
      out.push(
        `<details><summary>${side}: ${
          q === 'listing' ? "the member's listing" : 'the per-statement policy'
        }</summary>`,
        '',
        '```',
        v.plans[side][q],
        '```',
        '',
        '</details>',
        '',
      );
    }
  }
  return out.join('\n').trimEnd();
}

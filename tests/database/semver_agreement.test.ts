/**
 * The PL/pgSQL semantic versions of supabase/migrations/20261125210000_semver.sql
 * (private.semver_compare, semver_range_problem, semver_satisfies, semver_max_satisfying) agree
 * with npm's `semver` package (node-semver), default options, on generated versions and ranges,
 * and on the examples of node-semver's README.
 *
 * Deterministic: the seed is fixed (print it; AGREEMENT_SEED=<n> tries another, AGREEMENT_RUNS=<n>
 * more cases). Cases are generated with fast-check and checked in batches, one query per batch;
 * when one disagrees, fast-check replays the same run case by case and shrinks the first
 * disagreement.
 *
 * Ranges are built from every form npm reads (comparators, hyphen ranges, X-ranges, partial
 * versions, tildes, carets, `v` and `=` prefixes, spaces after operators, build metadata, `||`),
 * and a quarter of them are then mutated (a character inserted, deleted or replaced), which makes
 * about half of all ranges invalid. Numbers stay small so that versions often fall on the bounds
 * of ranges and share a major.minor.patch with their prereleases.
 *
 * Not compared, being deliberate deviations (see the migration's header): versions npm accepts
 * but the catalog does not (`v1.2.3`, surrounding spaces); numbers above 2^53 - 1 and strings over
 * 256 characters; invalid input, for which semver.satisfies() answers false and Postgres raises
 * 22023 (checked separately below).
 */
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { agree, RUNS, SEED } from '../_support/agreement.ts';
import npmSemver from 'semver';
import type postgres from 'postgres';
import { connect } from '../_support/fixtures.ts';

/** The part of node-semver's API used here (the package ships no types). */
const semver: {
  compare(a: string, b: string): -1 | 0 | 1;
  satisfies(version: string, range: string): boolean;
  validRange(range: string): string | null;
  maxSatisfying(versions: string[], range: string): string | null;
} = npmSemver;

const BATCH = 250;

// ---------------------------------------------------------------------------------------------
// Generators
// ---------------------------------------------------------------------------------------------

/** A number as semver writes it; mostly 0 to 3, so that versions meet range bounds. */
const numberArb = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom('0', '1', '2', '3') },
  { weight: 1, arbitrary: fc.nat(20).map(String) },
);
/** Prerelease identifiers: numeric, and alphanumeric ones whose ASCII order matters (- < 0 < A < a). */
const prereleaseIdArb = fc.oneof(
  numberArb,
  fc.constantFrom('alpha', 'beta', 'rc', 'a', 'A', 'Z', 'b', '-', '0a', '1-x', 'a-b', 'x', 'beta2'),
);
const prereleaseArb = fc.array(prereleaseIdArb, { minLength: 1, maxLength: 3 })
  .map((ids) => ids.join('.'));
const buildArb = fc.array(fc.constantFrom('b', '001', 'sha-1', 'x', 'Z9'), {
  minLength: 1,
  maxLength: 2,
}).map((ids) => ids.join('.'));

interface Version {
  main: string;
  pre: string | null;
  build: string | null;
}
const versionText = (v: Version) =>
  v.main + (v.pre === null ? '' : `-${v.pre}`) + (v.build === null ? '' : `+${v.build}`);

const versionPartsArb: fc.Arbitrary<Version> = fc.record({
  main: fc.tuple(numberArb, numberArb, numberArb).map((n) => n.join('.')),
  pre: fc.option(prereleaseArb, { freq: 3 }),
  build: fc.option(buildArb, { freq: 6 }),
});
/** A valid version: what the catalog's modules_version_semver check accepts. */
const versionArb = versionPartsArb.map(versionText);

/** A pair of versions, often with the same major.minor.patch, to exercise prerelease order. */
const versionPairArb = versionPartsArb.chain((a) =>
  fc.tuple(
    fc.constant(versionText(a)),
    fc.oneof(
      versionArb,
      fc.record({
        main: fc.constant(a.main),
        pre: fc.option(prereleaseArb, { freq: 4 }),
        build: fc.option(buildArb, { freq: 3 }),
      }).map(versionText),
      fc.record({
        main: fc.constant(a.main),
        pre: fc.constant(a.pre === null ? null : `${a.pre}.0`),
        build: fc.constant(null),
      }).map(versionText),
    ),
  )
);

/** x, X or * stand for a number; a version may stop after its major or minor. */
const partialArb = fc.record({
  parts: fc.array(
    fc.oneof({ weight: 5, arbitrary: numberArb }, {
      weight: 1,
      arbitrary: fc.constantFrom('x', 'X', '*'),
    }),
    { minLength: 1, maxLength: 3 },
  ),
  pre: fc.option(prereleaseArb, { freq: 3 }),
  build: fc.option(buildArb, { freq: 12 }),
}).map(({ parts, pre, build }) =>
  parts.join('.') + (parts.length === 3 && pre !== null ? `-${pre}` : '') +
  (build === null ? '' : `+${build}`)
);

const OPERATORS = ['', '', '', '=', '>', '>=', '<', '<=', '~', '~>', '^', '^'];
/** An operator, sometimes a space, sometimes a v or = prefix, and a (partial) version. */
const comparatorArb = fc.tuple(
  fc.constantFrom(...OPERATORS),
  fc.constantFrom('', '', '', '', ' '),
  fc.constantFrom('', '', '', '', '', 'v', '='),
  partialArb,
).map((parts) => parts.join(''));
const hyphenArb = fc.tuple(partialArb, partialArb).map(([from, to]) => `${from} - ${to}`);
const setArb = fc.oneof(
  { weight: 6, arbitrary: fc.array(comparatorArb, { minLength: 1, maxLength: 1 }) },
  { weight: 3, arbitrary: fc.array(comparatorArb, { minLength: 2, maxLength: 2 }) },
  { weight: 1, arbitrary: fc.array(comparatorArb, { minLength: 3, maxLength: 3 }) },
  { weight: 2, arbitrary: hyphenArb.map((h) => [h]) },
).chain((items) => fc.constantFrom(' ', ' ', '  ').map((space) => items.join(space)));
const ODD_RANGES = ['', ' ', '*', 'x', '||', '1.2.3 ||', '\t^1.2.3\u00a0', '>= 1.2.3', '~> 1.2'];
const wellFormedRangeArb = fc.oneof(
  {
    weight: 20,
    arbitrary: fc.tuple(
      fc.array(setArb, { minLength: 1, maxLength: 3 }),
      fc.constantFrom(' || ', ' || ', '||', ' ||  '),
    ).map(([sets, or]) => sets.join(or)),
  },
  { weight: 1, arbitrary: fc.constantFrom(...ODD_RANGES) },
);

/** Characters a mutation inserts or puts in place of another. */
const MUTATION_CHARACTERS = [...'0123456789.xX*-^~<>=v |+a\t'];
const mutationArb = fc.record({
  at: fc.nat(),
  kind: fc.constantFrom('insert', 'delete', 'replace'),
  character: fc.constantFrom(...MUTATION_CHARACTERS),
});
function mutate(range: string, m: { at: number; kind: string; character: string }): string {
  const i = m.at % (range.length + 1);
  if (m.kind === 'insert') return range.slice(0, i) + m.character + range.slice(i);
  if (m.kind === 'delete') return range.slice(0, i) + range.slice(i + 1);
  return range.slice(0, i) + m.character + range.slice(i + 1);
}
const rangeArb = fc.oneof(
  { weight: 3, arbitrary: wellFormedRangeArb },
  {
    weight: 1,
    arbitrary: fc.tuple(wellFormedRangeArb, fc.array(mutationArb, { minLength: 1, maxLength: 2 }))
      .map(([range, mutations]) => mutations.reduce(mutate, range)),
  },
);

/** The regular expression of the catalog's modules_version_semver check. */
const CATALOG_VERSION =
  /^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(-(0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*)(\.(0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*))*)?(\+[0-9a-zA-Z-]+(\.[0-9a-zA-Z-]+)*)?$/;

/**
 * Versions near what a range is written with: one of its versions, filled up to three numbers,
 * sometimes one more or one less at one place, with the prerelease kept, extended, dropped or
 * replaced.
 */
function versionNearArb(range: string): fc.Arbitrary<string> {
  const anchors = [...range.matchAll(/\d+(?:\.\d+){0,2}(?:-[0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*)?/g)]
    .map(([anchor]) => anchor);
  if (anchors.length === 0) return versionArb;
  return fc.record({
    anchor: fc.constantFrom(...anchors),
    fill: fc.tuple(numberArb, numberArb),
    at: fc.constantFrom(-1, -1, -1, 0, 1, 2),
    up: fc.boolean(),
    pre: fc.oneof(
      { weight: 6, arbitrary: fc.constantFrom('keep', 'keep', 'keep', 'extend', 'extend', 'drop') },
      { weight: 1, arbitrary: prereleaseArb },
    ),
  }).map(({ anchor, fill, at, up, pre }) => {
    const dash = anchor.indexOf('-');
    const anchorPre = dash < 0 ? null : anchor.slice(dash + 1);
    const parts = [...(dash < 0 ? anchor : anchor.slice(0, dash)).split('.'), ...fill]
      .slice(0, 3).map(Number);
    if (at >= 0 && up) {
      parts[at]++;
      parts.fill(0, at + 1);
    } else if (at >= 0) {
      parts[at] = Math.max(0, parts[at] - 1);
    }
    const prerelease = pre === 'keep'
      ? anchorPre
      : pre === 'drop'
      ? null
      : pre === 'extend'
      ? `${anchorPre ?? '0'}.1`
      : pre;
    const version = parts.join('.') + (prerelease === null ? '' : `-${prerelease}`);
    // A mutation may have left a prerelease no version may have (01, a..b): drop it then.
    return CATALOG_VERSION.test(version) ? version : parts.join('.');
  });
}

interface Case {
  range: string;
  versions: string[];
}
const caseArb: fc.Arbitrary<Case> = rangeArb.chain((range) =>
  fc.record({
    range: fc.constant(range),
    versions: fc.array(
      fc.oneof({ weight: 5, arbitrary: versionNearArb(range) }, {
        weight: 1,
        arbitrary: versionArb,
      }),
      { minLength: 4, maxLength: 4 },
    ),
  })
);

// ---------------------------------------------------------------------------------------------
// Property tests
// ---------------------------------------------------------------------------------------------

interface Row {
  problem: string | null;
  satisfies: boolean[] | null;
  max: string | null;
}

/** Postgres's answers for a batch of cases, in one query. */
function evaluate(sql: postgres.Sql, batch: Case[]): Promise<Row[]> {
  const text = JSON.stringify(batch.map((c) => [c.range, c.versions]));
  return sql<Row[]>`
    select p.problem,
      case when p.problem is null then (
        select pg_catalog.array_agg(private.semver_satisfies(v.version, c.range) order by v.j)
        from pg_catalog.unnest(c.versions) with ordinality as v (version, j)
      ) end as satisfies,
      case when p.problem is null then private.semver_max_satisfying(c.versions, c.range) end as max
    from pg_catalog.jsonb_array_elements(${text}::text::jsonb) with ordinality as e (item, i)
    cross join lateral (
      select e.item ->> 0 as range,
        array(select pg_catalog.jsonb_array_elements_text(e.item -> 1)) as versions
    ) as c
    cross join lateral (select private.semver_range_problem(c.range) as problem) as p
    order by e.i`;
}

interface Tally {
  valid: number;
  invalid: number;
  satisfied: number;
  notSatisfied: number;
  /** Prerelease versions in a valid range: [satisfied, not satisfied]. */
  prereleases: [number, number];
  forms: Map<string, number>;
}

/** Which forms a valid range is written with (roughly: by its characters). */
function countForms(range: string, tally: Tally): void {
  const forms: [string, RegExp][] = [
    ['caret', /\^/],
    ['tilde', /~/],
    ['hyphen', / - /],
    ['x-range', /(^|[\s.^~=<>v])[xX*](?=$|[\s.|])/],
    ['||', /\|\|/],
    ['comparator', /[<>]/],
    ['prerelease', /\d-[0-9A-Za-z-]/],
    ['build', /\+/],
  ];
  for (const [form, pattern] of forms) {
    if (pattern.test(range)) tally.forms.set(form, (tally.forms.get(form) ?? 0) + 1);
  }
}

async function checkCases(
  sql: postgres.Sql,
  batch: Case[],
  tally?: Tally,
): Promise<(string | undefined)[]> {
  const rows = await evaluate(sql, batch);
  return rows.map((row, k) => {
    const { range, versions } = batch[k];
    const show = (why: string) =>
      `${why}\n  range:    ${JSON.stringify(range)}\n  versions: ${
        JSON.stringify(versions)
      }\n  seed:     ${SEED}`;
    const valid = semver.validRange(range);
    if ((valid === null) !== (row.problem !== null)) {
      return show(
        `validity differs: semver.validRange says ${JSON.stringify(valid)}, ` +
          `semver_range_problem says ${JSON.stringify(row.problem)}`,
      );
    }
    if (valid === null) {
      if (tally) tally.invalid++;
      return undefined;
    }
    const expected = versions.map((v) => semver.satisfies(v, range));
    const differ = versions.filter((_, j) => expected[j] !== row.satisfies![j]);
    if (differ.length) {
      return show(
        `semver_satisfies differs on ${JSON.stringify(differ)} (npm reads the range as ` +
          `${JSON.stringify(valid)}): npm says ${
            JSON.stringify(differ.map((v) => semver.satisfies(v, range)))
          }`,
      );
    }
    const max = semver.maxSatisfying(versions, range);
    if (max !== row.max) {
      return show(`semver_max_satisfying says ${row.max}, npm says ${max}`);
    }
    if (tally) {
      tally.valid++;
      countForms(range, tally);
      versions.forEach((v, j) => {
        tally[expected[j] ? 'satisfied' : 'notSatisfied']++;
        if (v.split('+')[0].includes('-')) tally.prereleases[expected[j] ? 0 : 1]++;
      });
    }
    return undefined;
  });
}

Deno.test('semver functions agree with npm semver on generated ranges and versions', async () => {
  const sql = connect();
  try {
    const started = performance.now();
    const tally: Tally = {
      valid: 0,
      invalid: 0,
      satisfied: 0,
      notSatisfied: 0,
      prereleases: [0, 0],
      forms: new Map(),
    };
    const cases = await agree(
      'semver_range_problem, semver_satisfies and semver_max_satisfying vs npm semver',
      caseArb,
      (batch) => checkCases(sql, batch, tally),
      { batch: BATCH },
    );
    const seconds = ((performance.now() - started) / 1000).toFixed(1);
    console.log(
      `${cases.length} ranges in ${seconds} s: ${tally.valid} valid, ${tally.invalid} invalid; ` +
        `versions satisfied ${tally.satisfied}, not ${tally.notSatisfied}; prereleases ` +
        `satisfied ${tally.prereleases[0]}, not ${tally.prereleases[1]}; forms in valid ranges ` +
        JSON.stringify(Object.fromEntries(tally.forms)),
    );
    assert.ok(cases.length >= 1000, 'at least 1,000 cases per run');
    assert.ok(
      tally.valid >= cases.length / 4 && tally.invalid >= cases.length / 10,
      'valid and invalid ranges are both common enough to mean something',
    );
    assert.ok(
      tally.satisfied >= cases.length / 4 && tally.notSatisfied >= cases.length / 4,
      'versions in and out of ranges are both common',
    );
    assert.ok(
      tally.prereleases[0] >= RUNS / 100 && tally.prereleases[1] >= RUNS / 100,
      'prereleases are seen in and out of ranges',
    );
    for (const form of ['caret', 'tilde', 'hyphen', 'x-range', '||', 'comparator', 'prerelease']) {
      assert.ok((tally.forms.get(form) ?? 0) >= 20, `valid ranges use the ${form} form`);
    }
  } finally {
    await sql.end();
  }
});

Deno.test('semver_compare agrees with npm semver.compare on generated versions', async () => {
  const sql = connect();
  try {
    const orders = [0, 0, 0];
    await agree('semver_compare vs npm semver', versionPairArb, async (batch) => {
      const rows = await sql<{ result: number }[]>`
        select private.semver_compare(e.pair ->> 0, e.pair ->> 1) as result
        from pg_catalog.jsonb_array_elements(${
        JSON.stringify(batch)
      }::text::jsonb) with ordinality as e (pair, i)
        order by e.i`;
      return rows.map((row, k) => {
        const [a, b] = batch[k];
        const expected = semver.compare(a, b);
        orders[expected + 1]++;
        return row.result === expected
          ? undefined
          : `semver_compare(${JSON.stringify(a)}, ${
            JSON.stringify(b)
          }) is ${row.result}, npm says ${expected}`;
      });
    }, { batch: BATCH });
    console.log(`orders: ${orders[0]} less, ${orders[1]} equal, ${orders[2]} greater`);
    assert.ok(orders.every((n) => n >= RUNS / 10), 'each order is common enough');
  } finally {
    await sql.end();
  }
});

// ---------------------------------------------------------------------------------------------
// node-semver's README
// ---------------------------------------------------------------------------------------------

/** [range, versions it admits, versions it does not]: the examples of node-semver's README. */
const README_EXAMPLES: [string, string[], string[]][] = [
  ['>=1.2.7', ['1.2.7', '1.2.8', '2.5.3', '1.3.9'], ['1.2.6', '1.1.0']],
  ['>1', ['2.0.0', '3.1.0'], ['1.0.1', '1.1.0']],
  ['>=1.2.7 <1.3.0', ['1.2.7', '1.2.8', '1.2.99'], ['1.2.6', '1.3.0', '1.1.0']],
  ['1.2.7 || >=1.2.9 <2.0.0', ['1.2.7', '1.2.9', '1.4.6'], ['1.2.8', '2.0.0']],
  ['>1.2.3-alpha.3', ['1.2.3-alpha.7', '3.4.5'], ['3.4.5-alpha.9']],
  ['1.2 <1.2.9 || >2.0.0', ['1.2.8', '2.0.1'], ['1.2.10', '2.0.0']],
  // hyphen ranges
  ['1.2.3 - 2.3.4', ['1.2.3', '2.3.4'], ['1.2.2', '2.3.5']],
  ['1.2 - 2.3.4', ['1.2.0', '2.3.4'], ['1.1.9', '2.3.5']],
  ['1.2.3 - 2.3', ['1.2.3', '2.3.99'], ['2.4.0-0', '2.4.0']],
  ['1.2.3 - 2', ['1.2.3', '2.99.99'], ['3.0.0-0', '3.0.0']],
  // X-ranges and partial versions
  ['*', ['0.0.0', '9.9.9'], ['1.0.0-rc.1']],
  ['1.x', ['1.0.0', '1.99.0'], ['2.0.0-0', '0.9.9']],
  ['1.2.x', ['1.2.0', '1.2.9'], ['1.3.0-0', '1.1.9']],
  ['', ['0.0.0', '9.9.9'], ['0.0.0-0']],
  ['1', ['1.0.0', '1.99.99'], ['2.0.0', '0.9.9']],
  ['1.2', ['1.2.0', '1.2.99'], ['1.3.0', '1.1.0']],
  // tilde ranges
  ['~1.2.3', ['1.2.3', '1.2.9'], ['1.3.0-0', '1.3.0', '1.2.2']],
  ['~1.2', ['1.2.0', '1.2.9'], ['1.3.0', '1.1.9']],
  ['~1', ['1.0.0', '1.9.9'], ['2.0.0-0', '0.9.9']],
  ['~0.2.3', ['0.2.3', '0.2.9'], ['0.3.0', '0.2.2']],
  ['~0.2', ['0.2.0', '0.2.9'], ['0.3.0']],
  ['~0', ['0.0.0', '0.9.9'], ['1.0.0']],
  ['~1.2.3-beta.2', ['1.2.3-beta.4', '1.2.3', '1.2.9'], ['1.2.4-beta.2', '1.2.3-beta.1']],
  // caret ranges
  ['^1.2.3', ['1.2.3', '1.99.99'], ['2.0.0-0', '2.0.0', '1.2.2']],
  ['^0.2.3', ['0.2.3', '0.2.99'], ['0.3.0-0', '0.2.2']],
  ['^0.0.3', ['0.0.3'], ['0.0.4-0', '0.0.4', '0.0.2']],
  ['^1.2.3-beta.2', ['1.2.3-beta.4', '1.9.0'], ['1.2.4-beta.2', '1.2.3-beta.1']],
  ['^0.0.3-beta', ['0.0.3-pr.2', '0.0.3'], ['0.0.4', '0.0.3-alpha']],
  ['^1.2.x', ['1.2.0', '1.99.0'], ['2.0.0', '1.1.9']],
  ['^0.0.x', ['0.0.0', '0.0.99'], ['0.1.0']],
  ['^0.0', ['0.0.0', '0.0.99'], ['0.1.0']],
  ['^1.x', ['1.0.0', '1.99.0'], ['2.0.0', '0.9.9']],
  ['^0.x', ['0.0.0', '0.99.0'], ['1.0.0']],
  // build metadata is ignored
  ['1.2.3+build.1', ['1.2.3', '1.2.3+other'], ['1.2.4']],
];

Deno.test("semver_satisfies answers the examples of node-semver's README as npm does", async () => {
  const sql = connect();
  try {
    const cases = README_EXAMPLES.flatMap(([range, yes, no]) => [
      ...yes.map((version) => ({ range, version, expected: true })),
      ...no.map((version) => ({ range, version, expected: false })),
    ]);
    const rows = await sql<{ satisfies: boolean; problem: string | null }[]>`
      select private.semver_satisfies(e.c ->> 'version', e.c ->> 'range') as satisfies,
        private.semver_range_problem(e.c ->> 'range') as problem
      from pg_catalog.jsonb_array_elements(${
      JSON.stringify(cases)
    }::text::jsonb) with ordinality as e (c, i)
      order by e.i`;
    rows.forEach((row, k) => {
      const { range, version, expected } = cases[k];
      const what = `${JSON.stringify(version)} in ${JSON.stringify(range)}`;
      assert.equal(semver.satisfies(version, range), expected, `npm: ${what}`);
      assert.equal(row.problem, null, `semver_range_problem: ${what}`);
      assert.equal(row.satisfies, expected, `semver_satisfies: ${what}`);
    });
  } finally {
    await sql.end();
  }
});

/** A check for assert.rejects: Postgres raised 22023 with this message. */
function refusal(message: string): (error: unknown) => boolean {
  return (error) => {
    const e = error as { code?: string; message?: string };
    return e.code === '22023' && e.message === message;
  };
}

/** Ranges npm refuses, with the start of the problem Postgres reports. */
const INVALID_RANGES: [string, string][] = [
  ['^1.x.y', '"^1.x.y" is not a version range: "^1.x.y" is neither a version'],
  ['blerg', '"blerg" is not a version range: "blerg" is neither'],
  ['1.2.3.4', '"1.2.3.4" is not a version range'],
  ['>=1.2.3 <', '">=1.2.3 <" is not a version range: "<" is neither'],
  ['1.x.3', '"1.x.3" is not a version range: in "1.x.3" a number follows a wildcard'],
  ['>=01.2.3', '">=01.2.3" is not a version range'],
  ['=1.2.3 - 2', '"=1.2.3 - 2" is not a version range: a hyphen range needs'],
  ['1.2.3-', '"1.2.3-" is not a version range'],
  ['> = 1', '"> = 1" is not a version range'],
];

Deno.test('semver functions refuse invalid versions and ranges with 22023', async () => {
  const sql = connect();
  try {
    for (const [range, problem] of INVALID_RANGES) {
      assert.equal(semver.validRange(range), null, `npm refuses ${JSON.stringify(range)}`);
      const [row] = await sql<{ problem: string | null }[]>`
        select private.semver_range_problem(${range}) as problem`;
      assert.ok(
        row.problem?.startsWith(problem),
        `semver_range_problem(${JSON.stringify(range)}) is ${JSON.stringify(row.problem)}`,
      );
      await assert.rejects(
        () => sql`select private.semver_satisfies('1.2.3', ${range})`,
        refusal(row.problem!),
        `semver_satisfies raises 22023 with the problem for ${JSON.stringify(range)}`,
      );
    }
    for (const version of ['1.2', 'v1.2.3', ' 1.2.3', '01.2.3', '1.2.3-', '1.2.3-01', '1.2.3+']) {
      for (
        const call of [
          () => sql`select private.semver_compare(${version}, '1.2.3')`,
          () => sql`select private.semver_compare('1.2.3', ${version})`,
          () => sql`select private.semver_satisfies(${version}, '*')`,
          () => sql`select private.semver_max_satisfying(array['1.0.0', ${version}], '*')`,
        ]
      ) {
        await assert.rejects(
          call,
          refusal(`"${version}" is not a semantic version`),
          `${JSON.stringify(version)} is refused as a version`,
        );
      }
    }
  } finally {
    await sql.end();
  }
});

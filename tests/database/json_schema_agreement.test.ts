/**
 * The PL/pgSQL JSON Schema validator of the module contracts (private.json_schema_* in
 * supabase/migrations/20261125200000_module_contracts.sql) agrees with ajv, a well-kept
 * JavaScript validator, on generated schemas within the supported subset and instances for them.
 *
 * Deterministic: the seed is fixed (print it; AGREEMENT_SEED=<n> tries another, AGREEMENT_RUNS=<n>
 * more cases). Cases are generated with fast-check, checked in batches of 100 per query; when one
 * disagrees, fast-check replays the same run case by case and shrinks the first disagreement, so
 * the failure shows the smallest schema and instance that still disagree.
 *
 * ajv as the web clients would run it on a schema read from the catalog: the 2020-12 build,
 * ajv-formats in "full" mode, and the "time-zone" format over the database's own list. Options:
 * - strict: true, so ajv throws on a keyword or format it does not know instead of ignoring it
 *   (then this test would compare nothing). But strictRequired: false, since 2020-12 lets
 *   `required` name keys that `properties` does not describe, and the contracts accept that;
 *   and allowUnionTypes: true, since `"type": ["string", "null"]` is in the subset.
 * - multipleOfPrecision: 6. ajv divides doubles: 0.3 / 0.1 is 2.9999999999999996, so 0.3 would
 *   not be a multiple of 0.1, while Postgres computes in exact decimals. With this option ajv calls
 *   a quotient whole when it is within 1e-6 of an integer; the generator keeps numbers that meet
 *   `multipleOf` to 4 fraction digits and below 10^6, where float noise stays under 1e-7 and a true
 *   non-multiple is at least 1e-4 away from a whole quotient, so the option hides noise only.
 * - ownProperties: true, so `required: ["toString"]` is not met by Object.prototype.toString.
 * - loopRequired: 0. Without it ajv never reports a missing "" key when allErrors is false
 *   (ajv-validator/ajv#2077, open: `(missing = "")` is falsy); the loop form checks it.
 * - unicodeRegExp: true (the default): patterns are compiled as `new RegExp(p, 'u')`.
 * - for defaults, a second instance with useDefaults: true and allErrors: true, run on a copy.
 *   allErrors, because without it ajv stops at the first error and leaves later defaults unfilled.
 *   Its verdict is not compared: ajv checks `enum`, `const` and `uniqueItems` of a node before it
 *   fills the defaults below it, while Postgres validates the settings it will store, defaults
 *   filled. The trigger's verdict is compared with plain ajv on that filled value instead.
 *
 * Not compared: error messages and paths (only verdicts); the 32-level nesting cap, which ajv
 * does not have (instances here nest 7 levels at most); strings holding NUL or lone surrogates,
 * which Postgres text cannot hold; numbers with more than 15 significant digits, which
 * JavaScript rounds and Postgres keeps. Where ajv or V8 depart from the specifications, the
 * generators (tests/_support/json_schema/) avoid the case and say why.
 */
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { agree, SEED } from '../_support/agreement.ts';
import { Ajv2020 } from 'ajv/dist/2020.js';
import formats from 'ajv-formats';
import type postgres from 'postgres';
import { connect } from '../_support/fixtures.ts';
import { FORMATS } from '../_support/json_schema/formats.ts';
import { patternArb, wildPatternArb } from '../_support/json_schema/patterns.ts';
import { type Case, caseArb, schemaArb, withDefaultsArb } from '../_support/json_schema/schemas.ts';
import {
  type Json,
  type JsonObject,
  jsonText,
  type Schema,
} from '../_support/json_schema/values.ts';

function makeAjv(options: Record<string, unknown>, timeZones: Set<string>): Ajv2020 {
  const ajv = new Ajv2020({
    strict: true,
    strictRequired: false,
    allowUnionTypes: true,
    multipleOfPrecision: 6,
    ownProperties: true,
    loopRequired: 0,
    unicodeRegExp: true,
    ...options,
  });
  formats.default(ajv, { mode: 'full', formats: ['date-time', 'date', 'email', 'uuid'] });
  ajv.addFormat('time-zone', (name: string) => timeZones.has(name));
  return ajv;
}

interface Setup {
  sql: postgres.Sql;
  timeZones: string[];
  ajv: Ajv2020;
  ajvDefaults: Ajv2020;
  /** ajv's verdict, or false when ajv cannot compile the schema (the generator then failed). */
  validate(schema: Schema, value: Json): boolean;
}

async function setup(): Promise<Setup> {
  const sql = connect();
  const rows = await sql<
    { name: string }[]
  >`select name from private.time_zone_names order by name`;
  const timeZones = rows.map((r) => r.name);
  const ajv = makeAjv({}, new Set(timeZones));
  const ajvDefaults = makeAjv({ useDefaults: true, allErrors: true }, new Set(timeZones));
  const validate = (schema: Schema, value: Json) => {
    try {
      return ajv.validate(schema, value) as boolean;
    } catch {
      return false;
    }
  };
  return { sql, timeZones, ajv, ajvDefaults, validate };
}

/** Deep equality of parsed JSON, numbers by value. */
function sameJson(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a) || Array.isArray(b)) {
    return Array.isArray(a) && Array.isArray(b) && a.length === b.length &&
      a.every((x, i) => sameJson(x, b[i]));
  }
  if (a === null || b === null || typeof a !== 'object' || typeof b !== 'object') return false;
  const ka = Object.keys(a);
  const kb = Object.keys(b);
  return ka.length === kb.length && ka.every((k) =>
    Object.hasOwn(b, k) &&
    sameJson((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k])
  );
}

interface Row {
  i: number;
  problems: string;
  errors: string | null;
  filled: string | null;
  filled_errors: string | null;
}

/** Postgres's answers for a batch of (schema, value) JSON texts, in one query. */
function evaluate(sql: postgres.Sql, pairs: [string, string][]): Promise<Row[]> {
  const text = `[${pairs.map(([s, v]) => `[${s},${v}]`).join(',')}]`;
  return sql<Row[]>`
    select (e.i - 1)::int as i,
      p.problems::text as problems,
      case when p.problems = '[]' then private.json_schema_errors(c.s, c.v, 'settings')::text end as errors,
      case when p.problems = '[]' then d.filled::text end as filled,
      case when p.problems = '[]' then private.json_schema_errors(c.s, d.filled, 'settings')::text end as filled_errors
    from pg_catalog.jsonb_array_elements(${text}::text::jsonb) with ordinality as e (pair, i)
    cross join lateral (select e.pair -> 0 as s, e.pair -> 1 as v) as c
    cross join lateral (select private.json_schema_problems(c.s) as problems) as p
    cross join lateral (select private.json_schema_apply_defaults(c.s, c.v) as filled) as d
    order by e.i`;
}

interface Tally {
  valid: number;
  invalid: number;
  keywords: Map<string, number>;
  /** Per format, and for `pattern`: how many strings ajv found valid, and invalid. */
  strings: Map<string, [number, number]>;
}

function countKeywords(schema: Json, tally: Tally): void {
  if (Array.isArray(schema)) return;
  if (schema === null || typeof schema !== 'object') return;
  for (const [keyword, value] of Object.entries(schema)) {
    tally.keywords.set(keyword, (tally.keywords.get(keyword) ?? 0) + 1);
    if (keyword === 'properties') {
      for (const sub of Object.values(value as JsonObject)) countKeywords(sub, tally);
    } else if (keyword === 'items' || keyword === 'additionalProperties') {
      countKeywords(value, tally);
    }
  }
}

/** Every string of `value` checked against a `format` or `pattern`, with ajv's verdict on it. */
function stringChecks(s: Setup, schema: Json, value: Json, out: [string, boolean][]): void {
  if (typeof schema !== 'object' || schema === null || Array.isArray(schema)) return;
  if (typeof value === 'string') {
    if (typeof schema.format === 'string') {
      out.push([schema.format, s.validate({ type: 'string', format: schema.format }, value)]);
    }
    if (typeof schema.pattern === 'string') {
      out.push(['pattern', s.validate({ type: 'string', pattern: schema.pattern }, value)]);
    }
  }
  if (Array.isArray(value) && schema.items !== undefined) {
    for (const item of value) stringChecks(s, schema.items, item, out);
  }
  if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
    const properties = (schema.properties ?? {}) as JsonObject;
    for (const [k, v] of Object.entries(value)) {
      const sub = Object.hasOwn(properties, k) ? properties[k] : schema.additionalProperties;
      stringChecks(s, sub ?? true, v, out);
    }
  }
}

function errorsOf(ajv: Ajv2020): string {
  return JSON.stringify(
    (ajv.errors ?? []).slice(0, 3).map((e) => `${e.instancePath} ${e.message}`),
  );
}

/** Compares both validators on a batch of cases; counts what was seen into `tally`. */
async function checkCases(s: Setup, batch: Case[], tally?: Tally): Promise<(string | undefined)[]> {
  const texts = batch.map((c): [string, string] => [
    jsonText(c.schema, c.spelling),
    jsonText(c.value, c.spelling + 1),
  ]);
  const rows = await evaluate(s.sql, texts);
  return rows.map((row, k) => {
    const [schemaText, valueText] = texts[k];
    const schema = JSON.parse(schemaText);
    const value = JSON.parse(valueText);
    const show = (why: string) =>
      `${why}\n  schema:   ${schemaText}\n  instance: ${valueText}\n  seed:     ${SEED}`;
    if (row.problems !== '[]') {
      return show(`json_schema_problems refuses a schema of the supported subset: ${row.problems}`);
    }
    let ajvValid: boolean;
    let ajvErrors: string;
    const filledByAjv = structuredClone(value);
    try {
      ajvValid = s.ajv.validate(schema, value) as boolean;
      ajvErrors = errorsOf(s.ajv);
      s.ajvDefaults.validate(schema, filledByAjv);
    } catch (error) {
      return show(`ajv (strict) refuses the generated schema: ${(error as Error).message}`);
    }
    const pgValid = row.errors === '[]';
    if (ajvValid !== pgValid) {
      return show(
        `verdicts differ: ajv says ${ajvValid ? 'valid' : `invalid ${ajvErrors}`}, ` +
          `json_schema_errors says ${pgValid ? 'valid' : `invalid ${row.errors}`}`,
      );
    }
    const filled = JSON.parse(row.filled!);
    if (!sameJson(filledByAjv, filled)) {
      return show(
        `defaults differ: ajv fills ${JSON.stringify(filledByAjv)}, ` +
          `json_schema_apply_defaults fills ${row.filled}`,
      );
    }
    const filledValid = s.validate(schema, filled);
    if (filledValid !== (row.filled_errors === '[]')) {
      return show(
        `verdicts on the filled value ${row.filled} differ: ajv says ${
          filledValid ? 'valid' : `invalid ${errorsOf(s.ajv)}`
        }, ` +
          `json_schema_errors says ${row.filled_errors}`,
      );
    }
    if (tally) {
      tally[pgValid ? 'valid' : 'invalid']++;
      countKeywords(schema, tally);
      const seen: [string, boolean][] = [];
      stringChecks(s, schema, value, seen);
      for (const [check, ok] of seen) {
        const counts = tally.strings.get(check) ?? [0, 0];
        counts[ok ? 0 : 1]++;
        tally.strings.set(check, counts);
      }
    }
    return undefined;
  });
}

// deno-fmt-ignore
const SUPPORTED_KEYWORDS = [
  'type', 'properties', 'required', 'additionalProperties', 'enum', 'const', 'minimum', 'maximum',
  'exclusiveMinimum', 'exclusiveMaximum', 'multipleOf', 'minLength', 'maxLength', 'pattern',
  'format', 'items', 'minItems', 'maxItems', 'uniqueItems', 'default', 'title', 'description',
  '$comment', 'examples', 'deprecated', 'readOnly', 'writeOnly',
];

Deno.test('json schema validator agrees with ajv on generated schemas and instances', async () => {
  const s = await setup();
  try {
    const started = performance.now();
    const tally: Tally = { valid: 0, invalid: 0, keywords: new Map(), strings: new Map() };
    const cases = await agree(
      'json_schema_errors and json_schema_apply_defaults vs ajv',
      caseArb(s.timeZones, s.validate),
      (batch) => checkCases(s, batch, tally),
    );
    const seconds = ((performance.now() - started) / 1000).toFixed(1);
    console.log(
      `${cases.length} cases in ${seconds} s: ${tally.valid} valid, ${tally.invalid} invalid; ` +
        `keywords ${JSON.stringify(Object.fromEntries(tally.keywords))}; ` +
        `strings [valid, invalid] ${JSON.stringify(Object.fromEntries(tally.strings))}`,
    );
    assert.ok(cases.length >= 1000, 'at least 1,000 cases per run');
    assert.ok(
      tally.valid >= cases.length / 5 && tally.invalid >= cases.length / 5,
      'both verdicts are common enough to mean something',
    );
    for (const keyword of SUPPORTED_KEYWORDS) {
      assert.ok((tally.keywords.get(keyword) ?? 0) >= 10, `keyword ${keyword} is exercised`);
    }
    for (const check of [...FORMATS, 'pattern']) {
      const [valid, invalid] = tally.strings.get(check) ?? [0, 0];
      assert.ok(valid >= 20 && invalid >= 20, `${check}: valid and invalid strings`);
    }
  } finally {
    await s.sql.end();
  }
});

/** The largest count of a {n}, {n,} or {n,m} in a pattern. */
function largestCount(pattern: string): number {
  return Math.max(
    0,
    ...[...pattern.matchAll(/\{(\d+)(?:,(\d*))?\}/g)].map(([, n, m]) =>
      Math.max(Number(n), Number(m || 0))
    ),
  );
}

/**
 * Why json_schema_regex may refuse a pattern that `new RegExp(p, 'u')` accepts: the constructs
 * the translator leaves out on purpose (each message names one), and Postgres's own limits.
 */
const DELIBERATE_REFUSALS: [RegExp, (pattern: string) => boolean][] = [
  // \1, \k<name>: not regular; Postgres has them, but not inside lookahead.
  [/back-reference/, () => true],
  // (?<=, (?<!, (?<name>, and inline modifiers (?i:).
  [/lookbehind, named group or flags/, () => true],
  // \b, \B: Postgres's \y and \Y use its own idea of a word character.
  [/word boundary/, () => true],
  // \p{L}, \P{L}: Postgres has no Unicode properties.
  [/Unicode properties/, () => true],
  // [] matches nothing and [^] anything; ARE has neither.
  [/empty class/, () => true],
  // [\D], [\W], [\S]: ARE refuses them inside brackets.
  [/inside \[\.\.\.\]; write the class out instead/, () => true],
  // \0, \x00, \u0000, and lone surrogates: strings in Postgres hold neither.
  [/NUL character|lone surrogate/, () => true],
  // Postgres's limit for {n,m}.
  [/repetition count above 255/, (pattern) => largestCount(pattern) > 255],
  [/longer than 1000 characters/, (pattern) => [...pattern].length > 1000],
];

interface PatternRow {
  i: number;
  problems: string;
  matches: boolean[] | null;
}

// deno-fmt-ignore
const PROBES = [
  '', 'a', 'abc', 'Z9_', ' ', '\t', '\n', 'a\nb', '\r\n', '\u2028', '\u00a0', 'é', 'É', '٣', '😀',
  '😀😀', 'a😀b', '𝟘', '中', '-', 'a-z', '.', '*', '[', ']', '\\', '{1}', '\b', '\ufeff',
];

function jsCompiles(pattern: string): RegExp | undefined {
  try {
    return new RegExp(pattern, 'u');
  } catch {
    return undefined;
  }
}

async function checkPatterns(
  sql: postgres.Sql,
  batch: { source: string; samples: string[] }[],
  supportedOnly: boolean,
  reasons?: Map<string, number>,
): Promise<(string | undefined)[]> {
  const items = batch.map((p) => [p.source, [...PROBES, ...p.samples]]);
  const rows = await sql<PatternRow[]>`
    select (e.i - 1)::int as i, pr.problems::text as problems,
      case when pr.problems = '[]' then (
        select pg_catalog.array_agg(p.s ~ r.are order by p.j)
        from pg_catalog.jsonb_array_elements_text(e.item -> 1) with ordinality as p (s, j)
      ) end as matches
    from pg_catalog.jsonb_array_elements(${
    JSON.stringify(items)
  }::text::jsonb) with ordinality as e (item, i)
    cross join lateral private.json_schema_regex(e.item ->> 0) as r
    cross join lateral (
      select private.json_schema_problems_at(
        pg_catalog.jsonb_build_object('pattern', e.item -> 0), 'pattern', '[]'::jsonb) as problems
    ) as pr
    order by e.i`;
  return rows.map((row, k) => {
    const { source, samples } = batch[k];
    const probes = [...PROBES, ...samples];
    const show = (why: string) => `${why}\n  pattern: ${JSON.stringify(source)}`;
    const re = jsCompiles(source);
    const problems = JSON.parse(row.problems) as { message: string }[];
    if (!re) {
      return problems.length ? undefined : show('Postgres accepts a pattern JavaScript refuses');
    }
    if (problems.length) {
      const why = problems.map((p) => p.message).join('; ');
      if (supportedOnly) return show(`refused although in the supported subset: ${why}`);
      const reason = DELIBERATE_REFUSALS.find(([message, holds]) =>
        message.test(why) && holds(source)
      );
      if (!reason) return show(`refused for a reason not documented as deliberate: ${why}`);
      reasons?.set(reason[0].source, (reasons.get(reason[0].source) ?? 0) + 1);
      return undefined;
    }
    const differ = probes.filter((probe, j) => re.test(probe) !== row.matches![j]);
    if (differ.length) {
      return show(
        `matches differ on ${JSON.stringify(differ)}: JavaScript says ` +
          JSON.stringify(differ.map((d) => re.test(d))),
      );
    }
    return undefined;
  });
}

Deno.test('json schema validator agrees with ajv on which patterns it refuses', async () => {
  const sql = connect();
  try {
    await agree(
      'json_schema_regex on the supported subset',
      patternArb,
      (batch) => checkPatterns(sql, batch, true),
    );
    const reasons = new Map<string, number>();
    const wild = await agree(
      'json_schema_regex on wild patterns',
      wildPatternArb.map((source) => ({ source, samples: [] as string[] })),
      (batch) => checkPatterns(sql, batch, false, reasons),
    );
    const accepted = wild.filter((p) => jsCompiles(p.source)).length;
    console.log(
      `wild patterns JavaScript accepts: ${accepted} of ${wild.length}; ` +
        `deliberate refusals: ${JSON.stringify(Object.fromEntries(reasons))}`,
    );
    assert.ok(
      accepted >= wild.length / 5 && accepted <= wild.length * 4 / 5,
      'wild patterns are neither all valid nor all broken',
    );
  } finally {
    await sql.end();
  }
});

/** Keywords outside the subset, each with a value of the right shape for 2020-12. */
// deno-fmt-ignore
const UNSUPPORTED: JsonObject = {
  oneOf: [true], anyOf: [true], allOf: [true], not: false, if: true, then: true, else: true,
  $ref: '#', $defs: {}, $id: 'https://example.com/s', $anchor: 'a', $dynamicRef: '#a',
  $dynamicAnchor: 'a', $vocabulary: {}, definitions: {}, dependencies: {},
  patternProperties: { '^a': true }, prefixItems: [true], contains: true, minContains: 1,
  maxContains: 1, minProperties: 1, maxProperties: 1, propertyNames: true, dependentRequired: {},
  dependentSchemas: {}, unevaluatedProperties: false, unevaluatedItems: false,
  contentEncoding: 'base64', contentMediaType: 'application/json', contentSchema: true,
  nullable: true, 'x-order': 1,
};

/** json_path_key of the migration: `.key`, or `["odd key"]`. */
function pathKey(path: string, key: string): string {
  return /^[A-Za-z_$][A-Za-z0-9_$]*$/.test(key)
    ? `${path}.${key}`
    : `${path}[${JSON.stringify(key)}]`;
}

/** Every object schema inside `schema`, with its path as json_schema_problems names it. */
function subschemas(schema: Schema, path: string, out: [string, JsonObject][]): void {
  if (typeof schema === 'boolean') return;
  out.push([path, schema]);
  for (const [key, sub] of Object.entries((schema.properties ?? {}) as Record<string, Schema>)) {
    subschemas(sub, pathKey(`${path}.properties`, key), out);
  }
  if (schema.items !== undefined) subschemas(schema.items as Schema, `${path}.items`, out);
  if (schema.additionalProperties !== undefined) {
    subschemas(schema.additionalProperties as Schema, `${path}.additionalProperties`, out);
  }
}

Deno.test('json schema validator accepts generated schemas and refuses keywords outside the subset', async () => {
  const s = await setup();
  try {
    const o = { timeZones: s.timeZones, huge: false };
    const arb = schemaArb
      .chain((bare) => withDefaultsArb(bare, 0, o, s.validate))
      .chain((schema) => {
        const places: [string, JsonObject][] = [];
        subschemas(schema, 'settings_schema', places);
        return fc.record({
          schema: fc.constant(schema as JsonObject),
          at: fc.nat(places.length - 1),
          keyword: fc.constantFrom(...Object.keys(UNSUPPORTED)),
        });
      });
    await agree('json_schema_problems', arb, async (batch) => {
      const pairs = batch.map(({ schema, at, keyword }) => {
        const copy = structuredClone(schema);
        const places: [string, JsonObject][] = [];
        subschemas(copy, 'settings_schema', places);
        const [path, target] = places[at];
        target[keyword] = UNSUPPORTED[keyword];
        return { schema, copy, path, keyword };
      });
      const text = JSON.stringify(pairs.map((p) => [p.schema, p.copy]));
      const rows = await s.sql<{ ok: string; refused: string }[]>`
        select private.json_schema_problems(e.pair -> 0)::text as ok,
          private.json_schema_problems(e.pair -> 1)::text as refused
        from pg_catalog.jsonb_array_elements(${text}::text::jsonb) with ordinality as e (pair, i)
        order by e.i`;
      return rows.map((row, k) => {
        const { copy, path, keyword } = pairs[k];
        const show = (why: string) => `${why}\n  schema: ${JSON.stringify(copy)}`;
        if (row.ok !== '[]') {
          return show(`refuses the schema before ${keyword} was added: ${row.ok}`);
        }
        const problems = JSON.parse(row.refused) as { path?: unknown; message?: unknown }[];
        if (!problems.length) return show(`accepts ${keyword} at ${path}`);
        if (!problems.every((p) => typeof p.path === 'string' && typeof p.message === 'string')) {
          return show(`a problem without a path or message: ${row.refused}`);
        }
        if (
          !problems.some((p) => p.path === path && (p.message as string).includes(`"${keyword}"`))
        ) {
          return show(`no problem names ${keyword} at ${path}: ${row.refused}`);
        }
        return undefined;
      });
    }, { runs: 300 });
  } finally {
    await s.sql.end();
  }
});

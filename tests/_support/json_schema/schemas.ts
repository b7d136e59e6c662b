/**
 * Schemas in the supported subset of JSON Schema 2020-12, instances for them, and whole cases
 * for the JSON Schema agreement test.
 */
import fc from 'fast-check';
import { FORMATS, formatStringArb } from './formats.ts';
import { type Pattern, patternArb } from './patterns.ts';
import {
  CHARS,
  decimal,
  decimalArb,
  hugeArb,
  type Json,
  type JsonObject,
  MULTIPLES,
  type Schema,
  stringArb,
} from './values.ts';

// ---------------------------------------------------------------------------------------------
// Schemas.
// ---------------------------------------------------------------------------------------------

/**
 * Property names: plain, with a space or a dot, non-ASCII, empty, a digit; instances also get
 * `__proto__` (an own key, as JSON.parse makes it). Names of other Object.prototype members are
 * left out: fast-deep-equal, which ajv uses for `enum`, `const` and `uniqueItems`, reads
 * `a.constructor` and calls `a.toString()` on the objects it compares, so {"constructor": {}}
 * is not equal to itself there and {"toString": 1} throws; and ajv fills a default only where
 * `data[key] === undefined`, which an inherited member never is.
 */
export const KEYS = ['a', 'b', 'c', 'id', 'name', 'tags', 'x y', 'a.b', 'é', '😀', '', '0'];

export const TYPES = ['object', 'array', 'string', 'number', 'integer', 'boolean', 'null'];

/** Schemas nest at most this deep (the root is 0). */
const MAX_DEPTH = 3;

/** Any JSON value at most `6 - depth` levels deep. */
function jsonArbs(huge: boolean): fc.Arbitrary<Json>[] {
  const numberArb = huge ? fc.oneof({ weight: 4, arbitrary: decimalArb }, hugeArb) : decimalArb;
  const scalar: fc.Arbitrary<Json> = fc.oneof(
    fc.constant(null),
    fc.boolean(),
    numberArb,
    numberArb,
    stringArb(),
  );
  const byDepth: fc.Arbitrary<Json>[] = [];
  byDepth[6] = scalar;
  for (let d = 5; d >= 0; d--) {
    const inner = byDepth[d + 1];
    byDepth[d] = fc.oneof(
      { weight: 4, arbitrary: scalar },
      { weight: 1, arbitrary: fc.array(inner, { maxLength: 3 }) },
      {
        weight: 1,
        arbitrary: fc.dictionary(fc.constantFrom(...KEYS, '__proto__'), inner, { maxKeys: 3 })
          .map((o) => ({ ...o }) as Json),
      },
    );
  }
  return byDepth;
}

const ANY_JSON = jsonArbs(true);
const SAFE_JSON = jsonArbs(false);

type Keywords = Record<string, Json | undefined>;

function maybe<T>(arb: fc.Arbitrary<T>, weight = 1, skip = 3): fc.Arbitrary<T | undefined> {
  return fc.oneof({ weight: skip, arbitrary: fc.constant(undefined) }, { weight, arbitrary: arb });
}

const NUMBERS = ['number', 'integer'];

/** The kinds of value each type-specific keyword looks at. */
// deno-fmt-ignore
const KEYWORD_TYPES: Record<string, string[]> = {
  minimum: NUMBERS, maximum: NUMBERS, exclusiveMinimum: NUMBERS, exclusiveMaximum: NUMBERS,
  multipleOf: NUMBERS, minLength: ['string'], maxLength: ['string'], pattern: ['string'],
  format: ['string'], items: ['array'], minItems: ['array'], maxItems: ['array'],
  uniqueItems: ['array'], properties: ['object'], required: ['object'],
  additionalProperties: ['object'],
};

const typeSpecArb: fc.Arbitrary<string | string[] | undefined> = fc.oneof(
  { weight: 2, arbitrary: fc.constant(undefined) },
  { weight: 6, arbitrary: fc.constantFrom(...TYPES) },
  {
    weight: 2,
    arbitrary: fc.uniqueArray(fc.constantFrom(...TYPES), { minLength: 1, maxLength: 3 }),
  },
);

/** The types a schema lets through (every type when it does not say). */
export function typesOf(schema: JsonObject): string[] {
  const t = schema.type;
  if (typeof t === 'string') return [t];
  if (Array.isArray(t)) return t as string[];
  return TYPES;
}

/**
 * Numeric, string, array and object keywords only when `type` names that kind of value: ajv's
 * strict mode (strictTypes) refuses {"type": "string", "minimum": 1}, whose `minimum` can never
 * apply, and {"minimum": 1} without a type. That keywords pass values of other types is still
 * tested, through type lists: {"type": ["string", "number"], "minimum": 1, "minLength": 2}.
 */
function applies(types: string[] | undefined, keyword: string): boolean {
  const own = KEYWORD_TYPES[keyword];
  return own === undefined || (types !== undefined && own.some((t) => types.includes(t)));
}

/** Where the instance generator finds strings that match a schema's pattern. */
const patternSamples = new WeakMap<JsonObject, string[]>();

function schemaArbs(): fc.Arbitrary<Schema>[] {
  const byDepth: fc.Arbitrary<Schema>[] = [];
  for (let d = MAX_DEPTH; d >= 0; d--) {
    const sub = byDepth[d + 1];
    const keywords: Record<string, fc.Arbitrary<unknown>> = {
      type: typeSpecArb,
      enum: maybe(
        fc.oneof(
          { weight: 5, arbitrary: fc.array(SAFE_JSON[d + 2], { minLength: 1, maxLength: 4 }) },
          // Over 10 values: Postgres's message then names only 3.
          { weight: 1, arbitrary: fc.array(SAFE_JSON[6], { minLength: 11, maxLength: 14 }) },
        ),
        1,
        6,
      ),
      const: maybe(SAFE_JSON[d + 2], 1, 10),
      minimum: maybe(decimalArb),
      maximum: maybe(decimalArb),
      exclusiveMinimum: maybe(decimalArb, 1, 5),
      exclusiveMaximum: maybe(decimalArb, 1, 5),
      multipleOf: maybe(fc.constantFrom(...MULTIPLES)),
      minLength: maybe(fc.nat(4)),
      maxLength: maybe(fc.nat(6)),
      pattern: maybe(patternArb, 2),
      format: maybe(fc.constantFrom(...FORMATS), 2),
      minItems: maybe(fc.nat(3)),
      maxItems: maybe(fc.nat(4)),
      uniqueItems: maybe(fc.boolean()),
      title: maybe(stringArb(), 1, 8),
      description: maybe(stringArb(), 1, 8),
      $comment: maybe(stringArb(), 1, 10),
      examples: maybe(fc.array(SAFE_JSON[d + 2], { maxLength: 2 }), 1, 10),
      deprecated: maybe(fc.boolean(), 1, 10),
      readOnly: maybe(fc.boolean(), 1, 10),
      writeOnly: maybe(fc.boolean(), 1, 10),
    };
    if (sub) {
      keywords.items = maybe(sub, 2, 2);
      keywords.properties = maybe(
        fc.uniqueArray(fc.tuple(fc.constantFrom(...KEYS), sub), {
          minLength: 1,
          maxLength: 4,
          selector: ([key]) => key,
        }),
        3,
        1,
      );
      keywords.additionalProperties = maybe(fc.oneof(fc.boolean(), sub), 1, 2);
    }
    keywords.required = maybe(
      fc.tuple(
        fc.array(fc.boolean(), { maxLength: 4 }),
        fc.uniqueArray(fc.constantFrom(...KEYS), { maxLength: 2 }),
      ),
      1,
      1,
    );
    const objectSchema = fc.record(keywords).map((k) => buildSchema(k as Keywords, d === 0));
    byDepth[d] = d === 0 ? objectSchema : fc.oneof(
      { weight: 1, arbitrary: fc.boolean() },
      { weight: 8, arbitrary: objectSchema },
    );
  }
  return byDepth;
}

function buildSchema(k: Keywords, root: boolean): JsonObject {
  let type = k.type as string | string[] | undefined;
  if (root) {
    // Settings are JSON objects: the root must let objects through.
    type = type === undefined
      ? undefined
      : Array.isArray(type) && type.includes('object')
      ? type
      : 'object';
  }
  const schema: JsonObject = {};
  if (type !== undefined) schema.type = type;
  const types = type === undefined ? undefined : typesOf(schema);
  const pairs = (k.properties ?? []) as [string, Schema][];
  for (const [keyword, value] of Object.entries(k)) {
    if (value === undefined || keyword === 'type' || !applies(types, keyword)) continue;
    if (keyword === 'pattern') {
      const p = value as unknown as Pattern;
      schema.pattern = p.source;
      patternSamples.set(schema, p.samples);
    } else if (keyword === 'properties') {
      schema.properties = Object.fromEntries(pairs);
    } else if (keyword === 'required') {
      const [mask, extra] = value as [boolean[], string[]];
      const names = pairs.filter((_, i) => mask[i]).map(([key]) => key);
      for (const key of extra) if (!names.includes(key)) names.push(key);
      if (names.length) schema.required = names;
    } else {
      schema[keyword] = value;
    }
  }
  return schema;
}

/** Schemas within the supported subset; the root is an object schema, as for settings. */
export const schemaArb: fc.Arbitrary<JsonObject> = schemaArbs()[0] as fc.Arbitrary<JsonObject>;

/** True when `schema` says `multipleOf` anywhere. */
export function hasMultipleOf(schema: Json): boolean {
  if (Array.isArray(schema)) return schema.some(hasMultipleOf);
  if (schema === null || typeof schema !== 'object') return false;
  return 'multipleOf' in schema || Object.values(schema).some(hasMultipleOf);
}

// ---------------------------------------------------------------------------------------------
// Instances.
// ---------------------------------------------------------------------------------------------

/** How the instance generator checks a default before putting it in a schema. */
export type Validate = (schema: Schema, value: Json) => boolean;

export interface InstanceOptions {
  timeZones: string[];
  /** Numbers far from zero (not where `multipleOf` would see them: see hugeArb). */
  huge: boolean;
}

/** Values close to what `schema` accepts, as often valid as not, and any JSON now and then. */
export function valueArb(schema: Schema, depth: number, o: InstanceOptions): fc.Arbitrary<Json> {
  const any = (o.huge ? ANY_JSON : SAFE_JSON)[Math.min(depth, 6)];
  if (typeof schema === 'boolean' || depth > 5) return any;
  const hints: Json[] = [];
  if (Array.isArray(schema.enum)) hints.push(...schema.enum);
  if ('const' in schema) hints.push(schema.const);
  if ('default' in schema) hints.push(schema.default);
  if (Array.isArray(schema.examples)) hints.push(...schema.examples);
  const options: fc.WeightedArbitrary<Json>[] = [{ weight: 3, arbitrary: any }];
  if (hints.length) {
    options.push({
      weight: 9,
      arbitrary: fc.constantFrom(...hints).chain((h) =>
        fc.oneof({ weight: 2, arbitrary: fc.constant(h) }, nearMiss(h))
      ),
    });
  }
  const types = typesOf(schema);
  for (const type of types) {
    options.push({
      weight: Math.ceil(24 / types.length),
      arbitrary: typedArb(type, schema, depth, o),
    });
  }
  return fc.oneof(...options);
}

/** The same value written differently (keys reordered), or a small change of it. */
function nearMiss(value: Json): fc.Arbitrary<Json> {
  if (typeof value === 'number') {
    return fc.constantFrom(0.0001, -0.0001, 1, -1, 0.5).map((d) => decimal(value + d));
  }
  if (typeof value === 'string') {
    return fc.constantFrom(...CHARS).map((c) => value + c);
  }
  if (Array.isArray(value)) {
    return fc.constantFrom([...value].reverse(), value.slice(1), [...value, null]);
  }
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value);
    return fc.constantFrom(
      Object.fromEntries([...entries].reverse()) as Json,
      Object.fromEntries(entries.slice(1)) as Json,
      { ...value, zz: 1 },
    );
  }
  return fc.constant(value === null ? false : null);
}

function typedArb(
  type: string,
  schema: JsonObject,
  depth: number,
  o: InstanceOptions,
): fc.Arbitrary<Json> {
  switch (type) {
    case 'null':
      return fc.constant(null);
    case 'boolean':
      return fc.boolean();
    case 'number':
    case 'integer':
      return numberFor(schema, type === 'integer', o);
    case 'string':
      return stringFor(schema, o);
    case 'array':
      return arrayFor(schema, depth, o);
    default:
      return objectFor(schema, depth, o);
  }
}

function numberFor(schema: JsonObject, integer: boolean, o: InstanceOptions): fc.Arbitrary<Json> {
  const anchors = ['minimum', 'maximum', 'exclusiveMinimum', 'exclusiveMaximum']
    .map((k) => schema[k]).filter((v): v is number => typeof v === 'number');
  const step = typeof schema.multipleOf === 'number' ? schema.multipleOf : undefined;
  const options: fc.Arbitrary<Json>[] = [
    o.huge && step === undefined ? fc.oneof(decimalArb, hugeArb) : decimalArb,
  ];
  if (anchors.length) {
    options.push(
      fc.tuple(
        fc.constantFrom(...anchors),
        fc.constantFrom(0, 0, 1, -1, 0.5, -0.5, 0.0001, -0.0001),
      )
        .map(([a, d]) => decimal(a + (integer ? Math.round(d) : d))),
    );
  }
  if (step !== undefined) {
    const near = anchors.length ? anchors : [0];
    options.push(
      fc.tuple(
        fc.constantFrom(...near),
        fc.integer({ min: -3, max: 3 }),
        fc.constantFrom(0, 0, 0, 0.0001, 0.5),
      )
        .map(([a, k, off]) => decimal((Math.round(a / step) + k) * step + off)),
    );
  }
  if (integer) options.push(fc.integer({ min: -10, max: 10 }));
  return fc.oneof(...options);
}

function stringFor(schema: JsonObject, o: InstanceOptions): fc.Arbitrary<Json> {
  const options: fc.Arbitrary<Json>[] = [stringArb()];
  if (typeof schema.format === 'string') {
    options.push(
      formatStringArb(schema.format, o.timeZones),
      formatStringArb(schema.format, o.timeZones),
    );
  }
  const samples = patternSamples.get(schema);
  if (samples) {
    // The samples themselves, and with a character added somewhere (a newline, \u2028, an emoji…).
    options.push(
      fc.constantFrom(...samples),
      fc.tuple(fc.constantFrom(...samples), fc.constantFrom(...CHARS), fc.nat()).map(
        ([s, c, at]) => {
          const chars = [...s];
          const i = at % (chars.length + 1);
          return [...chars.slice(0, i), c, ...chars.slice(i)].join('');
        },
      ),
    );
  }
  const min = typeof schema.minLength === 'number' ? schema.minLength : undefined;
  const max = typeof schema.maxLength === 'number' ? schema.maxLength : undefined;
  if (min !== undefined || max !== undefined) {
    // Lengths count code points: an emoji is one character, not two UTF-16 units.
    const from = Math.max(0, (min ?? max!) - 1);
    const to = (max ?? min!) + 1;
    options.push(
      fc.integer({ min: from, max: Math.max(from, to) }).chain((n) =>
        fc.array(fc.constantFrom(...CHARS), { minLength: n, maxLength: n }).map((a) => a.join(''))
      ),
    );
  }
  return fc.oneof(...options);
}

function arrayFor(schema: JsonObject, depth: number, o: InstanceOptions): fc.Arbitrary<Json> {
  const items = schema.items as Schema | undefined;
  const item = items === undefined
    ? (o.huge ? ANY_JSON : SAFE_JSON)[depth + 1]
    : valueArb(items, depth + 1, o);
  const min = typeof schema.minItems === 'number' ? schema.minItems : 0;
  const max = typeof schema.maxItems === 'number' ? schema.maxItems : min + 3;
  const arr = fc.array(item, {
    minLength: Math.max(0, min - 1),
    maxLength: Math.min(5, Math.max(min, max + 1)),
  });
  if (schema.uniqueItems !== true) return arr;
  // Duplicates, some written with their keys in another order or their numbers spelled apart.
  return arr.chain((a) =>
    a.length === 0 ? fc.constant(a as Json) : fc.oneof(
      fc.constant(a as Json),
      fc.nat(a.length - 1).map((i) => [...a, reorder(a[i])] as Json),
    )
  );
}

function reorder(value: Json): Json {
  if (Array.isArray(value)) return value.map(reorder);
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(Object.entries(value).reverse().map(([k, v]) => [k, reorder(v)]));
}

function objectFor(schema: JsonObject, depth: number, o: InstanceOptions): fc.Arbitrary<Json> {
  const properties = (schema.properties ?? {}) as Record<string, Schema>;
  const extraSchema = (schema.additionalProperties ?? true) as Schema;
  const names = new Set([...Object.keys(properties), ...((schema.required ?? []) as string[])]);
  const fields: Record<string, fc.Arbitrary<Json | undefined>> = {};
  for (const name of names) {
    fields[name] = maybe(valueArb(properties[name] ?? extraSchema, depth + 1, o), 3, 1);
  }
  const extra = fc.array(
    fc.tuple(fc.constantFrom(...KEYS, '__proto__', 'zz'), valueArb(extraSchema, depth + 1, o)),
    {
      maxLength: 2,
    },
  );
  return fc.tuple(fc.record(fields), extra).map(([known, more]) => {
    const out: JsonObject = {};
    for (const [k, v] of Object.entries(known)) if (v !== undefined) defineKey(out, k, v);
    for (const [k, v] of more) defineKey(out, k, v);
    return out;
  });
}

/** Sets a key as JSON.parse does: `__proto__` becomes an own key, not the prototype. */
function defineKey(o: JsonObject, key: string, value: Json): void {
  Object.defineProperty(o, key, { value, enumerable: true, writable: true, configurable: true });
}

// ---------------------------------------------------------------------------------------------
// Defaults, then whole cases.
// ---------------------------------------------------------------------------------------------

/**
 * `schema` with `default`s added to some property schemas (and to some `items` schemas, where
 * neither validator uses them), each one a value `validate` accepts: a default that fails its
 * own schema is refused by json_schema_problems (and ajv would not notice). None at the root,
 * which neither uses either: with useDefaults, ajv's strict mode refuses one there.
 */
export function withDefaultsArb(
  schema: Schema,
  depth: number,
  o: InstanceOptions,
  validate: Validate,
): fc.Arbitrary<Schema> {
  if (typeof schema === 'boolean') return fc.constant(schema);
  /** `sub` with a default (one time in `skip + 1`), when the generated value passes it. */
  const withDefault = (sub: Schema, skip: number): fc.Arbitrary<Schema> =>
    typeof sub === 'boolean' ? fc.constant(sub) : maybe(
      valueArb(sub, depth + 1, o).map(withoutProto),
      1,
      skip,
    ).map((value) =>
      value === undefined || !validate(sub, value)
        ? sub
        : copySamples(sub, { ...sub, default: value })
    );
  const parts: Record<string, fc.Arbitrary<Schema>> = {};
  const properties = (schema.properties ?? {}) as Record<string, Schema>;
  for (const [key, sub] of Object.entries(properties)) {
    parts[`p:${key}`] = withDefaultsArb(sub, depth + 1, o, validate).chain((s) =>
      withDefault(s, 2)
    );
  }
  for (const keyword of ['items', 'additionalProperties']) {
    const sub = schema[keyword];
    if (sub !== undefined && typeof sub !== 'boolean') {
      parts[keyword] = withDefaultsArb(sub as Schema, depth + 1, o, validate).chain((s) =>
        keyword === 'items' ? withDefault(s, 6) : fc.constant(s)
      );
    }
  }
  return fc.record(parts).map((p) => {
    const out: JsonObject = { ...schema };
    if (schema.properties) {
      out.properties = Object.fromEntries(Object.keys(properties).map((k) => [k, p[`p:${k}`]]));
    }
    if (p.items !== undefined) out.items = p.items;
    if (p.additionalProperties !== undefined) out.additionalProperties = p.additionalProperties;
    return copySamples(schema, out);
  });
}

/** `to`, a changed copy of `from`, with the pattern samples of `from`. */
function copySamples(from: JsonObject, to: JsonObject): JsonObject {
  const samples = patternSamples.get(from);
  if (samples) patternSamples.set(to, samples);
  return to;
}

/**
 * `value` without `__proto__` keys. ajv writes a default into its generated code as an object
 * literal, where `"__proto__": x` sets the prototype instead of making a key, so ajv would fill
 * {"__proto__": 5} as {}.
 */
function withoutProto(value: Json): Json {
  if (Array.isArray(value)) return value.map(withoutProto);
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(
    Object.entries(value).filter(([k]) => k !== '__proto__').map(([k, v]) => [k, withoutProto(v)]),
  );
}

/** One case of the agreement test: a schema, an instance, and how to spell their numbers. */
export interface Case {
  schema: JsonObject;
  value: Json;
  spelling: number;
}

/** A general case: any schema of the subset, with defaults, and an instance near it. */
function generalCaseArb(timeZones: string[], validate: Validate): fc.Arbitrary<Case> {
  return schemaArb.chain((bare) => {
    const o: InstanceOptions = { timeZones, huge: !hasMultipleOf(bare) };
    return withDefaultsArb(bare, 0, o, validate).chain((schema) =>
      fc.record({
        schema: fc.constant(schema as JsonObject),
        value: valueArb(schema, 0, o),
        spelling: fc.nat(),
      })
    );
  });
}

/** A settings schema with one string property `v`, and settings with a string for it. */
function stringCase(property: JsonObject, value: fc.Arbitrary<string>): fc.Arbitrary<Case> {
  return fc.record({
    schema: fc.constant({ type: 'object', properties: { v: property }, required: ['v'] }),
    value: value.map((v) => ({ v })),
    spelling: fc.constant(0),
  });
}

/** Cases for the agreement test: general ones, and many strings for formats and patterns. */
export function caseArb(timeZones: string[], validate: Validate): fc.Arbitrary<Case> {
  return fc.oneof(
    { weight: 3, arbitrary: generalCaseArb(timeZones, validate) },
    {
      weight: 2,
      arbitrary: fc.constantFrom(...FORMATS).chain((format) =>
        stringCase(
          { type: 'string', format },
          fc.oneof(
            { weight: 5, arbitrary: formatStringArb(format, timeZones) },
            { weight: 1, arbitrary: stringArb() },
          ),
        )
      ),
    },
    {
      weight: 1,
      arbitrary: patternArb.chain((p) => {
        const property = { type: 'string', pattern: p.source };
        patternSamples.set(property, p.samples);
        return stringCase(
          property,
          stringFor(property, { timeZones, huge: false }) as fc.Arbitrary<string>,
        );
      }),
    },
  );
}

/**
 * JSON values for the JSON Schema agreement test (tests/database/json_schema_agreement.test.ts):
 * the characters strings are made of, numbers both validators read alike, and JSON texts that
 * spell one number several ways (1, 1.0, 1e0, 10E-1).
 *
 * What the generators leave out on purpose (each would be a difference of JavaScript numbers or
 * objects, not of the validators) is said where it is left out.
 */
import fc from 'fast-check';

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export type JsonObject = { [key: string]: Json };
export type Schema = boolean | JsonObject;

// ---------------------------------------------------------------------------------------------
// Characters.
// ---------------------------------------------------------------------------------------------

/**
 * Characters that strings and patterns are made of: ASCII letters, digits and punctuation, every
 * regex metacharacter, line terminators (\n, \r, \u2028, \u2029) and other white space, non-ASCII
 * letters and digits (é, ß, Arabic-Indic ٣), and characters outside the BMP (😀, 𝟘), which
 * JavaScript strings hold as two UTF-16 units. Also white space that only Unicode knows
 * (U+1680, U+2005, U+202F, U+205F), look-alikes that are not (U+180E, U+200B), letters that fold
 * to ASCII ones (ſ, K: Kelvin) and a combining accent (U+0301, after any letter).
 */
// deno-fmt-ignore
export const CHARS = [
  'a', 'b', 'c', 'x', 'Z', '0', '7', '_', ' ', '-', ',', ':', '=', '!', '#', '@', '%', '~', '"',
  "'", '.', '*', '+', '?', '(', ')', '[', ']', '{', '}', '|', '^', '$', '\\', '/', '\n', '\r',
  '\t', '\v', '\f', '\b', '\u2028', '\u2029', '\u00a0', '\ufeff', '\u3000', 'é', 'É', 'ß', '٣',
  '中', '😀', '𝟘', '\u1680', '\u2005', '\u202f', '\u205f', '\u180e', '\u200b', 'ſ', 'K',
  '\u0301',
];

/** Any string of up to `max` characters from CHARS. */
export function stringArb(max = 6): fc.Arbitrary<string> {
  return fc.array(fc.constantFrom(...CHARS), { maxLength: max }).map((a) => a.join(''));
}

// ---------------------------------------------------------------------------------------------
// Numbers.
// ---------------------------------------------------------------------------------------------

/**
 * Decimals with at most 4 fraction digits and |x| < 10^6: exact in both languages to the digits
 * that matter, so comparisons agree, and a true non-multiple of a `multipleOf` from MULTIPLES is
 * at least 1e-4 away from a whole quotient, far above the 1e-6 of float noise ajv is told to
 * ignore (multipleOfPrecision: 6).
 */
export const decimalArb: fc.Arbitrary<number> = fc.oneof(
  { weight: 2, arbitrary: fc.integer({ min: -5, max: 5 }) },
  {
    weight: 3,
    arbitrary: fc.tuple(fc.integer({ min: -9_999_999_999, max: 9_999_999_999 }), fc.nat(4))
      .map(([mantissa, scale]) => decimal(mantissa / 10 ** scale)),
  },
);

/**
 * Numbers far from zero or with tiny magnitudes, for schemas without `multipleOf`. At most 15
 * significant digits (or 2^53 itself): a JSON number with more digits than a double holds is
 * rounded by JavaScript and kept exact by Postgres, a difference of number models, not of the
 * validators; the generator never writes one.
 */
export const hugeArb: fc.Arbitrary<number> = fc.constantFrom(
  1e15,
  -1e15,
  2 ** 53,
  1e20,
  -1e20,
  1.5e300,
  -2.5e-7,
  1e-7,
  123456789012345,
  0.1,
  -0,
);

/** Multiples for `multipleOf`: integers, decimal fractions, and 0.3 of 0.1 + 0.2 fame. */
export const MULTIPLES = [1, 2, 3, 7, 100, 0.5, 0.25, 2.5, 0.1, 0.3, 0.01, 0.001];

/** Rounds float noise away: 4 fraction digits at most. */
export function decimal(x: number): number {
  return Math.abs(x) >= 1e15 ? x : Number(x.toFixed(4));
}

// ---------------------------------------------------------------------------------------------
// JSON texts.
// ---------------------------------------------------------------------------------------------

/**
 * `value` as JSON text in which numbers are spelled as `spelling` picks (0: as JSON.stringify):
 * 1 as 1, 1.0, 1e0 or 10E-1; 0.25 as 0.25, 2.5e-1 or 0.250. Every spelling is the same decimal,
 * so JSON.parse gives JavaScript the same number and Postgres keeps a numeric of equal value
 * (but another scale: `1.0` stays `1.0` in jsonb).
 */
export function jsonText(value: Json, spelling = 0): string {
  let index = 0;
  const write = (v: Json): string => {
    if (typeof v === 'number') return spell(v, spelling === 0 ? 0 : mix(spelling, index++));
    if (Array.isArray(v)) return `[${v.map(write).join(',')}]`;
    if (v !== null && typeof v === 'object') {
      return `{${Object.entries(v).map(([k, x]) => `${JSON.stringify(k)}:${write(x)}`).join(',')}}`;
    }
    return JSON.stringify(v);
  };
  return write(value);
}

function mix(a: number, b: number): number {
  let h = Math.imul(a ^ (b * 0x9e3779b1), 0x85ebca6b);
  h ^= h >>> 13;
  return (h >>> 0) % 4;
}

function spell(n: number, how: number): string {
  const plain = JSON.stringify(n);
  if (how === 0 || n === 0) return plain;
  const [mantissa, exponent] = n.toExponential().split('e');
  if (how === 1) {
    if (Number.isInteger(n) && Math.abs(n) < 1e15) return `${plain}.0`;
    return /^-?\d+\.\d+$/.test(plain) ? `${plain}0` : plain;
  }
  if (how === 2) return `${mantissa}e${exponent}`;
  // One digit more in the mantissa, one less in the exponent: 10E-1 for 1.
  const digits = mantissa.replace('.', '');
  const sign = digits.startsWith('-') ? '-' : '';
  const body = sign ? digits.slice(1) : digits;
  return `${sign}${body.slice(0, 2)}${body.length > 2 ? '.' + body.slice(2) : ''}` +
    `${body.length > 1 ? '' : '0'}E${Number(exponent) - 1}`;
}

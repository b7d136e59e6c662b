/** Strings for the formats of the JSON Schema agreement test: valid ones and near misses. */
import fc from 'fast-check';

// ---------------------------------------------------------------------------------------------
// Formats: valid strings and near misses.
// ---------------------------------------------------------------------------------------------

const pad = (n: number, width: number) => String(n).padStart(width, '0');

/** Mostly one of `good`, sometimes one of `bad`. */
function mostly<T>(good: fc.Arbitrary<T>, bad: fc.Arbitrary<T>): fc.Arbitrary<T> {
  return fc.oneof({ weight: 6, arbitrary: good }, { weight: 1, arbitrary: bad });
}

const dateArb: fc.Arbitrary<string> = mostly(
  fc.tuple(
    fc.constantFrom(2024, 2023, 2000, 1900, 2100, 1600, 0, 9999, 1),
    mostly(fc.integer({ min: 1, max: 12 }), fc.constantFrom(0, 13, 99)),
    fc.oneof(
      { weight: 4, arbitrary: fc.integer({ min: 1, max: 28 }) },
      { weight: 3, arbitrary: fc.constantFrom(29, 30, 31) }, // Feb 29 in leap and other years
      { weight: 1, arbitrary: fc.constantFrom(0, 32) },
    ),
  ).map(([y, m, d]) => `${pad(y, 4)}-${pad(m, 2)}-${pad(d, 2)}`),
  fc.constantFrom(
    '2024-1-01',
    '20240-01-01',
    '2024/01/01',
    '2024-01-01 ',
    '2024-01-01\n',
    ' 2024-01-01',
    '２０２４-01-01',
    '2024-0١-01',
    '2024-01-1a',
    '+2024-01-01',
    '2024-W01-1',
    '',
  ),
);

const offsetArb: fc.Arbitrary<string> = mostly(
  fc.oneof(
    fc.constantFrom('Z', 'z'),
    fc.tuple(
      fc.constantFrom('+', '-'),
      fc.integer({ min: 0, max: 23 }),
      fc.integer({ min: 0, max: 59 }),
      fc.constantFrom(':', ':', ''),
      fc.boolean(),
    ).map(([sign, h, m, sep, withMinutes]) =>
      `${sign}${pad(h, 2)}${withMinutes ? sep + pad(m, 2) : ''}`
    ),
  ),
  fc.constantFrom(
    '',
    '+',
    'UTC',
    'GMT+1',
    '+24:00',
    '-25:00',
    '+05:60',
    '+99:99',
    '−05:00',
    '+5:00',
    '+05:0',
    '+005:00',
    '+05:00:00',
    '+05 00',
    '+05::00',
  ),
);

const timeArb: fc.Arbitrary<string> = fc.tuple(
  mostly(fc.integer({ min: 0, max: 23 }), fc.constantFrom(24, 25, 99)),
  mostly(fc.integer({ min: 0, max: 59 }), fc.constantFrom(60, 61)),
  mostly(fc.integer({ min: 0, max: 59 }), fc.constantFrom(60, 61, 62)),
  // ajv reads seconds as a double: 59.99999999999999999 becomes 60, and 10:00:59.99999999999999999Z
  // fails there although RFC 3339 allows it. Up to 12 fraction digits a double is exact enough.
  fc.option(fc.stringMatching(/^[0-9]{1,12}$/), { nil: undefined }),
  offsetArb,
  mostly(fc.constant(':'), fc.constantFrom('.', '')),
).map(([h, m, s, frac, offset, sep]) =>
  `${pad(h, 2)}${sep}${pad(m, 2)}:${pad(s, 2)}${frac === undefined ? '' : '.' + frac}${offset}`
);

const dateTimeArb: fc.Arbitrary<string> = fc.oneof(
  {
    weight: 6,
    arbitrary: fc.tuple(
      dateArb,
      // T, t or one white-space character; a line terminator is white space too.
      mostly(
        fc.constantFrom('T', 't', ' ', '\n', '\t', '\u2028', '\u3000', '\u00a0', '\ufeff'),
        fc.constantFrom('_', 'TT', '', 'T ', '\u200b'),
      ),
      timeArb,
    ).map(([d, sep, t]) => d + sep + t),
  },
  // Leap seconds: valid only at 23:59:60 UTC, whatever the offset says the local time is.
  {
    weight: 2,
    arbitrary: fc.constantFrom(
      '2016-12-31T23:59:60Z',
      '2016-12-31T23:59:60.5Z',
      '2016-12-31T23:59:61Z',
      '2016-12-31T22:59:60Z',
      '2016-12-31T23:58:60Z',
      '2017-01-01T00:59:60+01:00',
      '2016-12-31T18:59:60-05:00',
      '2016-12-31T18:29:60-05:30',
      '2017-01-01T05:29:60+05:30',
      '2016-12-31T23:59:60+00:00',
      '2016-12-31T23:59:60-00:01',
      '2017-01-01T00:00:60+00:01',
      '2024-02-29T24:00:00Z',
      '2023-02-29T12:00:00Z',
      '2024-02-29T12:00:00Z',
    ),
  },
);

const emailArb: fc.Arbitrary<string> = fc.tuple(
  mostly(
    fc.constantFrom('a', 'john.doe', "o'brien", 'x+tag', 'A_B', '{x}', 'a|b', 'a.b.c', '~'),
    fc.constantFrom('a..b', '.a', 'a.', 'é', 'K', 'ſ', '', 'a b', '"quoted"', 'ü.x'),
  ),
  mostly(fc.constant('@'), fc.constantFrom('@@', '')),
  mostly(
    fc.constantFrom(
      'example.com',
      'ex-ample.co',
      'EXAMPLE.COM',
      'xn--bcher-kva.ch',
      'a.b.c.d',
      'x.y',
      'a'.repeat(63) + '.com',
      'a'.repeat(64) + '.com',
      'a'.repeat(200) + '.c',
      '1.2.3.4',
      'example',
      'localhost',
    ),
    fc.constantFrom(
      '-ex.com',
      'ex-.com',
      'ex_ample.com',
      '例え.jp',
      '[1.2.3.4]',
      'a.b.',
      '.a.b',
      'a..b',
      'ex.com\n',
      'K.com',
    ),
  ),
).map(([local, at, domain]) => local + at + domain);

const HEX = '0123456789abcdefABCDEF';
const uuidArb: fc.Arbitrary<string> = fc.tuple(
  fc.array(fc.constantFrom(...HEX), { minLength: 32, maxLength: 32 }),
  mostly(
    fc.constantFrom('', '', 'urn:uuid:', 'URN:UUID:'),
    fc.constantFrom('urn:uuid', 'uuid:', '{'),
  ),
  mostly(
    fc.constant('ok'),
    fc.constantFrom('no-dashes', 'short', 'long', 'g', 'dash-moved', 'braces'),
  ),
).map(([digits, prefix, change]) => {
  const d = digits.join('');
  const at = (...cuts: number[]) =>
    cuts.map((c, i) => d.slice(i === 0 ? 0 : cuts[i - 1], c)).join('-') + '-' +
    d.slice(cuts[cuts.length - 1]);
  let id = at(8, 12, 16, 20);
  if (change === 'no-dashes') id = d;
  if (change === 'short') id = id.slice(1);
  if (change === 'long') id += 'a';
  if (change === 'g') id = 'g' + id.slice(1);
  if (change === 'dash-moved') id = at(7, 12, 16, 20);
  if (change === 'braces') id = `{${id}}`;
  return prefix + id;
});

/** Strings for `format`, valid and near misses; time zones from the database's own list. */
export function formatStringArb(format: string, timeZones: string[]): fc.Arbitrary<string> {
  switch (format) {
    case 'date':
      return dateArb;
    case 'date-time':
      return dateTimeArb;
    case 'email':
      return emailArb;
    case 'uuid':
      return uuidArb;
    default:
      return fc.oneof(
        { weight: 3, arbitrary: fc.constantFrom(...timeZones) },
        {
          weight: 2,
          arbitrary: fc.constantFrom(...timeZones).chain((zone) =>
            fc.constantFrom(
              zone.toLowerCase(),
              zone.toUpperCase(),
              zone + ' ',
              zone + 'x',
              zone.replace('/', '-'),
              'posix/' + zone,
              zone.replace(/_/g, ' '),
            )
          ),
        },
        {
          weight: 1,
          arbitrary: fc.constantFrom(
            'UTC',
            'utc',
            'Etc/GMT+5',
            'GMT',
            'Mars/Olympus_Mons',
            'Europe/Paris',
            'America/Argentina/Buenos_Aires',
            'EST5EDT',
            'localtime',
            'Factory',
            'posixrules',
            '',
          ),
        },
      );
  }
}

export const FORMATS = ['date-time', 'date', 'email', 'uuid', 'time-zone'];

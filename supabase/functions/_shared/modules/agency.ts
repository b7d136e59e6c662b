/** Manifest of the `agency` module: its settings and their defaults. */
import { z } from 'zod';
import type { ModuleManifest } from './manifest.ts';

const TIME_ZONES = new Set(Intl.supportedValuesOf('timeZone'));
const CURRENCIES = new Set(Intl.supportedValuesOf('currency'));

/** How IANA spells names: each segment starts with a capital (`Etc/GMT+1`, `Port-au-Prince`). */
const IANA_SPELLING = /^[A-Z][A-Za-z0-9_+-]*(\/[A-Z][A-Za-z0-9_+-]*)*$/;

/**
 * An IANA time-zone name the runtime knows: a canonical zone, or a link Intl resolves (`UTC`,
 * `US/Eastern`), spelled as IANA spells it. Intl's lenient forms (`europe/paris`, `+01:00`) are
 * refused so that stored values stay canonical.
 */
function isTimeZone(name: string): boolean {
  if (TIME_ZONES.has(name)) return true;
  if (!IANA_SPELLING.test(name)) return false;
  try {
    new Intl.DateTimeFormat('en', { timeZone: name });
    return true;
  } catch {
    return false;
  }
}

/** Settings of `agency`; unknown keys are refused, missing ones take their default. */
export const agencySettings = z.strictObject({
  timezone: z.string().refine(isTimeZone, 'must be an IANA time-zone name, e.g. "Europe/Paris"')
    .default('UTC'),
  currency: z.string()
    .refine(
      (code) => /^[A-Z]{3}$/.test(code) && CURRENCIES.has(code),
      'must be an ISO 4217 currency code: three capital letters, e.g. "EUR"',
    )
    .default('USD'),
  max_clients: z.number().int('must be an integer').min(1).max(10_000).default(100),
  branding: z.strictObject({
    primary_color: z.string().regex(/^#[0-9A-Fa-f]{6}$/, 'must be a color like "#1A2B3C"'),
  }).optional(),
});

export type AgencySettings = z.infer<typeof agencySettings>;

/** The `agency` module's manifest. */
export const agency: ModuleManifest = {
  id: 'agency',
  settings: agencySettings,
};

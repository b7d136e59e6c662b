/** Manifest of the `agency` module: its settings and their defaults. */
import { z } from 'zod';
import type { ModuleManifest } from './manifest.ts';

const TIME_ZONES = new Set(Intl.supportedValuesOf('timeZone'));
const CURRENCIES = new Set(Intl.supportedValuesOf('currency'));

/** IANA names the runtime knows, plus the aliases Intl accepts (UTC, Etc/GMT+1, ...). */
function isTimeZone(name: string): boolean {
  if (TIME_ZONES.has(name)) return true;
  try {
    new Intl.DateTimeFormat('en', { timeZone: name });
    return /^[A-Za-z]/.test(name);
  } catch {
    return false;
  }
}

export const agencySettings = z.strictObject({
  timezone: z.string().refine(isTimeZone, 'must be an IANA time-zone name, e.g. "Europe/Paris"')
    .default('UTC'),
  currency: z.string().regex(/^[A-Z]{3}$/, 'must be an ISO 4217 code of three uppercase letters')
    .refine((c) => CURRENCIES.has(c), 'must be an ISO 4217 currency code, e.g. "EUR"')
    .default('USD'),
  max_clients: z.number().int('must be an integer').min(1).max(10_000).default(100),
  branding: z.strictObject({
    primary_color: z.string().regex(/^#[0-9A-Fa-f]{6}$/, 'must be a color like "#1A2B3C"'),
  }).optional(),
});

export type AgencySettings = z.infer<typeof agencySettings>;

export const agency: ModuleManifest = {
  id: 'agency',
  settings: agencySettings,
};

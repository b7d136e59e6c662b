/**
 * The module manifests the function knows. A catalog module without a manifest accepts any
 * JSON object as settings.
 */
import type { FieldError } from '../problem.ts';
import type { JsonObject } from '../json.ts';
import { agency } from './agency.ts';
import type { ModuleManifest } from './manifest.ts';

export type { ModuleManifest } from './manifest.ts';

const MANIFESTS = new Map<string, ModuleManifest>([[agency.id, agency]]);

/** The manifest of `moduleId`, if it has one. */
export function manifestOf(moduleId: string): ModuleManifest | undefined {
  return MANIFESTS.get(moduleId);
}

export type SettingsResult =
  | { ok: true; settings: JsonObject }
  | { ok: false; errors: FieldError[] };

/**
 * Validates settings against the module's manifest and applies its defaults; without a manifest
 * the object is returned as it is.
 */
export function parseSettings(moduleId: string, settings: JsonObject): SettingsResult {
  const manifest = manifestOf(moduleId);
  if (!manifest) return { ok: true, settings };
  const result = manifest.settings.safeParse(settings);
  if (result.success) return { ok: true, settings: result.data as JsonObject };
  return {
    ok: false,
    errors: result.error.issues.map((issue) => ({
      path: ['settings', ...issue.path.map(String)].join('.'),
      message: issue.code === 'unrecognized_keys'
        ? `unknown key(s): ${(issue as { keys: string[] }).keys.join(', ')}`
        : issue.message,
    })),
  };
}

/**
 * The verdict on `supabase db advisors` findings. The registry's own objects must have none at
 * all; a team's own module tables (README: "Add your own module") may have informational ones, such
 * as an index not used yet, which are reported but do not fail; errors and warnings fail wherever
 * they are.
 */

/** One finding of `supabase db advisors --output-format json`. */
export interface Finding {
  name: string;
  level: string;
  detail: string;
  metadata?: { schema?: string; name?: string; type?: string };
}

/** The registry's tables in `public` (supabase/tests/00_structure.sql lists the same). */
export const REGISTRY_TABLES = [
  'tenants',
  'tenant_members',
  'modules',
  'tenant_modules',
  'module_versions',
  'tenant_module_events',
];

/** Schemas the registry owns entirely. */
const REGISTRY_SCHEMAS = ['private'];

/** Whether a finding is about an object of the registry (or names no object at all). */
export function aboutRegistry(finding: Finding): boolean {
  const { schema, name } = finding.metadata ?? {};
  if (!schema || !name) return true;
  if (REGISTRY_SCHEMAS.includes(schema)) return true;
  return schema === 'public' && REGISTRY_TABLES.includes(name);
}

/** Findings that fail the check, and those only reported. */
export function judgeFindings(findings: Finding[]): { failing: Finding[]; reported: Finding[] } {
  const failing: Finding[] = [];
  const reported: Finding[] = [];
  for (const f of findings) {
    const serious = f.level === 'ERROR' || f.level === 'WARN';
    (serious || aboutRegistry(f) ? failing : reported).push(f);
  }
  return { failing, reported };
}

/** The shape every route returns for an installed module. */
import type { z } from '@hono/zod-openapi';
import type { Database } from '../../../packages/database/src/types/database.ts';
import { parseExactJson } from '../_shared/json.ts';
import type { tenantModuleSchema } from './schemas.ts';

/**
 * Columns of `tenant_modules` the API returns (never the internal `id`). The settings come as
 * jsonb's own text so that numbers reach the client exactly as stored (see `toRow`).
 */
export const ROW =
  'tenant_id, module_id, version, enabled, settings::text, installed_at, updated_at';

/** An installed module as the API returns it. */
export type TenantModule = z.infer<typeof tenantModuleSchema>;

/** A row as selected with `ROW`: the settings still as text. */
export type RowWithSettingsText =
  & Pick<
    Database['public']['Tables']['tenant_modules']['Row'],
    'tenant_id' | 'module_id' | 'version' | 'enabled' | 'installed_at' | 'updated_at'
  >
  & { settings: string };

/**
 * The row for the response, settings parsed so that `JSON.stringify` writes every number back as
 * the database stored it (`12345678901234567890`, `1.10`), not as a JavaScript double would.
 */
export function toRow(row: RowWithSettingsText): TenantModule {
  return { ...row, settings: parseExactJson(row.settings) as TenantModule['settings'] };
}

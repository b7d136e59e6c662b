/** The shape every route returns for an installed module. */
import type { Database } from '../../../packages/database/src/types/database.ts';

/** Columns of `tenant_modules` the API returns (never the internal `id`). */
export const ROW = 'tenant_id, module_id, enabled, settings, installed_at, updated_at';

/** An installed module as the API returns it. */
export type TenantModule = Pick<
  Database['public']['Tables']['tenant_modules']['Row'],
  'tenant_id' | 'module_id' | 'enabled' | 'settings' | 'installed_at' | 'updated_at'
>;

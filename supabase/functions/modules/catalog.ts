/**
 * `GET /modules`: the catalog of active modules, each at its current version with the JSON Schema
 * of its settings (so a client can render a settings form and check values before sending them)
 * and the modules it requires, as semver ranges.
 */
import { createRoute, z } from '@hono/zod-openapi';
import type { UserEnv } from '../_shared/auth.ts';
import { json, problems, validatedRoutes } from '../_shared/openapi.ts';
import { upstreamError } from '../_shared/postgrest-errors.ts';
import { methodNotAllowed } from './method-not-allowed.ts';
import { catalogModuleSchema } from './schemas.ts';

type CatalogModule = z.infer<typeof catalogModuleSchema>;

const listRoute = createRoute({
  method: 'get',
  path: '/',
  operationId: 'listCatalog',
  summary: 'The catalog',
  description: 'The active modules, by id, each at its current version.',
  responses: {
    200: json(z.array(catalogModuleSchema), 'The active modules.'),
    ...problems(),
  },
});

export const catalog = validatedRoutes<UserEnv>();

catalog.openapi(listRoute, async (c) => {
  const { data, error, status } = await c.var.db.from('modules')
    .select('id, name, description, version, is_active, settings_schema, requires')
    .eq('is_active', true).order('id');
  if (error) throw upstreamError(status, error);
  return c.json(data as CatalogModule[], 200);
});
catalog.all('/', methodNotAllowed('GET'));

/**
 * `GET /modules`: the catalog of active modules, each at its current version with the JSON Schema
 * of its settings (so a client can render a settings form and check values before sending them)
 * and the modules it requires, as semver ranges.
 */
import { Hono } from 'hono';
import type { UserEnv } from '../_shared/auth.ts';
import { upstreamError } from '../_shared/postgrest-errors.ts';
import { methodNotAllowed } from './method-not-allowed.ts';

export const catalog = new Hono<UserEnv>()
  .get('/', async (c) => {
    const { data, error, status } = await c.var.db.from('modules')
      .select('id, name, description, version, is_active, settings_schema, requires')
      .eq('is_active', true).order('id');
    if (error) throw upstreamError(status, error);
    return c.json(data);
  })
  .all('/', methodNotAllowed('GET'));

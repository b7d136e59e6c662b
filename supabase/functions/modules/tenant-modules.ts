/**
 * `/modules/tenants/{tenantId}[/{moduleId}[/settings]]`: a tenant's installed modules. Each
 * route makes one request to the REST API as the caller; only when that comes back refused or
 * empty does it ask why (see refusals.ts).
 */
import { Hono } from 'hono';
import { zValidator } from '@hono/zod-validator';
import { z } from 'zod';
import type { UserEnv } from '../_shared/auth.ts';
import { parseSettings } from '../_shared/modules/mod.ts';
import { upstreamError } from '../_shared/postgrest-errors.ts';
import { ApiError } from '../_shared/problem.ts';
import {
  invalid,
  jsonBody,
  jsonObject,
  moduleParams,
  moduleSlug,
  tenantParams,
} from '../_shared/validation.ts';
import { methodNotAllowed } from './method-not-allowed.ts';
import {
  explainNoRow,
  explainRefusedWrite,
  notInstalled,
  requireAdmin,
  roleIn,
  tenantNotFound,
} from './refusals.ts';
import { ROW } from './rows.ts';
import { mergeSettings } from './settings.ts';

const installBody = z.strictObject({
  module_id: moduleSlug,
  settings: jsonObject.optional(),
  enabled: z.boolean().optional(),
});
const enabledBody = z.strictObject({ enabled: z.boolean() });

const tenant = zValidator('param', tenantParams, invalid('param'));
const installed = zValidator('param', moduleParams, invalid('param'));

export const tenantModules = new Hono<UserEnv>()
  // The tenant's installed modules: one request, the tenant with its modules embedded, so a
  // tenant the caller cannot see is a 404 rather than an empty list.
  .get('/:tenantId', tenant, async (c) => {
    const { tenantId } = c.req.valid('param');
    const { data, error, status } = await c.var.db.from('tenants')
      .select(`id, tenant_modules(${ROW})`).eq('id', tenantId)
      .order('module_id', { referencedTable: 'tenant_modules' }).maybeSingle();
    if (error) throw upstreamError(status, error);
    if (!data) throw tenantNotFound();
    return c.json(data.tenant_modules);
  })
  // Install: settings parsed by the module's manifest (defaults applied), then one insert.
  .post(
    '/:tenantId',
    tenant,
    jsonBody,
    zValidator('json', installBody, invalid('json')),
    async (c) => {
      const { tenantId } = c.req.valid('param');
      const body = c.req.valid('json');
      const { db, caller } = c.var;
      const parsed = parseSettings(body.module_id, body.settings ?? {});
      if (!parsed.ok) {
        await requireAdmin(db, caller, tenantId);
        throw new ApiError(
          422,
          'invalid_settings',
          `The settings do not fit the "${body.module_id}" module's schema.`,
          parsed.errors,
        );
      }
      const { data, error, status } = await db.from('tenant_modules').insert({
        tenant_id: tenantId,
        module_id: body.module_id,
        settings: parsed.settings,
        enabled: body.enabled ?? true,
      }).select(ROW).single();
      if (error) {
        if (error.code === '23505') {
          throw new ApiError(
            409,
            'already_installed',
            `The tenant already has "${body.module_id}" installed.`,
          );
        }
        if (error.code === '42501' || error.code === '23503') {
          await explainRefusedWrite(db, caller, tenantId, body.module_id);
        }
        throw upstreamError(status, error);
      }
      return c.json(data, 201);
    },
  )
  .all('/:tenantId', methodNotAllowed('GET', 'POST'))
  // One installed module.
  .get('/:tenantId/:moduleId', installed, async (c) => {
    const { tenantId, moduleId } = c.req.valid('param');
    const { db, caller } = c.var;
    const { data, error, status } = await db.from('tenant_modules').select(ROW)
      .eq('tenant_id', tenantId).eq('module_id', moduleId).maybeSingle();
    if (error) throw upstreamError(status, error);
    if (!data) {
      await roleIn(db, caller, tenantId);
      throw notInstalled(moduleId);
    }
    return c.json(data);
  })
  // Enable or disable: one update returning the row.
  .patch(
    '/:tenantId/:moduleId',
    installed,
    jsonBody,
    zValidator('json', enabledBody, invalid('json')),
    async (c) => {
      const { tenantId, moduleId } = c.req.valid('param');
      const { enabled } = c.req.valid('json');
      const { db, caller } = c.var;
      const { data, error, status } = await db.from('tenant_modules').update({ enabled })
        .eq('tenant_id', tenantId).eq('module_id', moduleId).select(ROW).maybeSingle();
      if (error) {
        if (error.code === '42501') await explainRefusedWrite(db, caller, tenantId, moduleId);
        throw upstreamError(status, error);
      }
      if (!data) await explainNoRow(db, caller, tenantId, moduleId);
      return c.json(data);
    },
  )
  // Uninstall: one delete returning the deleted row's id.
  .delete('/:tenantId/:moduleId', installed, async (c) => {
    const { tenantId, moduleId } = c.req.valid('param');
    const { db, caller } = c.var;
    const { data, error, status } = await db.from('tenant_modules').delete()
      .eq('tenant_id', tenantId).eq('module_id', moduleId).select('id');
    if (error) throw upstreamError(status, error);
    if (!data.length) await explainNoRow(db, caller, tenantId, moduleId);
    return c.body(null, 204);
  })
  .all('/:tenantId/:moduleId', methodNotAllowed('GET', 'PATCH', 'DELETE'))
  // Merge into the settings (RFC 7396), without losing concurrent merges (see settings.ts).
  .patch(
    '/:tenantId/:moduleId/settings',
    installed,
    jsonBody,
    zValidator('json', jsonObject, invalid('json')),
    async (c) => {
      const { tenantId, moduleId } = c.req.valid('param');
      const { db, caller } = c.var;
      return c.json(await mergeSettings(db, caller, tenantId, moduleId, c.req.valid('json')));
    },
  )
  .all('/:tenantId/:moduleId/settings', methodNotAllowed('PATCH'));

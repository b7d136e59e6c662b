/**
 * `/modules/tenants/{tenantId}[/{moduleId}[/settings]]`: a tenant's installed modules. Each
 * route makes one request to the REST API as the caller; only when that comes back refused or
 * empty does it ask why (see refusals.ts). The database applies and checks each module's settings
 * schema; settings travel through untouched, numbers included.
 */
import { Hono } from 'hono';
import { zValidator } from '@hono/zod-validator';
import { z } from 'zod';
import type { UserEnv } from '../_shared/auth.ts';
import { type JsonObject, parseExactJson } from '../_shared/json.ts';
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
  explainInvalidSettings,
  explainNoRow,
  explainRefusedWrite,
  notInstalled,
  roleIn,
  tenantNotFound,
} from './refusals.ts';
import { ROW, type RowWithSettingsText, toRow } from './rows.ts';
import { mergeSettings } from './settings.ts';

const installBody = z.strictObject({
  module_id: moduleSlug,
  settings: jsonObject.optional(),
  enabled: z.boolean().optional(),
});
const enabledBody = z.strictObject({ enabled: z.boolean() });

const tenant = zValidator('param', tenantParams, invalid('param'));
const installed = zValidator('param', moduleParams, invalid('param'));

/**
 * The validated JSON body again, parsed so that numbers keep every digit the client sent (the
 * validator's copy went through JavaScript doubles).
 */
async function exactBody(req: { text(): Promise<string> }): Promise<JsonObject> {
  return parseExactJson(await req.text()) as JsonObject;
}

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
    return c.json(data.tenant_modules.map(toRow));
  })
  // Install: one insert; the database fills in the module's defaults and checks its schema.
  .post(
    '/:tenantId',
    tenant,
    jsonBody,
    zValidator('json', installBody, invalid('json')),
    async (c) => {
      const { tenantId } = c.req.valid('param');
      const body = c.req.valid('json');
      const { db, caller } = c.var;
      const settings = (await exactBody(c.req)).settings ?? {};
      const { data, error, status } = await db.from('tenant_modules').insert({
        tenant_id: tenantId,
        module_id: body.module_id,
        settings,
        enabled: body.enabled ?? true,
      }).select(ROW).single<RowWithSettingsText>();
      if (error) {
        if (error.code === '23505') {
          throw new ApiError(
            409,
            'already_installed',
            `The tenant already has "${body.module_id}" installed.`,
          );
        }
        if (error.code === '23514') {
          await explainInvalidSettings(db, caller, tenantId, status, error);
        }
        if (error.code === '42501' || error.code === '23503') {
          await explainRefusedWrite(db, caller, tenantId, body.module_id);
        }
        throw upstreamError(status, error);
      }
      return c.json(toRow(data), 201);
    },
  )
  .all('/:tenantId', methodNotAllowed('GET', 'POST'))
  // One installed module.
  .get('/:tenantId/:moduleId', installed, async (c) => {
    const { tenantId, moduleId } = c.req.valid('param');
    const { db, caller } = c.var;
    const { data, error, status } = await db.from('tenant_modules').select(ROW)
      .eq('tenant_id', tenantId).eq('module_id', moduleId).maybeSingle<RowWithSettingsText>();
    if (error) throw upstreamError(status, error);
    if (!data) {
      await roleIn(db, caller, tenantId);
      throw notInstalled(moduleId);
    }
    return c.json(toRow(data));
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
        .eq('tenant_id', tenantId).eq('module_id', moduleId).select(ROW)
        .maybeSingle<RowWithSettingsText>();
      if (error) {
        if (error.code === '42501') await explainRefusedWrite(db, caller, tenantId, moduleId);
        throw upstreamError(status, error);
      }
      if (!data) return await explainNoRow(db, caller, tenantId, moduleId);
      return c.json(toRow(data));
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
  // Merge into the settings (RFC 7396): one statement in the database (see settings.ts).
  .patch(
    '/:tenantId/:moduleId/settings',
    installed,
    jsonBody,
    zValidator('json', jsonObject, invalid('json')),
    async (c) => {
      const { tenantId, moduleId } = c.req.valid('param');
      const { db, caller } = c.var;
      return c.json(await mergeSettings(db, caller, tenantId, moduleId, await exactBody(c.req)));
    },
  )
  .all('/:tenantId/:moduleId/settings', methodNotAllowed('PATCH'));

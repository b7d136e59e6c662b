/**
 * `/modules/tenants/{tenantId}[/{moduleId}[/settings|/upgrade|/uninstall-preview]]`: a tenant's
 * installed modules. Each route makes one request to the REST API as the caller; only when that
 * comes back refused or empty does it ask why (see refusals.ts). The database applies and checks
 * each module's settings schema, its version's settings migrations and the dependencies between
 * modules, and purges the tables a module owns; settings travel through untouched, numbers
 * included.
 */
import { Hono } from 'hono';
import { zValidator } from '@hono/zod-validator';
import { z } from 'zod';
import type { UserEnv } from '../_shared/auth.ts';
import { type JsonObject, parseExactJson } from '../_shared/json.ts';
import { upstreamError } from '../_shared/postgrest-errors.ts';
import { ApiError } from '../_shared/problem.ts';
import {
  cascadeQuery,
  emptyBodyAsObject,
  invalid,
  jsonBody,
  jsonObject,
  moduleParams,
  moduleSlug,
  semver,
  tenantParams,
  uninstallQuery,
} from '../_shared/validation.ts';
import { methodNotAllowed } from './method-not-allowed.ts';
import { notInstalled, requireAdmin, roleIn, tenantNotFound, writtenRow } from './refusals.ts';
import { ROW, type RowWithSettingsText, toRow } from './rows.ts';
import { mergeSettings } from './settings.ts';

const installBody = z.strictObject({
  module_id: moduleSlug,
  settings: jsonObject.optional(),
  enabled: z.boolean().optional(),
  with_dependencies: z.boolean().optional(),
});
const enabledBody = z.strictObject({ enabled: z.boolean() });
const upgradeBody = z.strictObject({ version: semver.optional() });

const tenant = zValidator('param', tenantParams, invalid('param'));
const installed = zValidator('param', moduleParams, invalid('param'));
const cascadable = zValidator('query', cascadeQuery, invalid('query'));
const uninstallable = zValidator('query', uninstallQuery, invalid('query'));

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
  // Install: one insert, the database filling in the module's defaults and checking its schema
  // and requirements; with dependencies, one call that installs the missing ones too.
  .post(
    '/:tenantId',
    tenant,
    jsonBody,
    zValidator('json', installBody, invalid('json')),
    async (c) => {
      const { tenantId } = c.req.valid('param');
      const body = c.req.valid('json');
      const { db, caller } = c.var;
      const row = {
        tenant_id: tenantId,
        module_id: body.module_id,
        settings: (await exactBody(c.req)).settings ?? {},
        enabled: body.enabled ?? true,
      };
      const result = body.with_dependencies
        ? await db.rpc('install_tenant_module', { ...row, with_dependencies: true }).select(ROW)
        : await db.from('tenant_modules').insert(row).select(ROW);
      return c.json(toRow(await writtenRow(db, caller, tenantId, row.module_id, result)), 201);
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
  // Enable or disable: one update returning the row; disabling with cascade, one call that also
  // disables the enabled modules that require it.
  .patch(
    '/:tenantId/:moduleId',
    installed,
    cascadable,
    jsonBody,
    zValidator('json', enabledBody, invalid('json')),
    async (c) => {
      const { tenantId, moduleId } = c.req.valid('param');
      const { cascade } = c.req.valid('query');
      const { enabled } = c.req.valid('json');
      const { db, caller } = c.var;
      if (cascade && enabled) {
        throw new ApiError('invalid_request', 'Only disabling cascades.', [
          { path: 'query.cascade', message: 'applies only to {"enabled": false}' },
        ]);
      }
      const result = cascade
        ? await db.rpc('disable_tenant_module', {
          tenant_id: tenantId,
          module_id: moduleId,
          cascade,
        }).select(ROW)
        : await db.from('tenant_modules').update({ enabled })
          .eq('tenant_id', tenantId).eq('module_id', moduleId).select(ROW);
      return c.json(toRow(await writtenRow(db, caller, tenantId, moduleId, result)));
    },
  )
  // Uninstall: one delete; with cascade or purge, one call that also uninstalls the enabled
  // modules that require it and/or first deletes the tenant's rows in the tables they own, all in
  // one transaction.
  .delete('/:tenantId/:moduleId', installed, uninstallable, async (c) => {
    const { tenantId, moduleId } = c.req.valid('param');
    const { cascade, purge } = c.req.valid('query');
    const { db, caller } = c.var;
    const result = cascade || purge
      ? await db.rpc('uninstall_tenant_module', {
        tenant_id: tenantId,
        module_id: moduleId,
        cascade,
        purge,
      }).select('module_id')
      : await db.from('tenant_modules').delete()
        .eq('tenant_id', tenantId).eq('module_id', moduleId).select('module_id');
    await writtenRow(db, caller, tenantId, moduleId, result);
    return c.body(null, 204);
  })
  .all('/:tenantId/:moduleId', methodNotAllowed('GET', 'PATCH', 'DELETE'))
  // What an uninstall would affect: the enabled modules that require it (a plain uninstall is
  // refused while they are there; cascade takes them along) and, per table they own, the tenant's
  // rows that a purge deletes. For owners and admins: no single read tells them apart from
  // members, so their role is read beside the preview, not after it.
  .get('/:tenantId/:moduleId/uninstall-preview', installed, async (c) => {
    const { tenantId, moduleId } = c.req.valid('param');
    const { db, caller } = c.var;
    const [{ data, error, status }] = await Promise.all([
      db.rpc('tenant_module_uninstall_preview', { tenant_id: tenantId, module_id: moduleId }),
      requireAdmin(db, caller, tenantId),
    ]);
    if (error) throw upstreamError(status, error);
    if (data === null) throw notInstalled(moduleId);
    return c.json(data);
  })
  .all('/:tenantId/:moduleId/uninstall-preview', methodNotAllowed('GET'))
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
  .all('/:tenantId/:moduleId/settings', methodNotAllowed('PATCH'))
  // Upgrade to a published version (default: the current one): one call; the database runs the
  // settings migrations in between and checks the result, the dependencies and the direction.
  .post(
    '/:tenantId/:moduleId/upgrade',
    installed,
    emptyBodyAsObject,
    jsonBody,
    zValidator('json', upgradeBody, invalid('json')),
    async (c) => {
      const { tenantId, moduleId } = c.req.valid('param');
      const { version } = c.req.valid('json');
      const { db, caller } = c.var;
      const result = await db.rpc('upgrade_tenant_module', {
        tenant_id: tenantId,
        module_id: moduleId,
        version,
      }).select(ROW);
      return c.json(toRow(await writtenRow(db, caller, tenantId, moduleId, result)));
    },
  )
  .all('/:tenantId/:moduleId/upgrade', methodNotAllowed('POST'));

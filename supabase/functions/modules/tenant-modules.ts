/**
 * `/modules/tenants/{tenantId}[/{moduleId}[/settings|/upgrade|/uninstall-preview]]`: a tenant's
 * installed modules. Each route makes one request to the REST API as the caller; only when that
 * comes back refused or empty does it ask why (see refusals.ts). The database applies and checks
 * each module's settings schema, its version's settings migrations and the dependencies between
 * modules, and purges the tables a module owns; settings travel through untouched, numbers
 * included.
 */
import { createRoute, z } from '@hono/zod-openapi';
import type { UserEnv } from '../_shared/auth.ts';
import { type JsonObject, parseExactJson } from '../_shared/json.ts';
import { json, JSON_BODY, PARAMS, problems, validatedRoutes } from '../_shared/openapi.ts';
import { upstreamError } from '../_shared/postgrest-errors.ts';
import { ApiError, type ProblemCode } from '../_shared/problem.ts';
import {
  cascadeQuery,
  emptyBodyAsObject,
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
import { tenantModuleSchema, uninstallPreviewSchema } from './schemas.ts';
import { mergeSettings } from './settings.ts';

const installBody = z.strictObject({
  module_id: moduleSlug,
  settings: jsonObject.optional().openapi({
    description: "Merged over the module's defaults; checked against its settings schema.",
  }),
  enabled: z.boolean().optional().openapi({ description: 'Default true.' }),
  with_dependencies: z.boolean().optional().openapi({
    description: 'Also install, at their current versions, the required modules the tenant lacks.',
  }),
}).openapi('InstallRequest');
const enabledBody = z.strictObject({ enabled: z.boolean() }).openapi(
  'EnabledRequest',
);
const upgradeBody = z.strictObject({
  version: semver.optional().openapi({
    description: "Default: the module's current version.",
  }),
}).openapi('UpgradeRequest');
const settingsPatch = jsonObject.openapi('SettingsPatch', {
  description:
    'An RFC 7396 merge patch: null removes a key, objects merge, anything else replaces.',
});

/** A JSON request body (validated by `schema`; `jsonBody` answers 415 and 413 before that). */
function body<T extends z.ZodType>(schema: T, required = true) {
  return { required, content: { 'application/json': { schema } } };
}

const row = json(tenantModuleSchema, 'The installed module.');

/** What any change of an installed module can be refused with, beside its own codes. */
const CHANGE: ProblemCode[] = [
  ...PARAMS,
  'forbidden',
  'tenant_not_found',
  'module_not_installed',
  'module_unavailable',
  // The settings check runs on every write of the row (e.g. an upgrade yielding a non-object).
  'invalid_settings',
];

/**
 * The validated JSON body again, parsed so that numbers keep every digit the client sent (the
 * validator's copy went through JavaScript doubles).
 */
async function exactBody(
  req: { text(): Promise<string> },
): Promise<JsonObject> {
  return parseExactJson(await req.text()) as JsonObject;
}

const listRoute = createRoute({
  method: 'get',
  path: '/{tenantId}',
  operationId: 'listTenantModules',
  summary: "The tenant's installed modules",
  request: { params: tenantParams },
  responses: {
    200: json(
      z.array(tenantModuleSchema),
      'Every module the tenant installed, by module id.',
    ),
    ...problems(...PARAMS, 'tenant_not_found'),
  },
});

const installRoute = createRoute({
  method: 'post',
  path: '/{tenantId}',
  operationId: 'installModule',
  summary: 'Install a module',
  description: "Owners and admins. The database fills in the module's defaults, checks the " +
    'settings against its schema and its requirements.',
  middleware: [jsonBody] as const,
  request: { params: tenantParams, body: body(installBody) },
  responses: {
    201: row,
    ...problems(
      ...PARAMS,
      ...JSON_BODY,
      'forbidden',
      'tenant_not_found',
      'already_installed',
      'missing_dependencies',
      'module_unavailable',
      'invalid_settings',
    ),
  },
});

const getRoute = createRoute({
  method: 'get',
  path: '/{tenantId}/{moduleId}',
  operationId: 'getTenantModule',
  summary: 'One installed module',
  request: { params: moduleParams },
  responses: {
    200: row,
    ...problems(...PARAMS, 'tenant_not_found', 'module_not_installed'),
  },
});

const enabledRoute = createRoute({
  method: 'patch',
  path: '/{tenantId}/{moduleId}',
  operationId: 'setModuleEnabled',
  summary: 'Enable or disable a module',
  description: 'Owners and admins. `?cascade=true` with `{"enabled": false}` also disables the ' +
    'enabled modules that require it.',
  middleware: [jsonBody] as const,
  request: {
    params: moduleParams,
    query: cascadeQuery,
    body: body(enabledBody),
  },
  responses: {
    200: row,
    ...problems(
      ...CHANGE,
      ...JSON_BODY,
      'missing_dependencies',
      'required_by',
    ),
  },
});

const uninstallRoute = createRoute({
  method: 'delete',
  path: '/{tenantId}/{moduleId}',
  operationId: 'uninstallModule',
  summary: 'Uninstall a module',
  description: 'Owners and admins. `?cascade=true` also uninstalls the enabled modules that ' +
    "require it; `?purge=true` first deletes the tenant's rows in the tables they own. One " +
    'transaction: all or nothing.',
  request: { params: moduleParams, query: uninstallQuery },
  responses: {
    204: { description: 'Uninstalled.' },
    ...problems(
      ...PARAMS,
      'forbidden',
      'purge_refused',
      'tenant_not_found',
      'module_not_installed',
      'required_by',
      'module_disabled',
      'module_unavailable',
    ),
  },
});

const previewRoute = createRoute({
  method: 'get',
  path: '/{tenantId}/{moduleId}/uninstall-preview',
  operationId: 'previewUninstall',
  summary: 'What an uninstall would affect',
  description: 'Owners and admins.',
  request: { params: moduleParams },
  responses: {
    200: json(
      uninstallPreviewSchema,
      'The dependents and the rows a purge deletes.',
    ),
    ...problems(...PARAMS, 'forbidden', 'tenant_not_found', 'module_not_installed'),
  },
});

const settingsRoute = createRoute({
  method: 'patch',
  path: '/{tenantId}/{moduleId}/settings',
  operationId: 'mergeSettings',
  summary: 'Merge into the settings (RFC 7396)',
  description: 'Owners and admins. One statement in the database under the row lock; the ' +
    "result is checked against the module's settings schema.",
  middleware: [jsonBody] as const,
  request: { params: moduleParams, body: body(settingsPatch) },
  responses: {
    200: row,
    ...problems(
      ...CHANGE,
      ...JSON_BODY,
      'invalid_settings',
    ),
  },
});

const upgradeRoute = createRoute({
  method: 'post',
  path: '/{tenantId}/{moduleId}/upgrade',
  operationId: 'upgradeModule',
  summary: 'Upgrade to a published version',
  description: "Owners and admins. The database runs the version's settings migrations, checks " +
    'the result, the dependencies and the direction. The body may be left out.',
  middleware: [emptyBodyAsObject, jsonBody] as const,
  request: { params: moduleParams, body: body(upgradeBody, false) },
  responses: {
    200: row,
    ...problems(
      ...CHANGE,
      ...JSON_BODY,
      'upgrade_blocked',
      'missing_dependencies',
      'downgrade_not_supported',
      'unknown_version',
    ),
  },
});

export const tenantModules = validatedRoutes<UserEnv>();

tenantModules
  // The tenant's installed modules: one request, the tenant with its modules embedded, so a
  // tenant the caller cannot see is a 404 rather than an empty list.
  .openapi(listRoute, async (c) => {
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
  .openapi(installRoute, async (c) => {
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
      ? await db.rpc('install_tenant_module', {
        ...row,
        with_dependencies: true,
      }).select(ROW)
      : await db.from('tenant_modules').insert(row).select(ROW);
    return c.json(
      toRow(await writtenRow(db, caller, tenantId, row.module_id, result)),
      201,
    );
  });
tenantModules.all('/:tenantId', methodNotAllowed('GET', 'POST'));
tenantModules
  // One installed module.
  .openapi(getRoute, async (c) => {
    const { tenantId, moduleId } = c.req.valid('param');
    const { db, caller } = c.var;
    const { data, error, status } = await db.from('tenant_modules').select(ROW)
      .eq('tenant_id', tenantId).eq('module_id', moduleId).maybeSingle<
      RowWithSettingsText
    >();
    if (error) throw upstreamError(status, error);
    if (!data) {
      await roleIn(db, caller, tenantId);
      throw notInstalled(moduleId);
    }
    return c.json(toRow(data));
  })
  // Enable or disable: one update returning the row; disabling with cascade, one call that also
  // disables the enabled modules that require it.
  .openapi(enabledRoute, async (c) => {
    const { tenantId, moduleId } = c.req.valid('param');
    const { cascade } = c.req.valid('query');
    const { enabled } = c.req.valid('json');
    const { db, caller } = c.var;
    if (cascade && enabled) {
      throw new ApiError('invalid_request', 'Only disabling cascades.', [
        {
          path: 'query.cascade',
          message: 'applies only to {"enabled": false}',
        },
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
    return c.json(
      toRow(await writtenRow(db, caller, tenantId, moduleId, result)),
    );
  })
  // Uninstall: one delete; with cascade or purge, one call that also uninstalls the enabled
  // modules that require it and/or first deletes the tenant's rows in the tables they own, all in
  // one transaction.
  .openapi(uninstallRoute, async (c) => {
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
        .eq('tenant_id', tenantId).eq('module_id', moduleId).select(
          'module_id',
        );
    await writtenRow(db, caller, tenantId, moduleId, result);
    return c.body(null, 204);
  });
tenantModules.all('/:tenantId/:moduleId', methodNotAllowed('GET', 'PATCH', 'DELETE'));
tenantModules
  // What an uninstall would affect: the enabled modules that require it (a plain uninstall is
  // refused while they are there; cascade takes them along) and, per table they own, the tenant's
  // rows that a purge deletes. For owners and admins: no single read tells them apart from
  // members, so their role is read beside the preview, not after it.
  .openapi(previewRoute, async (c) => {
    const { tenantId, moduleId } = c.req.valid('param');
    const { db, caller } = c.var;
    const [{ data, error, status }] = await Promise.all([
      db.rpc('tenant_module_uninstall_preview', {
        tenant_id: tenantId,
        module_id: moduleId,
      }),
      requireAdmin(db, caller, tenantId),
    ]);
    if (error) throw upstreamError(status, error);
    if (data === null) throw notInstalled(moduleId);
    return c.json(data as z.infer<typeof uninstallPreviewSchema>, 200);
  });
tenantModules.all('/:tenantId/:moduleId/uninstall-preview', methodNotAllowed('GET'));
tenantModules
  // Merge into the settings (RFC 7396): one statement in the database (see settings.ts).
  .openapi(settingsRoute, async (c) => {
    const { tenantId, moduleId } = c.req.valid('param');
    const { db, caller } = c.var;
    return c.json(
      await mergeSettings(
        db,
        caller,
        tenantId,
        moduleId,
        await exactBody(c.req),
      ),
    );
  });
tenantModules.all('/:tenantId/:moduleId/settings', methodNotAllowed('PATCH'));
tenantModules
  // Upgrade to a published version (default: the current one): one call; the database runs the
  // settings migrations in between and checks the result, the dependencies and the direction.
  .openapi(upgradeRoute, async (c) => {
    const { tenantId, moduleId } = c.req.valid('param');
    const { version } = c.req.valid('json');
    const { db, caller } = c.var;
    const result = await db.rpc('upgrade_tenant_module', {
      tenant_id: tenantId,
      module_id: moduleId,
      version,
    }).select(ROW);
    return c.json(
      toRow(await writtenRow(db, caller, tenantId, moduleId, result)),
    );
  });
tenantModules.all('/:tenantId/:moduleId/upgrade', methodNotAllowed('POST'));

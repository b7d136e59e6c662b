/**
 * The `modules` edge function: the catalog, and a tenant's installed modules — validated install,
 * settings merge (RFC 7396), enable/disable and uninstall. Every database call carries the
 * caller's JWT, so Row Level Security decides what the caller may touch; this app adds request
 * validation, per-module settings schemas, a merge that loses no concurrent update, and errors a
 * client can act on (RFC 9457).
 */
import { Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { cors } from 'hono/cors';
import { createMiddleware } from 'hono/factory';
import { HTTPException } from 'hono/http-exception';
import { zValidator } from '@hono/zod-validator';
import { z } from 'zod';
import { authenticate, type Caller } from '../_shared/auth.ts';
import { isJsonObject, type JsonObject, jsonProblem } from '../_shared/json.ts';
import { mergePatch } from '../_shared/merge-patch.ts';
import { parseSettings } from '../_shared/modules/mod.ts';
import { ApiError, type FieldError, problemResponse } from '../_shared/problem.ts';
import { unavailable, upstreamError } from '../_shared/postgrest-errors.ts';
import { createUserClient, type UserClient } from '../_shared/supabase-user-client.ts';

/** Largest request body accepted, and so the largest settings object: 64 KiB. */
export const MAX_BODY_BYTES = 64 * 1024;
/** Attempts of the optimistic settings merge before giving up with 409. */
const MERGE_ATTEMPTS = 50;
/** What every route returns for an installed module. */
const ROW = 'tenant_id, module_id, enabled, settings, installed_at, updated_at';

type Env = { Variables: { caller: Caller; db: UserClient } };

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const SLUG = /^[a-z][a-z0-9_-]{1,62}$/;

const tenantParams = z.object({
  tenantId: z.string().regex(UUID, 'must be a UUID'),
});
const moduleParams = tenantParams.extend({
  moduleId: z.string().regex(SLUG, 'must be a module slug (a-z, 0-9, "_", "-"; 2 to 63)'),
});
const settingsObject = z.custom<JsonObject>(isJsonObject, 'must be a JSON object')
  .superRefine((value, ctx) => {
    const problem = jsonProblem(value);
    if (problem) ctx.addIssue({ code: 'custom', message: problem });
  });
const installBody = z.strictObject({
  module_id: moduleParams.shape.moduleId,
  settings: settingsObject.optional(),
  enabled: z.boolean().optional(),
});
const enabledBody = z.strictObject({ enabled: z.boolean() });

/** zod-validator hook: a failed validation is a 400 listing the offending fields. */
function invalid(where: 'json' | 'param') {
  return (
    result: {
      success: boolean;
      error?: { issues: readonly { path: PropertyKey[]; message: string }[] };
    },
  ) => {
    if (result.success) return;
    const errors: FieldError[] = result.error!.issues.map((issue) => ({
      path: [where === 'param' ? 'params' : 'body', ...issue.path.map(String)].join('.'),
      message: issue.message,
    }));
    throw new ApiError(
      400,
      'invalid_request',
      where === 'param'
        ? 'The URL names an invalid tenant or module.'
        : 'The body has the wrong shape.',
      errors,
    );
  };
}

/** Bodies are capped at MAX_BODY_BYTES, whatever Content-Length claims. */
const jsonOnly = bodyLimit({
  maxSize: MAX_BODY_BYTES,
  onError: () => {
    throw new ApiError(
      413,
      'payload_too_large',
      `The body may take at most ${MAX_BODY_BYTES} bytes.`,
    );
  },
});

/** Requests with a body must send JSON. */
const requireJson = createMiddleware(async (c, next) => {
  const type = c.req.header('content-type') ?? '';
  if (!/^application\/([a-z0-9.-]+\+)?json\s*(;\s*charset=utf-8\s*)?$/i.test(type)) {
    throw new ApiError(415, 'unsupported_media_type', 'Send the body as application/json (UTF-8).');
  }
  await next();
});

/** The caller's role in a tenant, or a 404 when the tenant is not visible to them. */
async function roleIn(db: UserClient, caller: Caller, tenantId: string): Promise<string> {
  const { data, error, status } = await db.from('tenant_members').select('role')
    .eq('tenant_id', tenantId).eq('user_id', caller.userId).maybeSingle();
  if (error) throw upstreamError(status, error);
  if (!data) throw tenantNotFound();
  return data.role;
}

/** Throws 404/403 unless the caller owns or administers the tenant. */
async function requireAdmin(db: UserClient, caller: Caller, tenantId: string): Promise<void> {
  const role = await roleIn(db, caller, tenantId);
  if (role !== 'owner' && role !== 'admin') {
    throw new ApiError(403, 'forbidden', "Only the tenant's owners and admins manage its modules.");
  }
}

/** Throws 422 when the module is missing from the catalog or inactive. */
async function requireActiveModule(db: UserClient, moduleId: string): Promise<void> {
  const { data, error, status } = await db.from('modules').select('is_active').eq('id', moduleId)
    .maybeSingle();
  if (error) throw upstreamError(status, error);
  if (!data) {
    throw new ApiError(
      422,
      'module_unavailable',
      `There is no module "${moduleId}" in the catalog.`,
    );
  }
  if (!data.is_active) {
    throw new ApiError(422, 'module_unavailable', `The module "${moduleId}" is no longer active.`);
  }
}

function tenantNotFound(): ApiError {
  return new ApiError(404, 'tenant_not_found', 'No such tenant, or you are not a member of it.');
}

function notInstalled(moduleId: string): ApiError {
  return new ApiError(404, 'module_not_installed', `The tenant has not installed "${moduleId}".`);
}

/**
 * Why a write that RLS refused or filtered out did not happen: not a member (404), not an admin
 * (403), an unknown or inactive module (422), or else the module is not installed (404).
 */
async function explainRefusal(
  db: UserClient,
  caller: Caller,
  tenantId: string,
  moduleId: string,
): Promise<never> {
  await requireAdmin(db, caller, tenantId);
  await requireActiveModule(db, moduleId);
  throw notInstalled(moduleId);
}

function toApiError(err: unknown): ApiError {
  if (err instanceof ApiError) return err;
  if (err instanceof HTTPException) {
    if (err.status === 400) return new ApiError(400, 'invalid_json', 'The body is not valid JSON.');
    if (err.status === 413) return new ApiError(413, 'payload_too_large', err.message);
    if (err.status === 401) return new ApiError(401, 'unauthorized', err.message);
    return new ApiError(err.status, 'invalid_request', err.message || 'The request was refused.');
  }
  if (err instanceof TypeError || (err instanceof DOMException && /Abort|Timeout/.test(err.name))) {
    return unavailable();
  }
  console.error('unhandled error', err);
  return new ApiError(500, 'internal_error', 'Unexpected error.');
}

const api = new Hono<Env>();

api.use('*', async (c, next) => {
  const caller = await authenticate(c.req.header('authorization'));
  c.set('caller', caller);
  c.set('db', createUserClient(caller.token));
  await next();
});

// The catalog: active modules.
api.get('/', async (c) => {
  const { data, error, status } = await c.var.db.from('modules')
    .select('id, name, description, version, is_active').eq('is_active', true).order('id');
  if (error) throw upstreamError(status, error);
  return c.json(data);
});

// A tenant's installed modules.
api.get('/tenants/:tenantId', zValidator('param', tenantParams, invalid('param')), async (c) => {
  const { tenantId } = c.req.valid('param');
  const { data, error, status } = await c.var.db.from('tenants').select(
    `id, tenant_modules(${ROW})`,
  )
    .eq('id', tenantId).order('module_id', { referencedTable: 'tenant_modules' }).maybeSingle();
  if (error) throw upstreamError(status, error);
  if (!data) throw tenantNotFound();
  return c.json(data.tenant_modules);
});

// Install.
api.post(
  '/tenants/:tenantId',
  zValidator('param', tenantParams, invalid('param')),
  requireJson,
  jsonOnly,
  zValidator('json', installBody, invalid('json')),
  async (c) => {
    const { tenantId } = c.req.valid('param');
    const body = c.req.valid('json');
    const parsed = parseSettings(body.module_id, body.settings ?? {});
    if (!parsed.ok) {
      throw new ApiError(
        422,
        'invalid_settings',
        `Settings do not fit "${body.module_id}".`,
        parsed.errors,
      );
    }
    const db = c.var.db;
    const { data, error, status } = await db.from('tenant_modules').insert({
      tenant_id: tenantId,
      module_id: body.module_id,
      settings: parsed.settings,
      enabled: body.enabled ?? true,
    }).select(ROW).single();
    if (error) {
      if (error.code === '23505') {
        throw new ApiError(409, 'already_installed', `The tenant already has "${body.module_id}".`);
      }
      if (error.code === '42501' || error.code === '23503') {
        await requireAdmin(db, c.var.caller, tenantId);
        await requireActiveModule(db, body.module_id);
      }
      throw upstreamError(status, error);
    }
    return c.json(data, 201);
  },
);

// One installed module.
api.get(
  '/tenants/:tenantId/:moduleId',
  zValidator('param', moduleParams, invalid('param')),
  async (c) => {
    const { tenantId, moduleId } = c.req.valid('param');
    const { data, error, status } = await c.var.db.from('tenant_modules').select(ROW)
      .eq('tenant_id', tenantId).eq('module_id', moduleId).maybeSingle();
    if (error) throw upstreamError(status, error);
    if (!data) {
      await roleIn(c.var.db, c.var.caller, tenantId);
      throw notInstalled(moduleId);
    }
    return c.json(data);
  },
);

// Merge settings (RFC 7396), optimistically: read, merge, validate, then update only if the row
// is still the one we read (updated_at strictly increases on every write); retry otherwise.
api.patch(
  '/tenants/:tenantId/:moduleId/settings',
  zValidator('param', moduleParams, invalid('param')),
  requireJson,
  jsonOnly,
  zValidator('json', settingsObject, invalid('json')),
  async (c) => {
    const { tenantId, moduleId } = c.req.valid('param');
    const patch = c.req.valid('json');
    const { db, caller } = c.var;
    let checkedRole = false;
    for (let attempt = 0; attempt < MERGE_ATTEMPTS; attempt++) {
      const read = await db.from('tenant_modules').select(ROW)
        .eq('tenant_id', tenantId).eq('module_id', moduleId).maybeSingle();
      if (read.error) throw upstreamError(read.status, read.error);
      if (!read.data) {
        await roleIn(db, caller, tenantId);
        throw notInstalled(moduleId);
      }
      const merged = mergePatch(read.data.settings as JsonObject, patch) as JsonObject;
      if (new TextEncoder().encode(JSON.stringify(merged)).length > MAX_BODY_BYTES) {
        throw new ApiError(
          413,
          'payload_too_large',
          `Settings may take at most ${MAX_BODY_BYTES} bytes.`,
        );
      }
      const parsed = parseSettings(moduleId, merged);
      if (!parsed.ok) {
        throw new ApiError(
          422,
          'invalid_settings',
          `The merged settings do not fit "${moduleId}".`,
          parsed.errors,
        );
      }
      const write = await db.from('tenant_modules').update({ settings: parsed.settings })
        .eq('tenant_id', tenantId).eq('module_id', moduleId).eq('updated_at', read.data.updated_at)
        .select(ROW).maybeSingle();
      if (write.error) {
        if (write.error.code === '42501') await explainRefusal(db, caller, tenantId, moduleId);
        throw upstreamError(write.status, write.error);
      }
      if (write.data) return c.json(write.data);
      // Nothing updated: either RLS filtered the row out (not an admin) or another merge won.
      if (!checkedRole) {
        await requireAdmin(db, caller, tenantId);
        checkedRole = true;
      }
      await new Promise((r) => setTimeout(r, Math.random() * Math.min(200, 5 * 2 ** attempt)));
    }
    throw new ApiError(
      409,
      'concurrent_update',
      'The settings kept changing under this merge; retry.',
    );
  },
);

// Enable or disable.
api.patch(
  '/tenants/:tenantId/:moduleId',
  zValidator('param', moduleParams, invalid('param')),
  requireJson,
  jsonOnly,
  zValidator('json', enabledBody, invalid('json')),
  async (c) => {
    const { tenantId, moduleId } = c.req.valid('param');
    const { enabled } = c.req.valid('json');
    const { db, caller } = c.var;
    const { data, error, status } = await db.from('tenant_modules').update({ enabled })
      .eq('tenant_id', tenantId).eq('module_id', moduleId).select(ROW).maybeSingle();
    if (error) {
      if (error.code === '42501') await explainRefusal(db, caller, tenantId, moduleId);
      throw upstreamError(status, error);
    }
    if (!data) {
      await requireAdmin(db, caller, tenantId);
      throw notInstalled(moduleId);
    }
    return c.json(data);
  },
);

// Uninstall.
api.delete(
  '/tenants/:tenantId/:moduleId',
  zValidator('param', moduleParams, invalid('param')),
  async (c) => {
    const { tenantId, moduleId } = c.req.valid('param');
    const { db, caller } = c.var;
    const { data, error, status } = await db.from('tenant_modules').delete()
      .eq('tenant_id', tenantId).eq('module_id', moduleId).select('id');
    if (error) throw upstreamError(status, error);
    if (!data.length) {
      await requireAdmin(db, caller, tenantId);
      throw notInstalled(moduleId);
    }
    return c.body(null, 204);
  },
);

/** The function's app; the edge runtime hands it paths that start with `/modules`. */
export const app = new Hono().basePath('/modules');

app.use(
  '*',
  cors({
    origin: '*',
    allowHeaders: ['authorization', 'x-client-info', 'apikey', 'content-type'],
    allowMethods: ['GET', 'POST', 'PATCH', 'DELETE', 'OPTIONS'],
    maxAge: 86400,
  }),
);
app.route('/', api);
app.notFound(() => problemResponse(new ApiError(404, 'not_found', 'No such route.')));
app.onError((err) => problemResponse(toApiError(err)));

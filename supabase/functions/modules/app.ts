/**
 * The `modules` edge function: the catalog, a tenant's installed modules — validated install,
 * settings merge (RFC 7396), enable/disable, upgrade, uninstall with its preview and purge — and
 * their events. Every database call carries the caller's JWT, so Row Level Security decides what
 * the caller may touch, and the database applies each module's settings schema and records every
 * change; this app adds request validation, one round trip per operation, and errors a client can
 * act on (RFC 9457 problem details). The route definitions are also its OpenAPI 3.1 document,
 * served at `GET /modules/openapi.json`.
 */
import { cors } from 'hono/cors';
import { requireUser, type UserEnv } from '../_shared/auth.ts';
import { validatedRoutes } from '../_shared/openapi.ts';
import { ApiError, problemResponse, toApiError } from '../_shared/problem.ts';
import { catalog } from './catalog.ts';
import { tenantEvents } from './events.ts';
import { methodNotAllowed } from './method-not-allowed.ts';
import { declaredCodes, documentRoute, openApiDocument } from './openapi.ts';
import { tenantModules } from './tenant-modules.ts';

const BASE = '/modules';

/** The function's app; the edge runtime hands it paths that start with `/modules`. */
export const app = validatedRoutes<UserEnv>().basePath(BASE);

app.use(
  '*',
  cors({
    origin: '*',
    allowHeaders: ['authorization', 'x-client-info', 'apikey', 'content-type'],
    allowMethods: ['GET', 'POST', 'PATCH', 'DELETE', 'OPTIONS'],
    maxAge: 86400,
  }),
);
// The document needs no signed-in user (the project's API key is enough): registered before
// `requireUser`, it answers before that middleware would run.
app.openapi(documentRoute, (c) => c.json(openApiDocument(app), 200));
app.all('/openapi.json', methodNotAllowed('GET'));
app.use('*', requireUser);
app.route('/', catalog);
// Before the tenant's modules: `events` would otherwise read as a module id.
app.route('/tenants', tenantEvents);
app.route('/tenants', tenantModules);
app.notFound(() => problemResponse(new ApiError('not_found', 'No such route.')));
app.onError((err, c) => {
  const error = toApiError(err);
  // A code the document does not declare for this operation is a bug in the document: logged, so
  // that the drift shows in the function's logs (the contract tests catch the ones they reach).
  const declared = declaredCodes(app, BASE, c.req.method, c.req.routePath, error.status);
  if (declared && !declared.includes(error.code)) {
    console.warn(
      `problem ${error.code} (${error.status}) is not in the OpenAPI document for ` +
        `${c.req.method} ${c.req.routePath}`,
    );
  }
  return problemResponse(error);
});

/**
 * The `modules` edge function: the catalog, a tenant's installed modules — validated install,
 * settings merge (RFC 7396), enable/disable, upgrade, uninstall with its preview and purge — and
 * their events. Every database call carries the caller's JWT, so Row Level Security decides what
 * the caller may touch, and the database applies each module's settings schema and records every
 * change; this app adds request validation, one round trip per operation, and errors a client can
 * act on (RFC 9457 problem details).
 */
import { Hono } from 'hono';
import { cors } from 'hono/cors';
import { requireUser } from '../_shared/auth.ts';
import { ApiError, problemResponse, toApiError } from '../_shared/problem.ts';
import { catalog } from './catalog.ts';
import { tenantEvents } from './events.ts';
import { tenantModules } from './tenant-modules.ts';

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
app.use('*', requireUser);
app.route('/', catalog);
// Before the tenant's modules: `events` would otherwise read as a module id.
app.route('/tenants', tenantEvents);
app.route('/tenants', tenantModules);
app.notFound(() => problemResponse(new ApiError('not_found', 'No such route.')));
app.onError((err) => problemResponse(toApiError(err)));

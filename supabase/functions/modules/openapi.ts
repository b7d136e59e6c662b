/**
 * The function's OpenAPI 3.1 document, generated from its route definitions (the same zod
 * schemas validate the requests) and committed as `packages/client/openapi.json`, which the tests
 * compare with what the function serves.
 */
import { createRoute, type OpenAPIHono, z } from '@hono/zod-openapi';
import type { Env } from 'hono';
import { json } from '../_shared/openapi.ts';

/** `GET /modules/openapi.json`: the document itself, for the project's API key alone. */
export const documentRoute = createRoute({
  method: 'get',
  path: '/openapi.json',
  operationId: 'getOpenApiDocument',
  summary: 'This document',
  description: 'Needs only the project API key, no signed-in user.',
  security: [{ apikey: [] }],
  responses: {
    200: json(z.record(z.string(), z.unknown()), 'The OpenAPI 3.1 document of this function.'),
  },
});

const CONFIG = {
  openapi: '3.1.0',
  info: {
    title: 'Module registry: the modules function',
    version: '1.0.0',
    description: "A tenant's modules on Supabase: the catalog, install, settings (RFC 7396 " +
      'merge), enable and disable, upgrade, uninstall with preview and purge, and the audit ' +
      'trail. Row Level Security decides what each caller may touch. Every failure is an ' +
      'RFC 9457 problem (`application/problem+json`) with a stable `code`.',
    license: { name: 'MIT', identifier: 'MIT' },
  },
  servers: [
    { url: '/functions/v1', description: 'The project the document was read from.' },
    {
      url: 'https://{project_ref}.supabase.co/functions/v1',
      description: 'A hosted Supabase project.',
      variables: { project_ref: { default: 'your-project-ref' } },
    },
    { url: 'http://127.0.0.1:54321/functions/v1', description: 'The local stack (`npm run dev`).' },
  ],
  security: [{ apikey: [], bearer: [] }],
} as const;

const documents = new WeakMap<object, Record<string, unknown>>();

/** The app's document, generated once per app. */
export function openApiDocument<E extends Env>(app: OpenAPIHono<E>): Record<string, unknown> {
  let document = documents.get(app);
  if (!document) {
    app.openAPIRegistry.registerComponent('securitySchemes', 'apikey', {
      type: 'apiKey',
      in: 'header',
      name: 'apikey',
      description: "The project's publishable key (or legacy anon key): the API gateway wants it " +
        'on every request.',
    });
    app.openAPIRegistry.registerComponent('securitySchemes', 'bearer', {
      type: 'http',
      scheme: 'bearer',
      bearerFormat: 'JWT',
      description: "A signed-in user's access token (supabase-js: the session's `access_token`).",
    });
    document = app.getOpenAPI31Document(
      CONFIG as unknown as Parameters<typeof app.getOpenAPI31Document>[0],
      { sortComponents: 'alphabetically' },
    ) as unknown as Record<string, unknown>;
    documents.set(app, document);
  }
  return document;
}

/** A route's problem responses as `problems()` declares them: `code` an enum of the codes. */
type ProblemContent = {
  content?: Record<string, { schema?: { shape?: { code?: { options?: string[] } } } }>;
};

const declared = new WeakMap<object, Map<string, Record<string, string[]>>>();

/**
 * The problem codes an operation declares for a status, read from the route definitions (no
 * document is generated), or undefined when the route is none of them. `routePath` is Hono's
 * (`/modules/tenants/:tenantId`); `base` the app's base path (`/modules`).
 */
export function declaredCodes<E extends Env>(
  app: OpenAPIHono<E>,
  base: string,
  method: string,
  routePath: string,
  status: number,
): string[] | undefined {
  let routes = declared.get(app);
  if (!routes) {
    routes = new Map();
    for (const definition of app.openAPIRegistry.definitions) {
      if (definition.type !== 'route') continue;
      const { method, path, responses } = definition.route;
      const codes: Record<string, string[]> = {};
      for (const [code, response] of Object.entries(responses)) {
        const schema = (response as ProblemContent).content?.['application/problem+json']?.schema;
        codes[code] = schema?.shape?.code?.options ?? [];
      }
      routes.set(`${method.toUpperCase()} ${path === '/' ? base : base + path}`, codes);
    }
    declared.set(app, routes);
  }
  const codes = routes.get(`${method} ${routePath.replace(/:([A-Za-z]+)/g, '{$1}')}`);
  return codes && (codes[String(status)] ?? []);
}

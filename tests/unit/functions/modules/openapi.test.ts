/** Unit tests of supabase/functions/modules/openapi.ts: no stack needed. */
import assert from 'node:assert/strict';
import { app } from '../../../../supabase/functions/modules/app.ts';
import { declaredCodes, openApiDocument } from '../../../../supabase/functions/modules/openapi.ts';

Deno.test('the document is OpenAPI 3.1 with both security schemes, generated once', () => {
  const document = openApiDocument(app) as {
    openapi: string;
    components: { securitySchemes: Record<string, unknown> };
  };
  assert.equal(document.openapi, '3.1.0');
  assert.deepEqual(Object.keys(document.components.securitySchemes).sort(), ['apikey', 'bearer']);
  assert.equal(openApiDocument(app), document);
});

Deno.test('declaredCodes reads the codes of an operation and status from the route definitions', () => {
  assert.deepEqual(declaredCodes(app, '/modules', 'GET', '/modules/tenants/:tenantId', 404), [
    'tenant_not_found',
  ]);
  assert.deepEqual(
    declaredCodes(app, '/modules', 'DELETE', '/modules/tenants/:tenantId/:moduleId', 403),
    ['forbidden', 'purge_refused'],
  );
  assert.deepEqual(
    declaredCodes(app, '/modules', 'GET', '/modules', 409),
    [],
    'a status it does not declare',
  );
  assert.equal(
    declaredCodes(app, '/modules', 'GET', '/modules/*', 401),
    undefined,
    'not an operation',
  );
  assert.equal(
    declaredCodes(app, '/modules', 'PUT', '/modules', 405),
    undefined,
    'not an operation',
  );
});

Deno.test('declaredCodes agrees with the generated document on every operation and status', () => {
  const paths = (openApiDocument(app) as {
    paths: Record<string, Record<string, { responses: Record<string, unknown> }>>;
  }).paths;
  for (const [path, operations] of Object.entries(paths)) {
    const routePath = path.replace(/\{([A-Za-z]+)\}/g, ':$1');
    for (const [method, operation] of Object.entries(operations)) {
      for (const [status, response] of Object.entries(operation.responses)) {
        const schema = (response as {
          content?: Record<
            string,
            { schema?: { allOf?: { properties?: { code?: { enum?: string[] } } }[] } }
          >;
        }).content?.['application/problem+json']?.schema;
        assert.deepEqual(
          declaredCodes(app, '/modules', method.toUpperCase(), routePath, Number(status)),
          schema?.allOf?.[1]?.properties?.code?.enum ?? [],
          `${method} ${path} ${status}`,
        );
      }
    }
  }
});

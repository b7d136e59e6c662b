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

Deno.test('declaredCodes reads the codes of an operation and status from the document', () => {
  assert.deepEqual(declaredCodes(app, 'GET', '/modules/tenants/:tenantId', 404), [
    'tenant_not_found',
  ]);
  assert.deepEqual(
    declaredCodes(app, 'DELETE', '/modules/tenants/:tenantId/:moduleId', 403),
    ['forbidden', 'purge_refused'],
  );
  assert.deepEqual(declaredCodes(app, 'GET', '/modules', 409), [], 'a status it does not declare');
  assert.equal(declaredCodes(app, 'GET', '/modules/*', 401), undefined, 'not an operation');
  assert.equal(declaredCodes(app, 'PUT', '/modules', 405), undefined, 'not an operation');
});

import assert from 'node:assert/strict';
import { path, query } from '../../../../../packages/client/src/paths.ts';

Deno.test('path encodes each value as one segment', () => {
  assert.equal(
    path`/modules/tenants/${'t 1'}/${'a/b?c#d'}`,
    '/modules/tenants/t%201/a%2Fb%3Fc%23d',
  );
  assert.equal(
    path`/x/${'..'}/${'.'}`,
    '/x/%2E%2E/%2E',
    'no dot segment to climb with',
  );
  assert.equal(path`/x/${'é'}`, '/x/%C3%A9');
  assert.equal(path`/modules`, '/modules');
});

Deno.test('query keeps the parameters that have a value, in order, encoded', () => {
  assert.equal(query({}), '');
  assert.equal(query({ cascade: undefined, purge: undefined }), '');
  assert.equal(
    query({ cascade: true, purge: false }),
    '?cascade=true&purge=false',
  );
  assert.equal(
    query({ module_id: 'a&b=c', after: 0, limit: 5 }),
    '?module_id=a%26b%3Dc&after=0&limit=5',
  );
});

/** The gateway's routing of request paths, without a server. */
import assert from 'node:assert/strict';
import { isPlainPath, routeOf, upstreamUrl } from '../../../../scripts/stack/gateway-routes.ts';

/** The pathname a request for `path` has once parsed, as the gateway sees it. */
const parsed = (path: string) => new URL(`http://127.0.0.1:54321${path}`).pathname;

Deno.test('routeOf sends /rest/v1 to PostgREST and /functions/v1/<name> to the function', () => {
  assert.deepEqual(routeOf('/rest/v1'), { kind: 'rest', path: '/' });
  assert.deepEqual(routeOf('/rest/v1/'), { kind: 'rest', path: '/' });
  assert.deepEqual(routeOf('/rest/v1/rpc/x'), { kind: 'rest', path: '/rpc/x' });
  assert.deepEqual(routeOf('/rest/v1/@127.0.0.1:1'), { kind: 'rest', path: '/@127.0.0.1:1' });
  assert.deepEqual(routeOf('/functions/v1/modules'), {
    kind: 'function',
    name: 'modules',
    path: '/modules',
  });
  assert.deepEqual(routeOf('/functions/v1/my_fn-2/a/b/'), {
    kind: 'function',
    name: 'my_fn-2',
    path: '/my_fn-2/a/b/',
  });
  for (const path of ['/', '/rest/v2/x', '/rest/v1x', '/functions/v1', '/functions/v1/']) {
    assert.deepEqual(routeOf(path), { kind: 'none' }, path);
  }
});

Deno.test('routeOf refuses paths with empty, encoded-separator or dot segments', () => {
  for (
    const path of [
      '/rest/v1//127.0.0.1:1/x',
      '/rest/v1/%2F%2F127.0.0.1:1/x',
      '/rest/v1/%2f127.0.0.1:1',
      '/rest/v1/a%5Cb',
      '/rest/v1/%2e%2e%2f',
      '/rest/v1/x%00',
      '/rest/v1/x%0d%0aHost:%20evil',
      '/rest/v1/%E0%A4%A',
      '/functions/v1/modules//x',
      '/functions/v1/modules/..%2F..%2Fother',
    ]
  ) {
    assert.deepEqual(routeOf(parsed(path)), { kind: 'invalid' }, path);
  }
  // Dot segments, raw or encoded, and backslashes are resolved by URL parsing before routing.
  assert.equal(parsed('/rest/v1/%2e%2e/%2E%2e/functions/v1/x'), '/functions/v1/x');
  assert.equal(parsed('/rest/v1/..\\..\\x'), '/x');
  assert.equal(parsed('/rest/v1/\\\\127.0.0.1:1/x'), '/rest/v1///127.0.0.1:1/x');
  assert.equal(isPlainPath('/rest/v1/./x'), false);
  assert.equal(isPlainPath('/rest/v1/%2E/x'), false);
  assert.equal(isPlainPath('rest/v1'), false);
});

Deno.test('routeOf answers no function for a name that is not plain', () => {
  for (const name of ['127.0.0.1:1', 'a@b', '%61', '_shared', '-x', 'a.b']) {
    assert.deepEqual(routeOf(`/functions/v1/${name}/x`), { kind: 'no-function' }, name);
  }
});

Deno.test('upstreamUrl keeps the upstream origin whatever the path and query', () => {
  const upstream = 'http://127.0.0.1:3000';
  for (
    const [path, search] of [
      ['//127.0.0.1:1/x', ''],
      ['/@127.0.0.1:1/x', ''],
      ['@127.0.0.1:1', ''],
      ['http://127.0.0.1:1/x', ''],
      ['\\\\127.0.0.1:1\\x', ''],
      ['/../../x', '?a=//127.0.0.1:1/#x'],
    ]
  ) {
    const url = upstreamUrl(upstream, path, search);
    assert.equal(url.origin, upstream, `${path} → ${url.href}`);
    assert.equal(new URL(url.href).origin, upstream, `${path} → ${url.href} reparsed`);
  }
  assert.equal(upstreamUrl(`${upstream}/ignored`, '//a/b', '?c=1').href, `${upstream}//a/b?c=1`);
});

/**
 * The gateway in front of upstreams this file controls: no request path reaches another host or
 * port, preflights and errors carry CORS headers, unknown methods get 405, and an upstream that
 * hangs, stalls or is gone gets the client an answer without internal details.
 */
import assert from 'node:assert/strict';
import { createLocalJWKSet, decodeProtectedHeader, jwtVerify } from 'jose';
import {
  MINTED_TOKEN_SECONDS,
  projectApiKeys,
  PUBLISHABLE_KEY,
  SECRET_KEY,
} from '../../scripts/stack/api-keys.ts';
import {
  ALLOWED_METHODS,
  CORS_ALLOW_HEADERS,
  upstreamTimeoutFromEnv,
} from '../../scripts/stack/gateway.ts';
import { ANON_KEY } from '../../scripts/stack/jwt.ts';
import { freePort, StackError } from '../../scripts/stack/process.ts';
import { loadSigningKeys, publicJwks } from '../../scripts/stack/signing-keys.ts';
import { rawRequest, requestHead } from '../_support/raw-http.ts';
import {
  assertGatewayProblem,
  startUpstream,
  type Upstream,
  withGateway,
} from '../_support/upstreams.ts';

interface World {
  rest: Upstream;
  alpha: Upstream;
  beta: Upstream;
  canary: Upstream;
  gateway: { url: string; port: number };
}

/**
 * A gateway routing `/rest/v1` to `rest`, the function `alpha` (verify_jwt off) and `beta` (on),
 * `gone` to a port nobody listens on; `canary` listens beside them and must never be reached.
 */
async function withWorld(fn: (w: World) => Promise<void>): Promise<void> {
  const rest = startUpstream('rest');
  const alpha = startUpstream('alpha');
  const beta = startUpstream('beta');
  const canary = startUpstream('canary');
  const functions = new Map([
    ['alpha', { name: 'alpha', target: () => Promise.resolve(alpha.url), verifyJwt: false }],
    ['beta', { name: 'beta', target: () => Promise.resolve(beta.url), verifyJwt: true }],
    [
      'gone',
      {
        name: 'gone',
        target: () => Promise.resolve(`http://127.0.0.1:${freePort()}`),
        verifyJwt: false,
      },
    ],
  ]);
  try {
    await withGateway({ postgrestUrl: () => rest.url, functions }, async (gateway) => {
      await fn({ rest, alpha, beta, canary, gateway });
    });
  } finally {
    await Promise.all([rest, alpha, beta, canary].map((u) => u.close()));
  }
}

const credentials = [`apikey: ${ANON_KEY}`, 'Authorization: Bearer not-a-jwt', 'Cookie: sid=1'];

Deno.test('gateway keeps every forwarding attempt on its own upstream', async () => {
  await withWorld(async ({ rest, alpha, beta, canary, gateway }) => {
    const c = `127.0.0.1:${canary.port}`;
    const b = `127.0.0.1:${beta.port}`;
    const attempts = [
      `/rest/v1//${c}/x`,
      `/rest/v1///${c}/x`,
      `/rest/v1/%2F%2F${c}/x`,
      `/rest/v1/%2f${c}`,
      `/rest/v1/\\\\${c}/x`,
      `/rest/v1/..%2F..%2F${c}/x`,
      `/rest/v1/%2e%2e/%2e%2e//${c}/x`,
      `/rest/v1/../..//${c}/x`,
      `/rest/v1@${c}/x`,
      `/rest/v1/@${c}/x`,
      `/rest/v1/%40${c}/x`,
      `http://${c}/rest/v1/x`,
      `//${c}/rest/v1/x`,
      `/rest/v1/%2e%2e/%2e%2e/functions/v1/beta`,
      `/functions/v1/alpha//${b}/beta`,
      `/functions/v1/alpha/..%2F..%2Fbeta`,
      `/functions/v1/alpha/%2e%2e/beta`,
      `/functions/v1/alpha/%2e%2e%2fbeta`,
      `/functions/v1/${b}/x`,
      `/functions/v1/%2F%2F${c}/x`,
      `/functions/v1/alpha@${c}/x`,
    ];
    for (const target of attempts) {
      const res = await rawRequest(gateway.port, [
        requestHead('GET', target, [...credentials, `X-Forwarded-Host: ${c}`]),
      ]);
      if (res.status === 200) {
        assert.match(res.body, /"upstream":"(rest|alpha)"/, `${target} → ${res.body}`);
      } else {
        assert.ok([400, 401, 404].includes(res.status), `${target} → ${res.status} ${res.body}`);
      }
    }
    const hostHeader = await rawRequest(gateway.port, [
      requestHead('GET', '/rest/v1/x', [...credentials]).replace('Host: 127.0.0.1', `Host: ${c}`),
    ]);
    assert.equal(hostHeader.status, 200);
    assert.deepEqual(canary.seen, [], 'the canary was reached');
    assert.deepEqual(beta.seen, [], 'beta was reached past verify_jwt');
    assert.ok(rest.seen.includes(`GET /@${c}/x`), 'a plain path stays on PostgREST');
    assert.ok(alpha.seen.every((s) => s.startsWith('GET /alpha')), alpha.seen.join());
  });
});

Deno.test('gateway answers REST preflights itself, before the apikey', async () => {
  await withWorld(async ({ rest, gateway }) => {
    const res = await fetch(`${gateway.url}/rest/v1/modules?select=*`, {
      method: 'OPTIONS',
      headers: {
        origin: 'https://app.example.com',
        'access-control-request-method': 'PATCH',
        'access-control-request-headers': 'authorization, x-client-info, apikey, prefer',
      },
    });
    await res.body?.cancel();
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('access-control-allow-origin'), '*');
    const methods = res.headers.get('access-control-allow-methods') ?? '';
    for (const m of ['GET', 'POST', 'PATCH', 'PUT', 'DELETE']) assert.match(methods, new RegExp(m));
    const headers = res.headers.get('access-control-allow-headers') ?? '';
    for (const h of CORS_ALLOW_HEADERS) assert.match(headers, new RegExp(`\\b${h}\\b`));
    assert.deepEqual(rest.seen, []);
  });
});

Deno.test('gateway sends function preflights to the function, or answers when it cannot', async () => {
  await withWorld(async ({ beta, gateway }) => {
    const preflight = (name: string) =>
      fetch(`${gateway.url}/functions/v1/${name}/x`, {
        method: 'OPTIONS',
        headers: { origin: 'https://app.example.com', 'access-control-request-method': 'POST' },
      });
    const forwarded = await preflight('beta');
    assert.equal(forwarded.status, 200);
    assert.deepEqual((await forwarded.json()).upstream, 'beta', 'verify_jwt skipped for OPTIONS');
    assert.deepEqual(beta.seen, ['OPTIONS /beta/x']);
    for (const name of ['gone', 'no-such-function', 'a@b']) {
      const res = await preflight(name);
      await res.body?.cancel();
      assert.equal(res.status, 200, name);
      assert.equal(res.headers.get('access-control-allow-origin'), '*', name);
      assert.match(res.headers.get('access-control-allow-headers') ?? '', /apikey/, name);
    }
  });
});

Deno.test('gateway puts CORS headers on what it forwards and what it answers', async () => {
  const own = startUpstream(
    'own',
    () =>
      new Response('{}', { headers: { 'access-control-allow-origin': 'https://app.example.com' } }),
  );
  const functions = new Map([
    ['own', { name: 'own', target: () => Promise.resolve(own.url), verifyJwt: false }],
  ]);
  const rest = startUpstream(
    'rest',
    () => Response.json([], { headers: { 'content-range': '0-0/*' } }),
  );
  try {
    await withGateway({ postgrestUrl: () => rest.url, functions }, async ({ url }) => {
      const forwarded = await fetch(`${url}/rest/v1/modules`, { headers: { apikey: ANON_KEY } });
      await forwarded.body?.cancel();
      assert.equal(forwarded.status, 200);
      assert.equal(forwarded.headers.get('access-control-allow-origin'), '*');
      assert.match(forwarded.headers.get('access-control-expose-headers') ?? '', /content-range/);
      const kept = await fetch(`${url}/functions/v1/own`);
      await kept.body?.cancel();
      assert.equal(kept.headers.get('access-control-allow-origin'), 'https://app.example.com');
    });
  } finally {
    await Promise.all([own.close(), rest.close()]);
  }
  await withWorld(async ({ gateway }) => {
    const answers: [number, string, RequestInit?][] = [
      [401, '/rest/v1/modules'],
      [401, '/functions/v1/beta'],
      [404, '/functions/v1/no-such-function'],
      [404, '/nowhere'],
      [405, '/rest/v1/modules', { method: 'PROPFIND' }],
      [502, '/functions/v1/gone'],
    ];
    for (const [status, path, init] of answers) {
      const res = await fetch(`${gateway.url}${path}`, init);
      await res.body?.cancel();
      assert.equal(res.status, status, path);
      assert.equal(res.headers.get('access-control-allow-origin'), '*', `${status} ${path}`);
    }
    const invalid = await rawRequest(gateway.port, [requestHead('GET', '/rest/v1//x')]);
    assert.equal(invalid.status, 400);
    assertGatewayProblem(invalid.body, 400, 'bad_request');
    assert.equal(invalid.headers.get('access-control-allow-origin'), '*');
  });
});

Deno.test('gateway refuses TRACE, CONNECT and unknown methods with 405 and Allow', async () => {
  await withWorld(async ({ rest, canary, gateway }) => {
    const c = `127.0.0.1:${canary.port}`;
    const refused = [
      await rawRequest(gateway.port, [requestHead('TRACE', '/rest/v1/modules', credentials)]),
      await rawRequest(gateway.port, [requestHead('CONNECT', c, credentials)]),
      await rawRequest(gateway.port, [requestHead('PROPFIND', '/functions/v1/alpha')]),
    ];
    for (const res of refused) {
      assert.equal(res.status, 405, res.body);
      assert.equal(res.headers.get('allow'), ALLOWED_METHODS.join(', '));
      assert.equal(res.headers.get('access-control-allow-origin'), '*');
      assertGatewayProblem(res.body, 405, 'method_not_allowed');
    }
    // A method the HTTP parser does not know at all is a malformed request.
    const unknown = await rawRequest(gateway.port, [requestHead('TRACK', '/rest/v1/modules')]);
    assert.equal(unknown.status, 400);
    assert.deepEqual(rest.seen, []);
    assert.deepEqual(canary.seen, []);
  });
});

Deno.test('gateway answers 502 without internal details when the upstream is gone', async () => {
  await withWorld(async ({ gateway }) => {
    const res = await fetch(`${gateway.url}/functions/v1/gone/x`, { method: 'POST', body: '{}' });
    assert.equal(res.status, 502);
    assert.match(res.headers.get('content-type') ?? '', /^application\/problem\+json/);
    const text = await res.text();
    assertGatewayProblem(text, 502, 'bad_gateway');
    assert.equal(
      JSON.parse(text).message,
      'An invalid response was received from the upstream server',
    );
  });
});

/**
 * Runs `fn` against a gateway with a 200 ms upstream timeout whose PostgREST answers `answer`,
 * given a promise that stays pending until `fn` is done (to hang or stall on).
 */
async function withHeldUpstream(
  answer: (held: Promise<void>) => Response | Promise<Response>,
  fn: (url: string, upstream: Upstream) => Promise<void>,
): Promise<void> {
  let release = () => {};
  const held = new Promise<void>((r) => release = r);
  const upstream = startUpstream('held', () => answer(held));
  try {
    await withGateway(
      { postgrestUrl: () => upstream.url, upstreamTimeoutMs: 200 },
      ({ url }) => fn(url, upstream),
    );
  } finally {
    release();
    await upstream.close();
  }
}

/** A REST read through the gateway at `url`, bounded at 10 s. */
const readModules = (url: string) =>
  fetch(`${url}/rest/v1/modules`, {
    headers: { apikey: ANON_KEY },
    signal: AbortSignal.timeout(10_000),
  });

Deno.test('gateway answers 504 when the upstream does not answer in time', async () => {
  await withHeldUpstream((held) => held.then(() => new Response('late')), async (url, upstream) => {
    const res = await readModules(url);
    assert.equal(res.status, 504);
    assert.match(res.headers.get('content-type') ?? '', /^application\/problem\+json/);
    assert.equal(res.headers.get('access-control-allow-origin'), '*');
    const text = await res.text();
    assertGatewayProblem(text, 504, 'gateway_timeout');
    assert.equal(JSON.parse(text).message, 'The upstream server is timing out');
    assert.deepEqual(upstream.seen, ['GET /modules']);
  });
});

Deno.test('gateway cuts a response whose upstream stalls in the middle of the body', async () => {
  const stall = (held: Promise<void>) =>
    new Response(
      new ReadableStream<Uint8Array>({
        async start(controller) {
          controller.enqueue(new TextEncoder().encode('['));
          await held;
          controller.close();
        },
      }),
    );
  await withHeldUpstream(stall, async (url) => {
    const res = await readModules(url);
    assert.equal(res.status, 200);
    const error = await res.text().then(() => undefined, (e: Error) => e);
    assert.ok(error, 'the body ended as if complete');
    assert.notEqual(error.name, 'TimeoutError', 'the gateway never cut the stalled body');
  });
});

Deno.test('gateway forwards a key from its key set as the JWT it stands for', async () => {
  const rest = startUpstream('rest');
  const apiKeys = new Map([['test-publishable-key', { role: 'anon' as const, jwt: ANON_KEY }]]);
  try {
    await withGateway({ postgrestUrl: () => rest.url, apiKeys }, async ({ url }) => {
      const ok = await fetch(`${url}/rest/v1/modules?apikey=test-publishable-key&select=id`);
      assert.equal(ok.status, 200);
      await ok.body?.cancel();
      assert.deepEqual(rest.seen, ['GET /modules?select=id']);
      assert.equal(rest.headers[0].get('authorization'), `Bearer ${ANON_KEY}`);
      assert.equal(rest.headers[0].get('apikey'), null);
      const refused = await fetch(`${url}/rest/v1/modules`, { headers: { apikey: ANON_KEY } });
      assert.equal(refused.status, 401, 'a key outside the set');
      assert.deepEqual((await refused.json()).message, 'Invalid API key');
    });
  } finally {
    await rest.close();
  }
});

Deno.test('gateway forwards a new key as a short-lived token it mints for the key role', async () => {
  const rest = startUpstream('rest');
  const dir = await Deno.makeTempDir();
  try {
    const [signingKey] = await loadSigningKeys(`${dir}/signing_keys.json`, { create: true });
    const jwks = publicJwks([signingKey]);
    const apiKeys = projectApiKeys(signingKey);
    await withGateway({ postgrestUrl: () => rest.url, apiKeys, jwks }, async ({ url }) => {
      const cases = [[PUBLISHABLE_KEY, 'anon'], [SECRET_KEY, 'service_role']] as const;
      for (const [apikey, role] of cases) {
        // Alone, then repeated as bearer, as supabase-js sends it without a session.
        for (const bearer of [undefined, `Bearer ${apikey}`]) {
          const headers: Record<string, string> = bearer
            ? { apikey, authorization: bearer }
            : { apikey };
          const res = await fetch(`${url}/rest/v1/modules`, { headers });
          assert.equal(res.status, 200);
          await res.body?.cancel();
          const forwarded = rest.headers.at(-1)!;
          assert.equal(forwarded.get('apikey'), null, 'the key itself goes no further');
          const token = forwarded.get('authorization')!.replace(/^Bearer /, '');
          assert.equal(decodeProtectedHeader(token).kid, signingKey.kid);
          const { payload } = await jwtVerify(token, createLocalJWKSet(jwks), {
            algorithms: ['ES256'],
          });
          assert.equal(payload.role, role);
          assert.equal(payload.exp! - payload.iat!, MINTED_TOKEN_SECONDS);
        }
        const tokens = rest.headers.slice(-2).map((h) => h.get('authorization'));
        assert.equal(tokens[0], tokens[1], 'minted once, reused while young');
      }
    });
  } finally {
    await rest.close();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test('GATEWAY_UPSTREAM_TIMEOUT_MS sets the upstream timeout, or stops the stack', () => {
  assert.equal(upstreamTimeoutFromEnv(undefined), undefined);
  assert.equal(upstreamTimeoutFromEnv(''), undefined);
  assert.equal(upstreamTimeoutFromEnv('250'), 250);
  for (const raw of ['0', '-5', '1.5', '60s', 'abc']) {
    assert.throws(() => upstreamTimeoutFromEnv(raw), StackError, raw);
  }
});

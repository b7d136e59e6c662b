/**
 * Refusals that do not depend on the data: tokens, path ids, unknown routes and methods, CORS,
 * and the problem+json shape. Over HTTP through the gateway, and also against the exported app
 * in-process (as if it were served with `verify_jwt = false`), since the gateway already turns
 * some bad tokens away before the function runs. Bad tokens are made for the run's key system
 * (HS256 with the legacy keys, ES256 with the new ones), and for the other one where it matters.
 */
import assert from 'node:assert/strict';
import { createClient, FunctionsHttpError } from '@supabase/supabase-js';
import { SignJWT } from 'jose';
import { PUBLISHABLE_KEY, SECRET_KEY } from '../../scripts/stack/api-keys.ts';
import { app } from '../../supabase/functions/modules/app.ts';
import { stack } from '../_support/env.ts';
import { api, mintUserJwt, withWorld } from '../_support/fixtures.ts';
import {
  claimsText,
  expiredJwt,
  foreignJwt,
  projectSigningKey,
  publicKeyAsSecretJwt,
  runSigned,
  strangerKey,
  unsignedJwt,
} from '../_support/jwt.ts';
import { contractFetch } from '../_support/contract.ts';

function assertProblem(
  res: { status: number; body: Record<string, unknown>; headers: Headers },
  status: number,
  code: string,
) {
  assert.equal(res.status, status, JSON.stringify(res.body));
  assert.match(res.headers.get('content-type') ?? '', /^application\/problem\+json/);
  assert.deepEqual(Object.keys(res.body).filter((k) => k !== 'errors').sort(), [
    'code',
    'detail',
    'status',
    'title',
    'type',
  ]);
  assert.equal(res.body.status, status);
  assert.equal(res.body.code, code);
  assert.equal(res.body.type, `urn:module-registry:problem:${code}`);
}

/** Calls the exported app directly, without the gateway in front. */
async function direct(method: string, path: string, headers: Record<string, string> = {}) {
  const res = await app.request(`/modules${path}`, { method, headers });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : null, headers: res.headers };
}

const secret = new TextEncoder().encode(stack.jwtSecret);
const now = () => Math.floor(Date.now() / 1000);

const BAD_TOKENS: [string, (sub: string) => Promise<string>][] = [
  ['expired', (sub) => expiredJwt(sub)],
  ['not valid yet', (sub) => mintUserJwt({ sub, claims: { nbf: now() + 3600 } })],
  ['signed with another secret', (sub) => foreignJwt(sub)],
  ['unsigned (alg none)', (sub) => Promise.resolve(unsignedJwt(sub))],
  ['for another audience', (sub) => mintUserJwt({ sub, aud: 'somebody-else' })],
  ['for the anon role', () => Promise.resolve(stack.anonKey)],
  ['for the service_role', () => Promise.resolve(stack.serviceRoleKey)],
  ['the publishable key', () => Promise.resolve(PUBLISHABLE_KEY)],
  ['the secret key', () => Promise.resolve(SECRET_KEY)],
  ['with a user role other than authenticated', (sub) => mintUserJwt({ sub, role: 'postgres' })],
  ['with a sub that is not a UUID', () => mintUserJwt({ sub: 'root' })],
  [
    'without exp',
    (sub) => runSigned(JSON.stringify({ sub, role: 'authenticated', aud: 'authenticated' })),
  ],
  [
    'signed by a key the project does not have, under a kid it does not have',
    async (sub) => mintUserJwt({ sub, signingKey: await strangerKey('not-a-project-key') }),
  ],
  [
    "signed with the project's key under a kid its key set does not have",
    async (sub) => {
      const key = await projectSigningKey();
      return await mintUserJwt({ sub, signingKey: { ...key, kid: 'not-in-the-key-set' } });
    },
  ],
  ...(['JWK', 'PEM', 'x'] as const).map((form): [string, (sub: string) => Promise<string>] => [
    `switched from ES256 to HS256 with the public key (${form}) as the secret`,
    (sub) => publicKeyAsSecretJwt(sub, form),
  ]),
  [
    'naming its role twice (service_role, then authenticated)',
    (sub) => runSigned(`{"role":"service_role",${claimsText(sub).slice(1)}`),
  ],
  [
    'naming its alg twice (none, then the real one)',
    (sub) => runSigned(claimsText(sub), (header) => `{"alg":"none",${header.slice(1)}`),
  ],
  [
    'HS512 with the right secret',
    (sub) =>
      new SignJWT({ role: 'authenticated', aud: 'authenticated' })
        .setProtectedHeader({ alg: 'HS512', typ: 'JWT' }).setSubject(sub).setIssuedAt(now())
        .setExpirationTime(now() + 3600).sign(secret),
  ],
];

Deno.test('function refuses every bad token with 401 problem+json, also without the gateway', async (t) => {
  await withWorld(async (w) => {
    const sub = w.users.owner.id;
    for (const [what, make] of BAD_TOKENS) {
      await t.step(what, async () => {
        const token = await make(sub);
        const before = await w.state();
        const viaGateway = await api('POST', `/tenants/${w.tenantId}`, {
          token,
          body: { module_id: 'agency' },
        });
        assert.equal(viaGateway.status, 401, JSON.stringify(viaGateway.body));
        const res = await direct('GET', '', { authorization: `Bearer ${token}` });
        assertProblem(res, 401, 'unauthorized');
        assert.match(res.headers.get('www-authenticate') ?? '', /^Bearer/);
        assert.equal(await w.state(), before);
      });
    }
  });
});

Deno.test('function refuses the publishable key where a user is required, as supabase-js sends it', async () => {
  await withWorld(async (w) => {
    // No session: supabase-js sends the key as apikey and as the bearer token.
    const supabase = createClient(stack.apiUrl, PUBLISHABLE_KEY, {
      auth: { persistSession: false, autoRefreshToken: false },
    });
    const { error } = await supabase.functions.invoke(`modules/tenants/${w.tenantId}`, {
      method: 'GET',
    });
    assert.ok(error instanceof FunctionsHttpError, String(error));
    assert.equal(error.context.status, 401);
    await error.context.body?.cancel();
  });
});

Deno.test('gateway refuses the secret key from a browser with 401 before the function runs', async () => {
  await withWorld(async (w) => {
    const before = await w.state();
    const browser = 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 Chrome/126.0 Safari/537.36';
    const res = await api('POST', `/tenants/${w.tenantId}`, {
      token: SECRET_KEY,
      headers: { apikey: SECRET_KEY, 'user-agent': browser },
      body: { module_id: 'agency' },
    });
    assert.equal(res.status, 401, JSON.stringify(res.body));
    assert.match(res.body.message, /secret API key in browser/);
    assert.equal(await w.state(), before);
  });
});

Deno.test('function refuses a missing or malformed Authorization header with 401', async (t) => {
  for (
    const header of [
      undefined,
      '',
      'Bearer',
      'Basic dXNlcjpwYXNz',
      'Bearer not-a-jwt',
      'Bearer a.b',
    ]
  ) {
    await t.step(header === undefined ? 'no header' : JSON.stringify(header), async () => {
      const headers: Record<string, string> = header === undefined ? {} : { authorization: header };
      assertProblem(await direct('GET', '', headers), 401, 'unauthorized');
      const viaGateway = await api('GET', '', { headers });
      assert.equal(viaGateway.status, 401);
    });
  }
});

Deno.test('function accepts a valid user token in-process too', async () => {
  await withWorld(async (w) => {
    const res = await direct('GET', `/tenants/${w.tenantId}`, {
      authorization: `Bearer ${w.users.member.token}`,
    });
    assert.equal(res.status, 200);
    assert.deepEqual(res.body, []);
  });
});

Deno.test('ids in the path that are not a UUID or a module slug are 400', async (t) => {
  await withWorld(async (w) => {
    const token = w.users.owner.token;
    const cases: [string, string, string, unknown?][] = [
      ['GET', '/tenants/not-a-uuid', 'params.tenantId'],
      ['POST', '/tenants/1234', 'params.tenantId', { module_id: 'agency' }],
      ['GET', `/tenants/${w.tenantId}/Agency`, 'params.moduleId'],
      ['GET', `/tenants/${w.tenantId}/a`, 'params.moduleId'],
      ['GET', `/tenants/${w.tenantId}/${'a'.repeat(64)}`, 'params.moduleId'],
      ['PATCH', `/tenants/${w.tenantId}/1agency`, 'params.moduleId', { enabled: true }],
      ['PATCH', `/tenants/${w.tenantId}/ag%20ency/settings`, 'params.moduleId', {}],
      ['DELETE', `/tenants/${w.tenantId}/agency%27--`, 'params.moduleId'],
      ['DELETE', `/tenants/x/agency`, 'params.tenantId'],
    ];
    await w.install('agency');
    for (const [method, path, field, body] of cases) {
      await t.step(`${method} ${path}`, async () => {
        const before = await w.state();
        const res = await api(method, path, { token, body });
        assertProblem(res, 400, 'invalid_request');
        assert.ok(
          res.body.errors.some((e: { path: string }) => e.path === field),
          JSON.stringify(res.body),
        );
        assert.equal(await w.state(), before);
      });
    }
  });
});

Deno.test('unknown routes are 404 not_found and unsupported methods 405 with Allow', async (t) => {
  await withWorld(async (w) => {
    const token = w.users.owner.token;
    for (const path of ['/nope', '/tenants', `/tenants/${w.tenantId}/agency/settings/extra`]) {
      await t.step(`GET ${path}`, async () => {
        assertProblem(await api('GET', path, { token }), 404, 'not_found');
      });
    }
    const methods: [string, string, string][] = [
      ['DELETE', '', 'GET, HEAD, OPTIONS'],
      ['PUT', `/tenants/${w.tenantId}`, 'GET, POST, HEAD, OPTIONS'],
      ['POST', `/tenants/${w.tenantId}/agency`, 'GET, PATCH, DELETE, HEAD, OPTIONS'],
      ['GET', `/tenants/${w.tenantId}/agency/settings`, 'PATCH, OPTIONS'],
      ['GET', `/tenants/${w.tenantId}/agency/upgrade`, 'POST, OPTIONS'],
      ['DELETE', `/tenants/${w.tenantId}/events`, 'GET, HEAD, OPTIONS'],
      ['POST', `/tenants/${w.tenantId}/agency/uninstall-preview`, 'GET, HEAD, OPTIONS'],
    ];
    for (const [method, path, allow] of methods) {
      await t.step(`${method} ${path}`, async () => {
        const res = await api(method, path, { token });
        assertProblem(res, 405, 'method_not_allowed');
        assert.equal(res.headers.get('allow'), allow);
      });
    }
  });
});

Deno.test('HEAD on the catalog answers like GET without a body', async () => {
  await withWorld(async (w) => {
    const res = await contractFetch(`${stack.apiUrl}/functions/v1/modules`, {
      method: 'HEAD',
      headers: { authorization: `Bearer ${w.users.owner.token}` },
    });
    assert.equal(res.status, 200);
    assert.equal(await res.text(), '');
  });
});

Deno.test('CORS preflight passes without a token and errors carry CORS headers', async () => {
  const preflight = await fetch(`${stack.apiUrl}/functions/v1/modules/tenants/x`, {
    method: 'OPTIONS',
    headers: {
      origin: 'https://app.example.com',
      'access-control-request-method': 'PATCH',
      'access-control-request-headers': 'authorization, content-type, x-client-info, apikey',
    },
  });
  await preflight.body?.cancel();
  assert.equal(preflight.status, 204);
  assert.equal(preflight.headers.get('access-control-allow-origin'), '*');
  assert.match(preflight.headers.get('access-control-allow-methods') ?? '', /PATCH/);
  for (const h of ['authorization', 'content-type', 'x-client-info', 'apikey']) {
    assert.match(preflight.headers.get('access-control-allow-headers') ?? '', new RegExp(h));
  }
  const refused = await direct('GET', '/tenants/x', {
    origin: 'https://app.example.com',
    authorization: 'Bearer nope',
  });
  assert.equal(refused.status, 401);
  assert.equal(refused.headers.get('access-control-allow-origin'), '*');
});

Deno.test('a token that worked is refused once it expires', async () => {
  await withWorld(async (w) => {
    const token = await mintUserJwt({ sub: w.users.owner.id, expiresIn: 2 });
    assert.equal((await api('GET', `/tenants/${w.tenantId}`, { token })).status, 200);
    assert.equal((await direct('GET', '', { authorization: `Bearer ${token}` })).status, 200);
    await new Promise((resolve) => setTimeout(resolve, 2_100));
    assert.equal((await api('GET', `/tenants/${w.tenantId}`, { token })).status, 401);
    assertProblem(
      await direct('GET', '', { authorization: `Bearer ${token}` }),
      401,
      'unauthorized',
    );
  });
});

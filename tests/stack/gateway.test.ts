/**
 * The local stack is faithful to Supabase's: requests through the gateway run in Postgres under
 * the role their key or token names, whether legacy (anon and service_role keys, HS256 tokens) or
 * new (publishable and secret keys, ES256 tokens), and bad tokens never get that far.
 */
import assert from 'node:assert/strict';
import { decodeJwt, decodeProtectedHeader } from 'jose';
import postgres from 'postgres';
import { PUBLISHABLE_KEY, SECRET_KEY } from '../../scripts/stack/api-keys.ts';
import { mintUserJwt } from '../../scripts/stack/jwt.ts';
import { stack } from '../_support/env.ts';
import {
  expiredJwt,
  foreignJwt,
  projectSigningKey,
  publicKeyAsSecretJwt,
  strangerKey,
  unsignedJwt,
} from '../_support/jwt.ts';
import { rawRequest, requestHead } from '../_support/raw-http.ts';
import { assertGatewayProblem } from '../_support/upstreams.ts';

const rpc = `${stack.apiUrl}/rest/v1/rpc/stack_test_whoami`;

/** A probe function created for this file only and dropped afterwards. */
async function withWhoami(fn: () => Promise<void>): Promise<void> {
  const sql = postgres(stack.dbUrl, { max: 1, onnotice: () => {} });
  try {
    await sql.unsafe(`
      create or replace function public.stack_test_whoami() returns jsonb
      language sql stable set search_path = '' as $$
        select jsonb_build_object(
          'role', current_user, 'sub', auth.uid(), 'jwt_role', auth.role(), 'jwt', auth.jwt()
        )
      $$;
      notify pgrst, 'reload schema';
    `).simple();
    // Wait until PostgREST has reloaded its schema cache.
    for (let i = 0; i < 50; i++) {
      const res = await fetch(rpc, { method: 'POST', headers: { apikey: stack.anonKey } });
      await res.body?.cancel();
      if (res.status !== 404) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    await fn();
  } finally {
    await sql.unsafe(`
      drop function if exists public.stack_test_whoami();
      notify pgrst, 'reload schema';
    `).simple();
    await sql.end();
  }
}

async function whoami(headers: HeadersInit): Promise<[number, Record<string, unknown>]> {
  const res = await fetch(rpc, { method: 'POST', headers });
  return [res.status, await res.json()];
}

Deno.test('gateway runs each key and token under its own Postgres role', async (t) => {
  await withWhoami(async () => {
    await t.step('anon key runs as anon', async () => {
      const [status, body] = await whoami({ apikey: stack.anonKey });
      assert.deepEqual(status, 200);
      assert.deepEqual(body.role, 'anon');
      assert.deepEqual(body.sub, null);
    });

    await t.step('user token runs as authenticated with its sub', async () => {
      const sub = crypto.randomUUID();
      const token = await mintUserJwt({ sub });
      const [status, body] = await whoami({
        apikey: stack.anonKey,
        authorization: `Bearer ${token}`,
      });
      assert.deepEqual(status, 200);
      assert.deepEqual(body.role, 'authenticated');
      assert.deepEqual(body.sub, sub);
    });

    await t.step('service_role key runs as service_role', async () => {
      const [status, body] = await whoami({ apikey: stack.serviceRoleKey });
      assert.deepEqual(status, 200);
      assert.deepEqual(body.role, 'service_role');
    });

    for (
      const [name, key, role] of [['publishable', PUBLISHABLE_KEY, 'anon'], [
        'secret',
        SECRET_KEY,
        'service_role',
      ]]
    ) {
      await t.step(`${name} key runs as ${role}, alone or repeated as bearer`, async () => {
        for (const bearer of [undefined, `Bearer ${key}`]) {
          const headers: HeadersInit = bearer
            ? { apikey: key, authorization: bearer }
            : { apikey: key };
          const [status, body] = await whoami(headers);
          assert.deepEqual([status, body.role, body.sub], [200, role, null], bearer);
        }
      });
    }

    await t.step(
      'a new key reaches PostgREST as a short-lived ES256 token for its role',
      async () => {
        const [, body] = await whoami({ apikey: SECRET_KEY });
        const claims = body.jwt as { role: string; iat: number; exp: number };
        assert.equal(claims.role, 'service_role');
        assert.ok(claims.exp - claims.iat <= 60, JSON.stringify(claims));
        assert.ok(claims.exp > Date.now() / 1000, 'unexpired');
      },
    );

    await t.step('an ES256 user token runs as authenticated, with either kind of key', async () => {
      const sub = crypto.randomUUID();
      const token = await mintUserJwt({ sub, signingKey: await projectSigningKey() });
      assert.deepEqual(decodeProtectedHeader(token).alg, 'ES256');
      for (const apikey of [PUBLISHABLE_KEY, stack.anonKey]) {
        const [status, body] = await whoami({ apikey, authorization: `Bearer ${token}` });
        assert.deepEqual([status, body.role, body.sub], [200, 'authenticated', sub], apikey);
      }
    });

    await t.step('a new key as bearer must be the apikey itself', async () => {
      for (
        const headers of [
          { apikey: PUBLISHABLE_KEY, authorization: `Bearer ${SECRET_KEY}` },
          { apikey: stack.anonKey, authorization: `Bearer ${SECRET_KEY}` },
          { apikey: PUBLISHABLE_KEY, authorization: 'Bearer sb_secret_not-a-project-key' },
        ]
      ) {
        const res = await fetch(rpc, { method: 'POST', headers });
        assert.deepEqual(res.status, 401, headers.authorization);
        await res.body?.cancel();
      }
    });

    const es256: [string, (sub: string) => Promise<string>][] = [
      [
        'signed by a key the project does not have',
        async (sub) => mintUserJwt({ sub, signingKey: await strangerKey() }),
      ],
      ...(['JWK', 'PEM', 'x'] as const).map((form): [string, (sub: string) => Promise<string>] => [
        `switched to HS256 with the public key (${form}) as the secret`,
        (sub) => publicKeyAsSecretJwt(sub, form),
      ]),
    ];
    for (const [name, make] of es256) {
      await t.step(`a token ${name} is refused by PostgREST and the function gateway`, async () => {
        const token = await make(crypto.randomUUID());
        const rest = await fetch(rpc, {
          method: 'POST',
          headers: { apikey: PUBLISHABLE_KEY, authorization: `Bearer ${token}` },
        });
        assert.deepEqual(rest.status, 401);
        await rest.body?.cancel();
        const fn = await fetch(`${stack.apiUrl}/functions/v1/modules`, {
          headers: { authorization: `Bearer ${token}` },
        });
        assert.deepEqual([fn.status, (await fn.json()).message], [401, 'Invalid JWT']);
      });
    }

    for (
      const [name, make] of [
        ['signed with another secret', foreignJwt],
        ['expired', expiredJwt],
        ['unsigned (alg: none)', (sub: string) => Promise.resolve(unsignedJwt(sub))],
      ] as const
    ) {
      await t.step(`a token ${name} is refused by PostgREST`, async () => {
        const res = await fetch(rpc, {
          method: 'POST',
          headers: {
            apikey: stack.anonKey,
            authorization: `Bearer ${await make(crypto.randomUUID())}`,
          },
        });
        assert.deepEqual(res.status, 401);
        await res.body?.cancel();
      });

      await t.step(`a token ${name} is refused by the function gateway`, async () => {
        const res = await fetch(`${stack.apiUrl}/functions/v1/modules`, {
          headers: { authorization: `Bearer ${await make(crypto.randomUUID())}` },
        });
        assert.deepEqual(res.status, 401);
        assert.deepEqual((await res.json()).message, 'Invalid JWT');
      });

      await t.step(`an apikey ${name} is refused by the REST gateway`, async () => {
        const res = await fetch(`${stack.apiUrl}/rest/v1/`, {
          headers: { apikey: await make(crypto.randomUUID()) },
        });
        assert.deepEqual(res.status, 401);
        assert.deepEqual((await res.json()).message, 'Invalid API key');
      });
    }
  });
});

Deno.test('gateway refuses the secret key from a browser, on every route', async (t) => {
  const browsers = [
    'Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 Version/17.5 Safari/605.1.15',
    'Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:127.0) Gecko/20100101 Firefox/127.0',
  ];
  const root = `${stack.apiUrl}/rest/v1/`;
  const fn = `${stack.apiUrl}/functions/v1/modules`;
  for (const ua of browsers) {
    await t.step(`${ua.slice(0, 40)}…`, async () => {
      const refused: [string, Record<string, string>][] = [
        [root, { apikey: SECRET_KEY }],
        [`${root}?apikey=${SECRET_KEY}`, {}],
        [root, { apikey: SECRET_KEY, authorization: `Bearer ${SECRET_KEY}` }],
        [fn, { apikey: SECRET_KEY, authorization: `Bearer ${SECRET_KEY}` }],
        [fn, { authorization: `Bearer ${SECRET_KEY}` }],
      ];
      for (const [url, headers] of refused) {
        const res = await fetch(url, { headers: { ...headers, 'user-agent': ua } });
        assert.deepEqual(res.status, 401, `${url} ${JSON.stringify(headers)}`);
        assert.match((await res.json()).message, /secret API key in browser/);
      }
      for (const apikey of [PUBLISHABLE_KEY, stack.anonKey, stack.serviceRoleKey]) {
        const res = await fetch(root, { headers: { apikey, 'user-agent': ua } });
        assert.deepEqual(res.status, 200, `${apikey.slice(0, 20)}… from a browser`);
        await res.body?.cancel();
      }
    });
  }
  await t.step('the secret key from a server (curl, Node.js, Deno) is accepted', async () => {
    for (const ua of ['curl/8.5.0', 'node', `Deno/${Deno.version.deno}`]) {
      const res = await fetch(root, { headers: { apikey: SECRET_KEY, 'user-agent': ua } });
      assert.deepEqual(res.status, 200, ua);
      await res.body?.cancel();
    }
  });
});

Deno.test('gateway publishes the public signing keys at /auth/v1/.well-known/jwks.json', async () => {
  const res = await fetch(`${stack.apiUrl}/auth/v1/.well-known/jwks.json`);
  assert.deepEqual(res.status, 200);
  assert.deepEqual(res.headers.get('access-control-allow-origin'), '*');
  const { keys } = await res.json();
  const key = await projectSigningKey();
  assert.deepEqual(keys, [key.publicJwk]);
  assert.deepEqual([keys[0].kid, keys[0].kty, keys[0].alg, keys[0].crv], [
    key.kid,
    'EC',
    'ES256',
    'P-256',
  ]);
  for (const secret of ['d', 'k']) assert.ok(!(secret in keys[0]), `no "${secret}" published`);
  // The key the stack signs with, e.g. a user token from `deno task jwt`.
  const token = await mintUserJwt({ sub: crypto.randomUUID(), signingKey: key });
  assert.deepEqual(decodeProtectedHeader(token).kid, keys[0].kid);
  assert.ok(decodeJwt(token).exp! > Date.now() / 1000);
});

Deno.test('gateway answers the REST root with the anon key', async () => {
  const res = await fetch(`${stack.apiUrl}/rest/v1/`, { headers: { apikey: stack.anonKey } });
  assert.deepEqual(res.status, 200);
  assert.match(res.headers.get('content-type') ?? '', /openapi|json/);
  await res.body?.cancel();
});

Deno.test('gateway refuses REST requests without an apikey', async () => {
  const res = await fetch(`${stack.apiUrl}/rest/v1/modules`);
  assert.deepEqual(res.status, 401);
  assert.deepEqual((await res.json()).message, 'No API key found in request');
});

Deno.test('gateway refuses a function call without a token before the function runs', async () => {
  const res = await fetch(`${stack.apiUrl}/functions/v1/modules`);
  assert.deepEqual(res.status, 401);
  assert.deepEqual((await res.json()).message, 'Missing authorization header');
});

Deno.test('gateway verify_jwt takes tokens signed either way, and no API key as a JWT', async () => {
  const sub = crypto.randomUUID();
  const call = (token: string) =>
    fetch(`${stack.apiUrl}/functions/v1/modules`, {
      headers: { authorization: `Bearer ${token}` },
    });
  for (
    const token of [
      await mintUserJwt({ sub }),
      await mintUserJwt({ sub, signingKey: await projectSigningKey() }),
    ]
  ) {
    const res = await call(token);
    // The function answers (a stranger sees the catalog), so the gateway let it through.
    assert.deepEqual(res.status, 200, decodeProtectedHeader(token).alg);
    await res.body?.cancel();
  }
  for (const key of [PUBLISHABLE_KEY, SECRET_KEY]) {
    const res = await call(key);
    assert.deepEqual([res.status, (await res.json()).message], [401, 'Invalid JWT']);
  }
});

Deno.test('gateway answers 404 for a function that does not exist', async () => {
  const res = await fetch(`${stack.apiUrl}/functions/v1/no-such-function`, {
    headers: { authorization: `Bearer ${stack.anonKey}` },
  });
  assert.deepEqual(res.status, 404);
  await res.body?.cancel();
});

Deno.test('gateway hands the function the path from its own name', async () => {
  const token = await mintUserJwt({ sub: crypto.randomUUID() });
  const res = await fetch(`${stack.apiUrl}/functions/v1/modules/definitely/not/a/route`, {
    headers: { authorization: `Bearer ${token}` },
  });
  // The function (not the gateway) answers: a problem+json 404 from its router.
  assert.deepEqual(res.status, 404);
  assert.match(res.headers.get('content-type') ?? '', /application\/problem\+json/);
  await res.body?.cancel();
});

Deno.test('gateway accepts only the project keys as apikey', async (t) => {
  const root = `${stack.apiUrl}/rest/v1/`;
  const keys = [
    ['anon', stack.anonKey],
    ['service_role', stack.serviceRoleKey],
    ['publishable', PUBLISHABLE_KEY],
    ['secret', SECRET_KEY],
  ];
  for (const [name, key] of keys) {
    await t.step(`the ${name} key is accepted, in the header or the query`, async () => {
      for (
        const res of [
          await fetch(root, { headers: { apikey: key } }),
          await fetch(`${root}?apikey=${key}`),
        ]
      ) {
        assert.deepEqual(res.status, 200);
        await res.body?.cancel();
      }
    });
  }
  const signedWithTheSecret = [
    ['a user token', () => mintUserJwt({ sub: crypto.randomUUID() })],
    ['a service_role token', () => mintUserJwt({ sub: 'x', role: 'service_role', aud: 'x' })],
    ['an anon token', () => mintUserJwt({ sub: 'x', role: 'anon', aud: 'x' })],
  ] as const;
  for (const [name, make] of signedWithTheSecret) {
    await t.step(`${name} signed with the JWT secret is refused as apikey`, async () => {
      const res = await fetch(root, { headers: { apikey: await make() } });
      assert.deepEqual(res.status, 401);
      assert.deepEqual((await res.json()).message, 'Invalid API key');
    });
  }
  await t.step('a key that is not a token at all is refused', async () => {
    for (const apikey of ['sb_publishable_not-a-project-key', `${SECRET_KEY}x`]) {
      const res = await fetch(root, { headers: { apikey } });
      assert.deepEqual(res.status, 401);
      assert.deepEqual((await res.json()).message, 'Invalid API key');
    }
  });
  await t.step('an ES256 token signed with the project key is refused as apikey', async () => {
    const token = await mintUserJwt({
      sub: 'x',
      role: 'anon',
      signingKey: await projectSigningKey(),
    });
    const res = await fetch(root, { headers: { apikey: token } });
    assert.deepEqual(res.status, 401);
    await res.body?.cancel();
  });
});

Deno.test('gateway lets browsers call the REST API and functions (CORS)', async (t) => {
  const preflight = (path: string) =>
    fetch(`${stack.apiUrl}${path}`, {
      method: 'OPTIONS',
      headers: {
        origin: 'http://localhost:3000',
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'authorization, x-client-info, apikey, content-type',
      },
    });

  await t.step('a REST preflight is answered without an apikey', async () => {
    const res = await preflight('/rest/v1/modules');
    await res.body?.cancel();
    assert.deepEqual(res.status, 200);
    assert.deepEqual(res.headers.get('access-control-allow-origin'), '*');
    assert.match(res.headers.get('access-control-allow-methods') ?? '', /POST/);
    assert.match(res.headers.get('access-control-allow-headers') ?? '', /x-client-info/);
  });

  await t.step('a function preflight is answered by the function itself', async () => {
    const res = await preflight('/functions/v1/modules');
    await res.body?.cancel();
    assert.deepEqual(res.status, 204, 'the gateway answers 200, the function 204');
    assert.deepEqual(res.headers.get('access-control-allow-origin'), '*');
  });

  await t.step('a preflight for a missing function is answered by the gateway', async () => {
    const res = await preflight('/functions/v1/no-such-function');
    await res.body?.cancel();
    assert.deepEqual(res.status, 200);
    assert.deepEqual(res.headers.get('access-control-allow-origin'), '*');
  });

  await t.step('answers and refusals carry Access-Control-Allow-Origin', async () => {
    const cases: [number, string, RequestInit][] = [
      [200, '/rest/v1/modules?select=id', { headers: { apikey: stack.anonKey } }],
      [401, '/rest/v1/modules', {}],
      [401, '/functions/v1/modules', {}],
      [404, '/functions/v1/no-such-function', {}],
      [404, '/auth/v1/user', {}],
      [405, '/rest/v1/modules', { method: 'PROPFIND', headers: { apikey: stack.anonKey } }],
    ];
    for (const [status, path, init] of cases) {
      const res = await fetch(`${stack.apiUrl}${path}`, init);
      await res.body?.cancel();
      assert.deepEqual(res.status, status, path);
      assert.deepEqual(res.headers.get('access-control-allow-origin'), '*', `${status} ${path}`);
    }
  });
});

Deno.test('gateway refuses TRACE and CONNECT with 405', async () => {
  const port = Number(new URL(stack.apiUrl).port);
  for (const [method, target] of [['TRACE', '/rest/v1/modules'], ['CONNECT', '127.0.0.1:22']]) {
    const res = await rawRequest(port, [requestHead(method, target, [`apikey: ${stack.anonKey}`])]);
    assert.deepEqual(res.status, 405, `${method}: ${res.body}`);
    assert.match(res.headers.get('allow') ?? '', /GET/);
    assertGatewayProblem(res.body, 405, 'method_not_allowed');
  }
});

Deno.test('gateway stops accepting a token it verified once that token expires', async () => {
  const token = await mintUserJwt({ sub: crypto.randomUUID(), expiresIn: 2 });
  const call = async () => {
    const res = await fetch(`${stack.apiUrl}/functions/v1/modules`, {
      headers: { authorization: `Bearer ${token}` },
    });
    return [res.status, await res.json()];
  };
  const [first] = await call();
  assert.notEqual(first, 401, 'accepted while valid (the function answers)');
  await new Promise((r) => setTimeout(r, 3_000));
  assert.deepEqual(await call(), [401, { code: 401, message: 'Invalid JWT' }]);
});

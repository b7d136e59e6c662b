/**
 * How the function verifies tokens from the variables the platform gives it. Hosted Supabase
 * gives functions `SUPABASE_JWKS` (asymmetric keys) but not the legacy HS256 secret, so there an
 * HS256 token is shown to the project's Auth server. The local stack has no Auth server; a
 * stand-in answers `GET /auth/v1/user` the way Auth does (200 for a token signed by the project,
 * 401 otherwise) so that the function's side of the exchange is tested. The middleware is called
 * in-process because the variables it reads are the ones under test; the Auth outages are tested
 * over HTTP, against the function in a process of its own given the variables to test.
 */
import assert from 'node:assert/strict';
import { Hono } from 'hono';
import { exportJWK, generateKeyPair, type JWK, SignJWT } from 'jose';
import { PUBLISHABLE_KEY } from '../../scripts/stack/api-keys.ts';
import { FunctionHost } from '../../scripts/stack/functions.ts';
import { ANON_KEY, JWT_SECRET, mintUserJwt, verifyJwt } from '../../scripts/stack/jwt.ts';
import { freePort } from '../../scripts/stack/process.ts';
import { functionSetup, readFunctionsConfig, ROOT } from '../../scripts/stack/project.ts';
import {
  AUTH_SERVER_TRUST_MS,
  authenticate,
  requireUser,
  type UserEnv,
} from '../../supabase/functions/_shared/auth.ts';
import { ApiError } from '../../supabase/functions/_shared/problem.ts';
import { signRaw } from '../_support/jwt.ts';
import { contractFetch } from '../_support/contract.ts';

const VARS = [
  'SUPABASE_URL',
  'SUPABASE_ANON_KEY',
  'SUPABASE_PUBLISHABLE_KEYS',
  'SUPABASE_JWT_SECRET',
  'MODULES_JWT_SECRET',
  'SUPABASE_JWKS',
];

/** A token signed with a secret that is not the project's. */
const foreignJwt = (sub: string) =>
  mintUserJwt({ sub, secret: 'another-secret-that-is-at-least-32-characters-long!!' });

/** Runs `fn` with the given function environment, restoring the process's afterwards. */
async function withEnv(vars: Record<string, string>, fn: () => Promise<void>): Promise<void> {
  const saved = Object.fromEntries(VARS.map((v) => [v, Deno.env.get(v)]));
  try {
    for (const v of VARS) Deno.env.delete(v);
    for (const [k, v] of Object.entries(vars)) Deno.env.set(k, v);
    await fn();
  } finally {
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) Deno.env.delete(k);
      else Deno.env.set(k, v);
    }
  }
}

async function refusal(promise: Promise<unknown>): Promise<ApiError> {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof ApiError, String(error));
    return error;
  }
  assert.fail('expected a refusal');
}

/** Runs `fn` with `Date.now()` `ms` ahead, as if that much time had passed. */
async function later<T>(ms: number, fn: () => T | Promise<T>): Promise<T> {
  const now = Date.now;
  Date.now = () => now() + ms;
  try {
    return await fn();
  } finally {
    Date.now = now;
  }
}

/** What Auth's `GET /auth/v1/user` answers: the user of a genuine token, else 401. */
async function authUser(req: Request): Promise<Response> {
  const token = req.headers.get('authorization')?.replace(/^Bearer /, '') ?? '';
  try {
    const claims = await verifyJwt(token);
    return Response.json({ id: claims.sub, aud: claims.aud, role: claims.role });
  } catch {
    return Response.json({ code: 401, msg: 'invalid JWT' }, { status: 401 });
  }
}

Deno.test('without the JWT secret, HS256 tokens are checked by the Auth server', async (t) => {
  let calls = 0;
  let apikey: string | null = null;
  const auth = Deno.serve({ hostname: '127.0.0.1', port: 0, onListen: () => {} }, async (req) => {
    calls++;
    const url = new URL(req.url);
    apikey = req.headers.get('apikey');
    if (url.pathname !== '/auth/v1/user' || (apikey !== ANON_KEY && apikey !== PUBLISHABLE_KEY)) {
      return Response.json({ msg: 'bad request' }, { status: 400 });
    }
    return await authUser(req);
  });
  const authUrl = `http://127.0.0.1:${auth.addr.port}`;
  const sub = crypto.randomUUID();
  try {
    await withEnv({ SUPABASE_URL: authUrl, SUPABASE_ANON_KEY: ANON_KEY }, async () => {
      await t.step('a token Auth accepts identifies the caller', async () => {
        const caller = await authenticate(`Bearer ${await mintUserJwt({ sub })}`);
        assert.deepEqual(caller.userId, sub);
        assert.deepEqual(calls, 1);
      });

      await t.step('a token Auth refuses is a 401', async () => {
        const error = await refusal(authenticate(`Bearer ${await foreignJwt(sub)}`));
        assert.deepEqual([error.status, error.code], [401, 'unauthorized']);
        assert.deepEqual(calls, 2);
      });

      await t.step('a genuine token for another audience is still a 401', async () => {
        const token = await mintUserJwt({ sub, aud: 'another-project' });
        const error = await refusal(authenticate(`Bearer ${token}`));
        assert.deepEqual([error.status, error.code], [401, 'unauthorized']);
      });

      await t.step('a genuine service-role key is not a user', async () => {
        const token = await mintUserJwt({ sub, role: 'service_role' });
        const error = await refusal(authenticate(`Bearer ${token}`));
        assert.deepEqual(error.status, 401);
      });

      await t.step("Auth's answer is trusted for a minute, then asked for again", async () => {
        const probe = new Hono<UserEnv>().use(requireUser).get(
          '/',
          (c) => c.text(c.var.caller.userId),
        );
        const headers = { authorization: `Bearer ${await mintUserJwt({ sub })}` };
        const before = calls;
        assert.equal(await (await probe.request('/', { headers })).text(), sub);
        assert.equal(calls, before + 1, 'the first request asks Auth');
        await later(AUTH_SERVER_TRUST_MS - 5_000, () => probe.request('/', { headers }));
        assert.equal(calls, before + 1, 'within the minute, the answer is reused');
        const res = await later(
          AUTH_SERVER_TRUST_MS + 1_000,
          () => probe.request('/', { headers }),
        );
        assert.equal(res.status, 200);
        assert.equal(calls, before + 2, 'after the minute, Auth is asked again');
      });
    });

    await t.step(
      'with SUPABASE_PUBLISHABLE_KEYS, Auth is asked with the publishable key',
      async () => {
        const vars = {
          SUPABASE_URL: authUrl,
          SUPABASE_ANON_KEY: ANON_KEY,
          SUPABASE_PUBLISHABLE_KEYS: JSON.stringify({ default: PUBLISHABLE_KEY }),
        };
        await withEnv(vars, async () => {
          const caller = await authenticate(`Bearer ${await mintUserJwt({ sub })}`);
          assert.deepEqual(caller.userId, sub);
          assert.equal(apikey, PUBLISHABLE_KEY);
        });
      },
    );

    await t.step('Auth unreachable is a 503 auth_unavailable, not a 401', async () => {
      await auth.shutdown();
      await withEnv({ SUPABASE_URL: authUrl, SUPABASE_ANON_KEY: ANON_KEY }, async () => {
        const error = await refusal(authenticate(`Bearer ${await mintUserJwt({ sub })}`));
        assert.deepEqual([error.status, error.code], [503, 'auth_unavailable']);
      });
    });

    await t.step('with MODULES_JWT_SECRET set, Auth is not needed', async () => {
      const vars = { SUPABASE_URL: authUrl, SUPABASE_ANON_KEY: ANON_KEY };
      await withEnv({ ...vars, MODULES_JWT_SECRET: JWT_SECRET }, async () => {
        const caller = await authenticate(`Bearer ${await mintUserJwt({ sub })}`);
        assert.deepEqual(caller.userId, sub);
        const error = await refusal(authenticate(`Bearer ${await foreignJwt(sub)}`));
        assert.deepEqual(error.status, 401);
      });
    });
  } finally {
    await auth.shutdown().catch(() => {});
  }
});

Deno.test('asymmetric tokens are checked against SUPABASE_JWKS', async (t) => {
  const project = await generateKeyPair('ES256');
  const stranger = await generateKeyPair('ES256');
  const jwk = { ...(await exportJWK(project.publicKey)), kid: 'project-key', alg: 'ES256' };
  const sub = crypto.randomUUID();
  const sign = (key: Parameters<SignJWT['sign']>[0], kid: string) =>
    new SignJWT({ role: 'authenticated', aud: 'authenticated' })
      .setProtectedHeader({ alg: 'ES256', kid, typ: 'JWT' })
      .setSubject(sub)
      .setIssuedAt()
      .setExpirationTime('1h')
      .sign(key);

  // No SUPABASE_URL: were the key set fetched rather than read from the variable, this would fail.
  // The JWT secret is set: an HS256 token would be checked against it, never against the JWKS.
  const vars = { SUPABASE_JWKS: JSON.stringify({ keys: [jwk] }), SUPABASE_JWT_SECRET: JWT_SECRET };
  await withEnv(vars, async () => {
    await t.step('a token signed with the project key is accepted', async () => {
      const caller = await authenticate(`Bearer ${await sign(project.privateKey, 'project-key')}`);
      assert.deepEqual(caller.userId, sub);
    });

    await t.step('a token signed with another key under the same kid is a 401', async () => {
      const token = await sign(stranger.privateKey, 'project-key');
      const error = await refusal(authenticate(`Bearer ${token}`));
      assert.deepEqual(error.status, 401);
    });

    await t.step(
      'a token signed by a key the set does not have, under its own kid, is a 401',
      async () => {
        const token = await sign(stranger.privateKey, 'stranger-key');
        assert.deepEqual((await refusal(authenticate(`Bearer ${token}`))).status, 401);
      },
    );

    await t.step(
      'a token switched to HS256 with the public key as the secret is a 401',
      async () => {
        const claims = JSON.stringify({
          sub,
          role: 'authenticated',
          aud: 'authenticated',
          exp: 4e9,
        });
        for (const secret of [JSON.stringify(jwk), jwk.x!, JSON.stringify({ keys: [jwk] })]) {
          const header = JSON.stringify({ alg: 'HS256', kid: 'project-key', typ: 'JWT' });
          const token = await signRaw(header, claims, { secret: new TextEncoder().encode(secret) });
          assert.deepEqual((await refusal(authenticate(`Bearer ${token}`))).status, 401, secret);
        }
      },
    );
  });

  await t.step(
    "a SUPABASE_JWKS that is not a key set is the function's error, not a 401",
    async () => {
      await withEnv({ SUPABASE_JWKS: '{"keys": [' }, async () => {
        const token = await sign(project.privateKey, 'project-key');
        const error = await authenticate(`Bearer ${token}`).then(() => undefined, (e) => e);
        assert.ok(error instanceof Error);
        assert.equal(error.name, 'MisconfiguredError', String(error));
        assert.ok(!(error instanceof ApiError), 'reported by onError as a logged 500');
      });
    },
  );

  for (
    const [what, keys] of [
      ['the key without a kid', [{ ...jwk, kid: undefined }]],
      ['the key under another kid', [{ ...jwk, kid: 'other-key' }]],
      ['no key at all', []],
    ] as [string, JWK[]][]
  ) {
    await t.step(
      `against a JWKS holding ${what}, the token's kid matches nothing: 401`,
      async () => {
        await withEnv({ SUPABASE_JWKS: JSON.stringify({ keys }) }, async () => {
          const token = await sign(project.privateKey, 'project-key');
          assert.deepEqual((await refusal(authenticate(`Bearer ${token}`))).status, 401);
        });
      },
    );
  }
});

Deno.test('a token repeating a member of its header or payload is refused, however signed', async (t) => {
  const sub = crypto.randomUUID();
  const project = await generateKeyPair('ES256');
  const jwk = { ...(await exportJWK(project.publicKey)), kid: 'k', alg: 'ES256' };
  const vars = { SUPABASE_JWKS: JSON.stringify({ keys: [jwk] }), SUPABASE_JWT_SECRET: JWT_SECRET };
  const claims = JSON.stringify({ sub, aud: 'authenticated', role: 'authenticated', exp: 4e9 });
  const cases: [string, string, string][] = [
    ['role in the payload', '{"alg":"HS256"}', `{"role":"service_role",${claims.slice(1)}`],
    ['sub in the payload', '{"alg":"HS256"}', `{"sub":"${crypto.randomUUID()}",${claims.slice(1)}`],
    ['alg in the header', '{"alg":"none","alg":"HS256"}', claims],
    [
      'a member nested in the payload',
      '{"alg":"HS256"}',
      claims.replace(/}$/, ',"app_metadata":{"r\\u006fle":"a","role":"b"}}'),
    ],
  ];
  await withEnv(vars, async () => {
    const secret = new TextEncoder().encode(JWT_SECRET);
    const fine = await signRaw('{"alg":"HS256"}', claims, { secret });
    assert.equal((await authenticate(`Bearer ${fine}`)).userId, sub, 'the same token without it');
    for (const [what, header, payload] of cases) {
      await t.step(`${what}, HS256`, async () => {
        const token = await signRaw(header, payload, { secret });
        assert.deepEqual((await refusal(authenticate(`Bearer ${token}`))).status, 401);
      });
    }
    await t.step('role in the payload, ES256', async () => {
      const signingKey = {
        kid: 'k',
        alg: 'ES256' as const,
        privateKey: project.privateKey as CryptoKey,
        publicJwk: jwk,
      };
      const header = '{"alg":"ES256","kid":"k"}';
      const fineEs = await signRaw(header, claims, { signingKey });
      assert.equal((await authenticate(`Bearer ${fineEs}`)).userId, sub);
      const token = await signRaw(header, `{"role":"service_role",${claims.slice(1)}`, {
        signingKey,
      });
      assert.deepEqual((await refusal(authenticate(`Bearer ${token}`))).status, 401);
    });
  });
});

/**
 * The modules function in a process of its own, as the local stack runs it (function-host.ts),
 * given `env`; the other variables of `VARS` are unset ('') whatever this process has.
 */
const configToml = await Deno.readTextFile(`${ROOT}/supabase/config.toml`);

async function withFunction(
  env: Record<string, string>,
  fn: (url: string) => Promise<void>,
): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: 'auth-keys-' });
  const host = new FunctionHost({
    name: 'modules',
    setup: () =>
      functionSetup(ROOT, 'modules', readFunctionsConfig(configToml), {
        fallback: `${ROOT}/deno.json`,
      }),
    logFile: `${dir}/function.log`,
    env: { ...Object.fromEntries(VARS.map((v) => [v, ''])), ...env },
    log: (line) => console.error(line),
  });
  try {
    await fn(`${await host.target()}/modules`);
  } finally {
    await host.stop();
    await Deno.remove(dir, { recursive: true });
  }
}

/** What the stand-in Auth server does with each request: answer as Auth does, or fail so. */
type Behaviour = 'answer' | 503 | 429 | 'not json' | 'hang';

/**
 * A stand-in for the project's API: Auth's `/user` and key set as `behaviour` says, and a REST
 * API whose database is down (503), so that a token that gets past the check is told apart from
 * one that does not by the problem's code.
 */
function standInApi(jwk: JWK) {
  /** Requests left hanging, until released (their callers have given up by then). */
  const held: (() => void)[] = [];
  const release = () => held.splice(0).forEach((resolve) => resolve());
  const api = {
    behaviour: 'answer' as Behaviour,
    url: '',
    release,
    close: () => Promise.resolve(),
  };
  const server = Deno.serve({ hostname: '127.0.0.1', port: 0, onListen() {} }, async (req) => {
    const { pathname } = new URL(req.url);
    if (pathname.startsWith('/rest/v1/')) {
      return Response.json({ message: 'the database is down' }, { status: 503 });
    }
    const { behaviour } = api;
    if (behaviour === 'hang') {
      await new Promise<void>((resolve) => held.push(resolve));
      return new Response(null, { status: 504 });
    }
    if (behaviour === 'not json') return new Response('<h1>maintenance</h1>', { status: 200 });
    if (behaviour !== 'answer') {
      return Response.json({ code: behaviour, msg: 'unavailable' }, { status: behaviour });
    }
    if (pathname === '/auth/v1/.well-known/jwks.json') return Response.json({ keys: [jwk] });
    if (pathname !== '/auth/v1/user') return Response.json({ msg: 'not found' }, { status: 404 });
    return await authUser(req);
  });
  api.url = `http://127.0.0.1:${server.addr.port}`;
  api.close = () => (release(), server.shutdown());
  return api;
}

/** `GET /modules` with `token`: the status and the problem's code (if any) and headers. */
async function call(url: string, token: string) {
  const res = await contractFetch(url, { headers: { authorization: `Bearer ${token}` } });
  const body = await res.json();
  return { status: res.status, code: body.code, body, headers: res.headers };
}

/** Asserts the answer is the function's 503 for an Auth outage. */
function assertAuthUnavailable(answer: Awaited<ReturnType<typeof call>>, what: string): void {
  assert.deepEqual([answer.status, answer.code], [503, 'auth_unavailable'], what);
  assert.equal(answer.headers.get('content-type'), 'application/problem+json', what);
  assert.equal(answer.headers.get('retry-after'), '1', what);
  assert.equal(answer.body.title, 'Auth server unavailable', what);
  assert.match(answer.body.detail, /Auth server is unreachable/, what);
}

/** A fresh HS256 user token (so no cached verification answers for it). */
const hs256 = () => mintUserJwt({ sub: crypto.randomUUID() });

async function es256Signer() {
  const project = await generateKeyPair('ES256');
  const jwk = { ...(await exportJWK(project.publicKey)), kid: 'project-key', alg: 'ES256' };
  const sign = (key: Parameters<SignJWT['sign']>[0] = project.privateKey, kid = 'project-key') =>
    new SignJWT({ role: 'authenticated', aud: 'authenticated' })
      .setProtectedHeader({ alg: 'ES256', kid, typ: 'JWT' })
      .setSubject(crypto.randomUUID())
      .setIssuedAt()
      .setExpirationTime('1h')
      .sign(key);
  return { jwk, sign };
}

Deno.test('an Auth outage is a 503 auth_unavailable from the function, over HTTP', async (t) => {
  const { jwk, sign } = await es256Signer();
  const api = standInApi(jwk);
  // No JWT secret and no SUPABASE_JWKS: HS256 tokens go to Auth's /user, ES256 ones need the key
  // set from Auth's JWKS URL, as on a hosted project on the legacy secret or one without the JWKS.
  const env = { SUPABASE_URL: api.url, SUPABASE_ANON_KEY: ANON_KEY };
  try {
    await withFunction(env, async (url) => {
      for (const behaviour of [503, 429, 'not json'] as const) {
        await t.step(`Auth answering ${behaviour}: HS256 and ES256 tokens get 503`, async () => {
          api.behaviour = behaviour;
          assertAuthUnavailable(await call(url, await hs256()), 'HS256, /auth/v1/user');
          assertAuthUnavailable(await call(url, await sign()), 'ES256, the JWKS URL');
        });
      }

      await t.step('Auth not answering: 503 once the 5 s timeout passes', async () => {
        api.behaviour = 'hang';
        const started = Date.now();
        const [user, keys] = await Promise.all([
          call(url, await hs256()),
          call(url, await sign()),
        ]);
        api.release();
        assertAuthUnavailable(user, 'HS256, /auth/v1/user');
        assertAuthUnavailable(keys, 'ES256, the JWKS URL');
        assert.ok(Date.now() - started < 15_000, `took ${Date.now() - started} ms`);
      });

      await t.step(
        'Auth answering: good tokens pass, and a database outage is not Auth',
        async () => {
          api.behaviour = 'answer';
          for (const token of [await hs256(), await sign()]) {
            const answer = await call(url, token);
            assert.deepEqual([answer.status, answer.code], [503, 'upstream_unavailable']);
          }
        },
      );

      await t.step(
        'Auth answering: tokens it refuses, or signed by another key, are 401',
        async () => {
          const stranger = await generateKeyPair('ES256');
          for (
            const token of [
              await foreignJwt(crypto.randomUUID()),
              await sign(stranger.privateKey),
              await sign(stranger.privateKey, 'stranger-key'),
            ]
          ) {
            const answer = await call(url, token);
            assert.deepEqual([answer.status, answer.code], [401, 'unauthorized']);
          }
        },
      );

      await t.step(
        'Auth gone: HS256 tokens get 503; ES256 ones pass with the keys fetched before',
        async () => {
          await api.close();
          assertAuthUnavailable(await call(url, await hs256()), 'HS256, /auth/v1/user');
          const answer = await call(url, await sign());
          assert.deepEqual([answer.status, answer.code], [503, 'upstream_unavailable']);
        },
      );
    });
  } finally {
    await api.close().catch(() => {});
  }
});

Deno.test('an unreachable Auth server or JWKS URL is a 503 auth_unavailable, over HTTP', async () => {
  const { sign } = await es256Signer();
  const nobody = `http://127.0.0.1:${freePort()}`;
  await withFunction({ SUPABASE_URL: nobody, SUPABASE_ANON_KEY: ANON_KEY }, async (url) => {
    assertAuthUnavailable(await call(url, await hs256()), 'HS256, /auth/v1/user');
    assertAuthUnavailable(await call(url, await sign()), 'ES256, the JWKS URL');
  });
});

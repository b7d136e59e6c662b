/**
 * How the function verifies tokens where the platform does not hand it the JWT secret. Hosted
 * Supabase gives functions `SUPABASE_JWKS` (asymmetric keys) but not the legacy HS256 secret, so
 * there an HS256 token is shown to the project's Auth server. The local stack has no Auth server;
 * a stand-in answers `GET /auth/v1/user` the way Auth does (200 for a token signed by the project,
 * 401 otherwise) so that the function's side of the exchange is tested. The middleware is called
 * in-process because the variables it reads are the ones under test.
 */
import assert from 'node:assert/strict';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import { authenticate } from '../../supabase/functions/_shared/auth.ts';
import { ApiError } from '../../supabase/functions/_shared/problem.ts';
import { ANON_KEY, JWT_SECRET, mintUserJwt, verifyJwt } from '../../scripts/stack/jwt.ts';
import { foreignJwt } from '../_support/jwt.ts';

const VARS = [
  'SUPABASE_URL',
  'SUPABASE_ANON_KEY',
  'SUPABASE_JWT_SECRET',
  'MODULES_JWT_SECRET',
  'SUPABASE_JWKS',
];

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

Deno.test('without the JWT secret, HS256 tokens are checked by the Auth server', async (t) => {
  let calls = 0;
  const auth = Deno.serve({ hostname: '127.0.0.1', port: 0, onListen: () => {} }, async (req) => {
    calls++;
    const url = new URL(req.url);
    if (url.pathname !== '/auth/v1/user' || req.headers.get('apikey') !== ANON_KEY) {
      return Response.json({ msg: 'bad request' }, { status: 400 });
    }
    const token = req.headers.get('authorization')?.replace(/^Bearer /, '') ?? '';
    try {
      const claims = await verifyJwt(token);
      return Response.json({ id: claims.sub, aud: claims.aud, role: claims.role });
    } catch {
      return Response.json({ code: 401, msg: 'invalid JWT' }, { status: 401 });
    }
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
    });

    await t.step('Auth unreachable is a 503, not a 401', async () => {
      await auth.shutdown();
      await withEnv({ SUPABASE_URL: authUrl, SUPABASE_ANON_KEY: ANON_KEY }, async () => {
        const error = await refusal(authenticate(`Bearer ${await mintUserJwt({ sub })}`));
        assert.deepEqual([error.status, error.code], [503, 'upstream_unavailable']);
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
  await withEnv({ SUPABASE_JWKS: JSON.stringify({ keys: [jwk] }) }, async () => {
    await t.step('a token signed with the project key is accepted', async () => {
      const caller = await authenticate(`Bearer ${await sign(project.privateKey, 'project-key')}`);
      assert.deepEqual(caller.userId, sub);
    });

    await t.step('a token signed with another key under the same kid is a 401', async () => {
      const token = await sign(stranger.privateKey, 'project-key');
      const error = await refusal(authenticate(`Bearer ${token}`));
      assert.deepEqual(error.status, 401);
    });
  });
});

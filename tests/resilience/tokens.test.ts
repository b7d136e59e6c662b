/**
 * Tokens the function must refuse with 401, and none of them may reach the database as a user:
 * pg_stat_statements counts every request PostgREST runs (it sets `request.jwt.claims` for each),
 * and that count must not move while the bad tokens are tried.
 */
import assert from 'node:assert/strict';
import { SignJWT } from 'jose';
import postgres from 'postgres';
import { mintUserJwt } from '../../scripts/stack/jwt.ts';
import { stack } from '../_support/env.ts';
import { expiredJwt, foreignJwt, signRaw, unsignedJwt } from '../_support/jwt.ts';
import { createWorld } from '../_support/fixtures.ts';
import { contractFetch } from '../_support/contract.ts';

const secret = new TextEncoder().encode(stack.jwtSecret);

/**
 * A well-signed user token naming its role twice: `service_role` first, as PostgREST reads it,
 * and `authenticated` last, as `JSON.parse` does.
 */
function roleTwice(sub: string): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  const claims = { sub, aud: 'authenticated', role: 'authenticated', iat: now, exp: now + 3600 };
  const payload = `{"role":"service_role",${JSON.stringify(claims).slice(1)}`;
  return signRaw('{"alg":"HS256","typ":"JWT"}', payload, { secret });
}

async function withoutSub(): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  return await new SignJWT({ role: 'authenticated', aud: 'authenticated' })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setIssuedAt(now)
    .setExpirationTime(now + 3600)
    .sign(secret);
}

/** Requests PostgREST has run so far (each sets request.jwt.claims once). */
async function postgrestRequests(sql: postgres.Sql): Promise<number> {
  const [{ calls }] = await sql<{ calls: string }[]>`
    select coalesce(sum(calls), 0)::text as calls from extensions.pg_stat_statements
    where query like '%set_config(%' and query like ${'%request.jwt' + '.claims%'}`;
  return Number(calls);
}

Deno.test('function refuses bad tokens with 401 before anything reaches the database', async (t) => {
  const world = await createWorld();
  const { sql, tenantId } = world;
  const owner = world.users.owner;
  try {
    const sub = owner.id;
    const bad: [string, () => Promise<string>][] = [
      ['expired', () => expiredJwt(sub)],
      [
        'not yet valid',
        () => mintUserJwt({ sub, claims: { nbf: Math.floor(Date.now() / 1000) + 3600 } }),
      ],
      ['signed with another secret', () => foreignJwt(sub)],
      ['unsigned (alg: none)', () => Promise.resolve(unsignedJwt(sub))],
      ['for another audience', () => mintUserJwt({ sub, aud: 'not-this-project' })],
      ['without a sub', withoutSub],
      ['with a sub that is not a UUID', () => mintUserJwt({ sub: 'admin' })],
      ['for the anon role', () => Promise.resolve(stack.anonKey)],
      ['naming its role twice (service_role first)', () => roleTwice(sub)],
    ];
    const paths: [string, string, unknown?][] = [
      ['GET', '/functions/v1/modules'],
      ['GET', `/functions/v1/modules/tenants/${tenantId}`],
      ['POST', `/functions/v1/modules/tenants/${tenantId}`, { module_id: 'agency' }],
    ];

    // Positive control: a good token does reach PostgREST, so the counter can move.
    const before = await postgrestRequests(sql);
    const good = await fetch(`${stack.apiUrl}/functions/v1/modules`, {
      headers: { authorization: `Bearer ${owner.token}` },
    });
    assert.equal(good.status, 200);
    await good.body?.cancel();
    assert.ok(await postgrestRequests(sql) > before, 'a valid request is counted');

    for (const [name, make] of bad) {
      await t.step(`a token ${name} gets 401 and never reaches the database`, async () => {
        const token = await make();
        const start = await postgrestRequests(sql);
        for (const [method, path, body] of paths) {
          const res = await contractFetch(`${stack.apiUrl}${path}`, {
            method,
            headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
            body: body === undefined ? undefined : JSON.stringify(body),
          });
          const text = await res.text();
          assert.equal(res.status, 401, `${method} ${path}: ${text}`);
        }
        assert.equal(await postgrestRequests(sql), start, 'no request reached PostgREST');
      });
    }
    const rows = await sql`select 1 from public.tenant_modules where tenant_id = ${tenantId}`;
    assert.equal(rows.length, 0, 'nothing was installed');
  } finally {
    await world.close();
  }
});

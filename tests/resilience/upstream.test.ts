/**
 * Upstream failures: with PostgREST stopped, or Postgres restarted under the stack, every route
 * of the function answers 503 problem+json within 2 s and writes nothing; once the upstream is
 * back the function recovers without a restart. Runs a stack of its own, since it breaks it.
 */
import assert from 'node:assert/strict';
import { ROOT, type Stack, startStack } from '../../scripts/stack/mod.ts';
import { createWorld, isProblem, tenantState } from '../_support/fixtures.ts';
import { contractFetch } from '../_support/contract.ts';

const DEADLINE_MS = 2_000;

function routes(tenantId: string): [string, string, unknown?][] {
  const base = `/functions/v1/modules`;
  const one = `${base}/tenants/${tenantId}/agency`;
  return [
    ['GET', base],
    ['GET', `${base}/tenants/${tenantId}`],
    ['POST', `${base}/tenants/${tenantId}`, { module_id: 'agency' }],
    ['GET', one],
    ['PATCH', `${one}/settings`, { max_clients: 7 }],
    ['PATCH', one, { enabled: false }],
    ['DELETE', one],
  ];
}

async function call(
  stack: Stack,
  token: string,
  [method, path, body]: [string, string, unknown?],
): Promise<{ status: number; ms: number; body: unknown; type: string }> {
  const started = performance.now();
  const res = await contractFetch(`${stack.apiUrl}${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
    signal: AbortSignal.timeout(10_000),
  });
  const text = await res.text();
  return {
    status: res.status,
    ms: performance.now() - started,
    body: text ? JSON.parse(text) : null,
    type: res.headers.get('content-type') ?? '',
  };
}

async function assertAllUnavailable(stack: Stack, token: string, tenantId: string) {
  for (const route of routes(tenantId)) {
    const res = await call(stack, token, route);
    const what = `${route[0]} ${route[1]}`;
    assert.equal(res.status, 503, `${what} answered ${res.status}: ${JSON.stringify(res.body)}`);
    assert.match(res.type, /^application\/problem\+json/, what);
    assert.ok(isProblem(res.body, 503), `${what}: ${JSON.stringify(res.body)}`);
    assert.ok(res.ms < DEADLINE_MS, `${what} took ${res.ms.toFixed(0)} ms`);
  }
}

async function eventually(what: string, probe: () => Promise<boolean>, ms = 20_000) {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (await probe().catch(() => false)) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  assert.fail(`${what} did not happen within ${ms} ms`);
}

Deno.test({
  name: 'function answers 503 while upstream is down and recovers without a restart',
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async (t) => {
    const dir = `${ROOT}/.stack/resilience-${Deno.pid}`;
    const stack = await startStack({ dir, fast: true });
    const sql = stack.postgres.connect({ max: 2 });
    try {
      // The stack is thrown away afterwards, so the world is never closed.
      const world = await createWorld(sql);
      const { tenantId } = world;
      const { token } = world.users.owner;
      await world.install('agency', {
        settings: { timezone: 'UTC', currency: 'USD', max_clients: 100 },
      });
      const before = await world.state();
      const ok = await call(stack, token, ['GET', `/functions/v1/modules/tenants/${tenantId}`]);
      assert.equal(ok.status, 200, JSON.stringify(ok.body));

      await t.step('with PostgREST stopped, every route answers 503 within 2 s', async () => {
        await stack.postgrest.stop();
        await assertAllUnavailable(stack, token, tenantId);
        assert.equal(await world.state(), before, 'nothing was written');
      });

      await t.step('when PostgREST is back, the function recovers', async () => {
        await stack.postgrest.start();
        const res = await call(stack, token, ['GET', '/functions/v1/modules']);
        assert.equal(res.status, 200, JSON.stringify(res.body));
        const merged = await call(stack, token, [
          'PATCH',
          `/functions/v1/modules/tenants/${tenantId}/agency/settings`,
          { max_clients: 42 },
        ]);
        assert.equal(merged.status, 200, JSON.stringify(merged.body));
      });

      await t.step('with Postgres stopped under the stack, every route answers 503', async () => {
        await sql.end();
        const state = await stateWith(stack, tenantId);
        await stack.postgres.stopServer();
        try {
          await assertAllUnavailable(stack, token, tenantId);
        } finally {
          await stack.postgres.startServer();
        }
        assert.equal(await stateWith(stack, tenantId), state, 'nothing was written');
      });

      await t.step('when Postgres is back, the function recovers', async () => {
        await eventually('GET /modules answering 200', async () => {
          const res = await call(stack, token, ['GET', '/functions/v1/modules']);
          return res.status === 200;
        });
        const res = await call(stack, token, [
          'PATCH',
          `/functions/v1/modules/tenants/${tenantId}/agency`,
          { enabled: false },
        ]);
        assert.equal(res.status, 200, JSON.stringify(res.body));
      });
    } finally {
      await sql.end().catch(() => {});
      await stack.stop();
      await Deno.remove(dir, { recursive: true }).catch(() => {});
    }
  },
});

async function stateWith(stack: Stack, tenantId: string): Promise<string> {
  const sql = stack.postgres.connect({ max: 1 });
  try {
    return await tenantState(sql, tenantId);
  } finally {
    await sql.end();
  }
}

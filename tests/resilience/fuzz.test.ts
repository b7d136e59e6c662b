/**
 * Hostile input, property-based: random paths, headers and bodies sent to the function as a
 * signed-in tenant owner. Whatever arrives: never a 5xx, every refusal a well-formed problem+json,
 * and a refusal never changes the tenant's data.
 */
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { stack } from '../_support/env.ts';
import { createWorld, isProblem } from '../_support/fixtures.ts';
import { contractFetch } from '../_support/contract.ts';

const RUNS = Number(Deno.env.get('FUZZ_RUNS') ?? 2_000);

const hostileKey = fc.constantFrom('__proto__', 'constructor', 'prototype', 'toString', '');
const hostileString = fc.oneof(
  fc.string(),
  fc.string({ unit: 'grapheme', maxLength: 50 }),
  fc.string({ unit: 'binary', maxLength: 50 }),
  fc.constantFrom('\u0000', '\uD800', '💥'.repeat(1000), 'x'.repeat(70_000), '../../etc/passwd'),
);
const hostileNumber = fc.oneof(
  fc.double(),
  fc.integer(),
  fc.constantFrom(1e308, -1e308, 2 ** 53 + 1, -0, 10_001, 0, -1),
);
const hostileJson: fc.Arbitrary<unknown> = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.constant(null),
    fc.boolean(),
    hostileNumber,
    hostileString,
    fc.array(tie('value'), { maxLength: 5 }),
    fc.dictionary(fc.oneof(fc.string(), hostileKey), tie('value'), { maxKeys: 5 }),
  ),
})).value;

/** A body that is valid for some route, so the fuzzer also reaches the write paths. */
const plausibleBody = fc.oneof(
  fc.record({
    module_id: fc.oneof(fc.constantFrom('agency', 'unknown-module', 'AGENCY', ''), hostileString),
    settings: fc.option(hostileJson),
    enabled: fc.option(fc.oneof(fc.boolean(), hostileJson)),
  }, { requiredKeys: ['module_id'] }),
  fc.record({
    timezone: fc.oneof(fc.constantFrom('UTC', 'Europe/Paris', 'Mars/Olympus'), hostileString),
    currency: fc.oneof(fc.constantFrom('EUR', 'usd', 'XXXX'), hostileString),
    max_clients: hostileNumber,
    branding: fc.option(hostileJson),
  }, { requiredKeys: [] }),
  fc.record({ enabled: fc.oneof(fc.boolean(), hostileJson) }),
);

/** Raw texts that JSON.stringify would never produce. */
const rawBody = fc.oneof(
  hostileString,
  fc.constantFrom(
    '{"module_id":"agency","module_id":"other"}',
    '{"timezone":"UTC","timezone":"Mars/Olympus"}',
    '{"__proto__":{"polluted":true}}',
    '{"constructor":{"prototype":{"polluted":true}}}',
    '{"max_clients":1e400}',
    '{"max_clients":-1e400}',
    '{"enabled":tru',
    '['.repeat(10_000),
    '{"a":'.repeat(5_000) + '1' + '}'.repeat(5_000),
    '',
    'null',
    '"string"',
    '\uFEFF{"enabled":true}',
  ),
);

const body = fc.oneof(
  plausibleBody.map((b) => JSON.stringify(b)),
  hostileJson.map((b) => JSON.stringify(b) ?? ''),
  rawBody,
);

const contentType = fc.option(
  fc.constantFrom(
    'application/json',
    'application/json; charset=utf-8',
    'text/plain',
    'application/x-www-form-urlencoded',
    'multipart/form-data; boundary=x',
    'application/merge-patch+json',
    'application/json; charset=utf-16',
    '*/*',
  ),
);

// Dot segments (`.`, `..`, `%2e%2e`) are left out: the URL parser resolves them before the request
// leaves the client, so they would test the gateway's 404 for `/functions/v1/`, not the function.
const dotSegment = /^(\.|%2e){1,2}$/i;

const segment = (tenantId: string) =>
  fc.oneof(
    fc.constantFrom(tenantId, 'agency', 'settings', 'tenants', crypto.randomUUID(), ''),
    fc.constantFrom(
      '%00',
      '.%2e.',
      '%ZZ',
      'ＡＢＣ',
      '💥',
      '00000000-0000-0000-0000-00000000000g',
    ),
    fc.string({ maxLength: 70 }).map(encodeURIComponent).filter((s) => !dotSegment.test(s)),
  );

const path = (tenantId: string) =>
  fc.oneof(
    fc.constantFrom(
      '',
      '/tenants',
      `/tenants/${tenantId}`,
      `/tenants/${tenantId}/agency`,
      `/tenants/${tenantId}/agency/settings`,
    ),
    fc.array(segment(tenantId), { maxLength: 5 }).map((s) => (s.length ? `/${s.join('/')}` : '')),
  );

const extraHeaders = fc.dictionary(
  fc.constantFrom(
    'accept',
    'x-forwarded-for',
    'prefer',
    'range',
    'accept-profile',
    'x-http-method-override',
  ),
  fc.oneof(
    fc.constantFrom('*/*', 'return=minimal', 'tx=rollback', '0-0', 'auth', 'DELETE'),
    fc.string({ maxLength: 30 }).filter((s) => /^[\x20-\x7e]*$/.test(s)),
  ),
  { maxKeys: 3 },
);

Deno.test({
  name:
    `function survives ${RUNS} hostile requests: no 5xx, problem+json refusals, no write on refusal`,
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async () => {
    const world = await createWorld();
    const { token } = world.users.owner;
    const statuses = new Map<number, number>();
    try {
      let state = await world.state();
      await fc.assert(
        fc.asyncProperty(
          fc.constantFrom('GET', 'POST', 'PATCH', 'DELETE', 'PUT', 'OPTIONS', 'HEAD'),
          path(world.tenantId),
          fc.option(body),
          contentType,
          extraHeaders,
          async (method, suffix, payload, type, headers) => {
            const init: RequestInit = {
              method,
              headers: {
                ...headers,
                authorization: `Bearer ${token}`,
                ...(type ? { 'content-type': type } : {}),
              },
            };
            if (payload !== null && method !== 'GET' && method !== 'HEAD') init.body = payload;
            const res = await contractFetch(`${stack.apiUrl}/functions/v1/modules${suffix}`, init);
            const text = await res.text();
            statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
            const what = `${method} ${suffix} ${type} ${String(payload).slice(0, 200)}`;
            assert.ok(res.status < 500, `${what} → ${res.status} ${text.slice(0, 300)}`);
            const after = await world.state();
            if (res.status >= 400) {
              assert.match(
                res.headers.get('content-type') ?? '',
                /^application\/problem\+json/,
                what,
              );
              if (method !== 'HEAD') {
                assert.ok(
                  isProblem(JSON.parse(text), res.status),
                  `${what} → ${text.slice(0, 300)}`,
                );
              }
              assert.equal(after, state, `${what} → ${res.status} changed the data`);
            }
            state = after;
            assert.equal(({} as Record<string, unknown>).polluted, undefined, 'prototype polluted');
          },
        ),
        { numRuns: RUNS, endOnFailure: true },
      );
      console.log(`statuses over ${RUNS} runs:`, Object.fromEntries([...statuses].sort()));
    } finally {
      await world.close();
    }
  },
});

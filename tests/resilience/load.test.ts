/**
 * Load: 200 concurrent clients listing the catalog through the function for 10 s. Every request
 * must succeed; the latency percentiles are printed (this is a check of errors, not a timing
 * assertion: speed is measured by `deno task bench`).
 */
import assert from 'node:assert/strict';
import { percentile } from '../../bench/stats.ts';
import { stack } from '../_support/env.ts';
import { createWorld } from '../_support/fixtures.ts';

const CLIENTS = Number(Deno.env.get('LOAD_CLIENTS') ?? 200);
const SECONDS = Number(Deno.env.get('LOAD_SECONDS') ?? 10);

Deno.test(`function lists modules for ${CLIENTS} concurrent clients for ${SECONDS} s without an error`, async () => {
  const world = await createWorld();
  const { token } = world.users.owner;
  const latencies: number[] = [];
  const errors: string[] = [];
  try {
    const until = Date.now() + SECONDS * 1000;
    await Promise.all(
      Array.from({ length: CLIENTS }, async () => {
        while (Date.now() < until) {
          const started = performance.now();
          try {
            const res = await fetch(`${stack.apiUrl}/functions/v1/modules`, {
              headers: { authorization: `Bearer ${token}` },
            });
            const body = await res.json();
            if (res.status !== 200 || !Array.isArray(body)) {
              errors.push(`${res.status} ${JSON.stringify(body).slice(0, 200)}`);
            }
          } catch (error) {
            errors.push(String(error));
          }
          latencies.push(performance.now() - started);
        }
      }),
    );
  } finally {
    await world.close();
  }
  console.log(
    `load: ${latencies.length} requests by ${CLIENTS} clients in ${SECONDS} s ` +
      `(${(latencies.length / SECONDS).toFixed(0)} req/s), ` +
      `p50 ${percentile(latencies, 50).toFixed(1)} ms, p99 ${
        percentile(latencies, 99).toFixed(1)
      } ms, ` +
      `errors ${errors.length}`,
  );
  assert.deepEqual(errors.slice(0, 5), [], `${errors.length} requests failed`);
  assert.ok(latencies.length >= CLIENTS, 'every client completed at least one request');
});

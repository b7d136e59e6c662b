/**
 * Slow clients against a gateway of this file's own with short client timeouts: headers or a
 * body sent a piece at a time, a connection that sends nothing, one that stops reading its
 * response. Each gets cut (408, or closed) long before it would have finished, while ordinary
 * and slow-upstream requests on the same gateway are unaffected.
 */
import assert from 'node:assert/strict';
import { ANON_KEY } from '../../scripts/stack/jwt.ts';
import { rawRequest, requestHead } from '../_support/raw-http.ts';
import {
  assertGatewayProblem,
  startUpstream,
  type Upstream,
  withGateway,
} from '../_support/upstreams.ts';

const TIMEOUTS = { headersTimeoutMs: 300, requestTimeoutMs: 800, upstreamTimeoutMs: 5_000 };

async function withSlowWorld(
  fn: (rest: Upstream, gateway: { url: string; port: number }) => Promise<void>,
  answer?: (request: Request) => Response | Promise<Response>,
): Promise<void> {
  const rest = startUpstream('rest', answer);
  try {
    await withGateway({ postgrestUrl: () => rest.url, ...TIMEOUTS }, (gw) => fn(rest, gw));
  } finally {
    await rest.close();
  }
}

/** 100 pieces, 100 ms apart: ten seconds if the server let it run. */
const pieces = (piece: string) => Array.from({ length: 100 }, () => piece);

function assertCut(res: { status: number; closed: boolean; headers: Headers; body: string }) {
  assert.equal(res.status, 408, res.body);
  assert.ok(res.closed, 'the gateway kept the connection open');
  assert.equal(res.headers.get('access-control-allow-origin'), '*');
  assertGatewayProblem(res.body, 408, 'request_timeout');
}

Deno.test('gateway cuts a client that sends its headers slowly with 408', async () => {
  await withSlowWorld(async (rest, gateway) => {
    const res = await rawRequest(
      gateway.port,
      ['GET /rest/v1/modules HTTP/1.1\r\nHost: 127.0.0.1\r\n', ...pieces('X-Slow: 1\r\n')],
      { delayMs: 100, deadlineMs: 10_000 },
    );
    assertCut(res);
    assert.deepEqual(rest.seen, []);
  });
});

Deno.test('gateway cuts a connection that never sends a request', async () => {
  await withSlowWorld(async (_rest, gateway) => {
    const res = await rawRequest(gateway.port, pieces(''), { delayMs: 100, deadlineMs: 10_000 });
    assertCut(res);
  });
});

Deno.test('gateway cuts a client that sends its body slowly with 408', async () => {
  // Like PostgREST, the upstream reads the whole body before it answers.
  const readsBody = async (request: Request) =>
    Response.json({ got: (await request.text().catch(() => '')).length });
  await withSlowWorld(async (_rest, gateway) => {
    const head = requestHead('POST', '/rest/v1/rpc/x', [
      `apikey: ${ANON_KEY}`,
      'Content-Type: application/json',
      'Content-Length: 1000',
    ]);
    const res = await rawRequest(gateway.port, [head, ...pieces('          ')], {
      delayMs: 100,
      deadlineMs: 10_000,
    });
    assertCut(res);
  }, readsBody);
});

Deno.test('gateway stops reading a slow body once the upstream has answered', async () => {
  await withSlowWorld(async (rest, gateway) => {
    const head = requestHead('POST', '/rest/v1/rpc/x', [
      `apikey: ${ANON_KEY}`,
      'Content-Length: 1000',
    ]);
    const res = await rawRequest(gateway.port, [head, ...pieces('          ')], {
      delayMs: 100,
      deadlineMs: 10_000,
    });
    assert.equal(res.status, 200, res.body);
    assert.ok(res.closed, 'the gateway kept reading a body nobody waits for');
    assert.deepEqual(rest.seen, ['POST /rpc/x']);
  });
});

Deno.test('gateway refuses headers over 16 KiB with 431', async () => {
  await withSlowWorld(async (rest, gateway) => {
    const res = await rawRequest(gateway.port, [
      requestHead('GET', '/rest/v1/modules', [
        `apikey: ${ANON_KEY}`,
        `X-Big: ${'a'.repeat(32768)}`,
      ]),
    ]);
    assert.equal(res.status, 431, res.body);
    assertGatewayProblem(res.body, 431, 'headers_too_large');
    assert.equal(res.headers.get('access-control-allow-origin'), '*');
    assert.deepEqual(rest.seen, []);
  });
});

Deno.test('gateway client timeouts spare ordinary requests and slow upstreams', async () => {
  let calls = 0;
  const slowOnce = async () => {
    // The second request waits on its upstream longer than the client's request timeout.
    if (calls++ === 1) await new Promise((r) => setTimeout(r, 2 * TIMEOUTS.requestTimeoutMs));
    return Response.json({ ok: true });
  };
  await withSlowWorld(async (_rest, gateway) => {
    for (let i = 0; i < 2; i++) {
      const res = await fetch(`${gateway.url}/rest/v1/modules`, {
        method: 'POST',
        headers: { apikey: ANON_KEY, 'content-type': 'application/json' },
        body: JSON.stringify({ i }),
      });
      assert.equal(res.status, 200);
      assert.deepEqual(await res.json(), { ok: true });
    }
  }, slowOnce);
});

Deno.test('gateway closes a connection that stops reading its response', async () => {
  let cancelled = () => {};
  const released = new Promise<void>((r) => cancelled = r);
  const chunk = new Uint8Array(64 * 1024);
  const endless = startUpstream('endless', () =>
    new Response(
      new ReadableStream<Uint8Array>({
        pull: (controller) => controller.enqueue(chunk),
        cancel: () => cancelled(),
      }),
    ));
  try {
    await withGateway(
      { postgrestUrl: () => endless.url, ...TIMEOUTS, idleTimeoutMs: 500 },
      async ({ port }) => {
        const conn = await Deno.connect({ hostname: '127.0.0.1', port });
        try {
          await conn.write(
            new TextEncoder().encode(requestHead('GET', '/rest/v1/big', [`apikey: ${ANON_KEY}`])),
          );
          let timer: ReturnType<typeof setTimeout> | undefined;
          const outcome = await Promise.race([
            released.then(() => 'released'),
            new Promise((r) => timer = setTimeout(() => r('still streaming'), 10_000)),
          ]);
          clearTimeout(timer);
          assert.equal(outcome, 'released', 'the gateway kept pulling for a client not reading');
        } finally {
          conn.close();
        }
      },
    );
  } finally {
    await endless.close();
  }
});

import assert from 'node:assert/strict';
import { createModulesClient } from '../../../../../packages/client/src/client.ts';
import type { SupabaseFunctionsClient } from '../../../../../packages/client/src/transport.ts';

interface Sent {
  url: string;
  method: string;
  headers: Record<string, string>;
  body: unknown;
}

/** A fetch that records each request and answers `status` with `body` as JSON. */
function recorder(status = 200, body: unknown = {}) {
  const sent: Sent[] = [];
  const fetch = (input: string, init: RequestInit) => {
    sent.push({
      url: input,
      method: init.method ?? 'GET',
      headers: Object.fromEntries(new Headers(init.headers)),
      body: init.body === undefined ? undefined : JSON.parse(String(init.body)),
    });
    const headers = { 'content-type': 'application/json' };
    return Promise.resolve(
      new Response(status === 204 ? null : JSON.stringify(body), {
        status,
        headers,
      }),
    );
  };
  return { sent, fetch };
}

const T = '0b5e3a52-8a43-4a3c-9b7f-1d2c3e4f5a6b';

Deno.test('each method sends its route, query and body', async () => {
  const { sent, fetch } = recorder();
  const client = createModulesClient({
    url: 'https://ref.supabase.co/',
    apiKey: 'anon-jwt',
    accessToken: () => 'user-jwt',
    fetch,
  });
  await client.listCatalog();
  await client.getOpenApiDocument();
  await client.listTenantModules(T);
  await client.installModule(T, 'agency', {
    settings: { currency: 'EUR' },
    withDependencies: true,
  });
  await client.getTenantModule(T, 'agency');
  await client.setModuleEnabled(T, 'agency', false, { cascade: true });
  await client.uninstallModule(T, 'agency', { purge: true });
  await client.previewUninstall(T, 'agency');
  await client.mergeSettings(T, 'agency', {
    branding: null,
    timezone: 'Europe/Paris',
  });
  await client.upgradeModule(T, 'agency');
  await client.upgradeModule(T, 'agency', { version: '2.0.0' });
  await client.listEvents(T, { moduleId: 'agency', before: 42, limit: 10 });
  await client.pollEvents(T, { after: 0 });
  const base = 'https://ref.supabase.co/functions/v1/modules';
  assert.deepEqual(
    sent.map((s) => [s.method, s.url.slice(base.length), s.body]),
    [
      ['GET', '', undefined],
      ['GET', '/openapi.json', undefined],
      ['GET', `/tenants/${T}`, undefined],
      [
        'POST',
        `/tenants/${T}`,
        {
          module_id: 'agency',
          settings: { currency: 'EUR' },
          with_dependencies: true,
        },
      ],
      ['GET', `/tenants/${T}/agency`, undefined],
      ['PATCH', `/tenants/${T}/agency?cascade=true`, { enabled: false }],
      ['DELETE', `/tenants/${T}/agency?purge=true`, undefined],
      ['GET', `/tenants/${T}/agency/uninstall-preview`, undefined],
      ['PATCH', `/tenants/${T}/agency/settings`, {
        branding: null,
        timezone: 'Europe/Paris',
      }],
      ['POST', `/tenants/${T}/agency/upgrade`, {}],
      ['POST', `/tenants/${T}/agency/upgrade`, { version: '2.0.0' }],
      [
        'GET',
        `/tenants/${T}/events?module_id=agency&before=42&limit=10`,
        undefined,
      ],
      ['GET', `/tenants/${T}/events?after=0`, undefined],
    ],
  );
  for (const { headers, body } of sent) {
    assert.equal(headers.apikey, 'anon-jwt');
    assert.equal(headers.authorization, 'Bearer user-jwt');
    assert.equal(
      headers['content-type'],
      body === undefined ? undefined : 'application/json',
    );
  }
});

Deno.test('without a user token, a legacy anon key is the bearer and an sb_ key is not', async () => {
  for (
    const [apiKey, authorization] of [['anon-jwt', 'Bearer anon-jwt'], [
      'sb_publishable_x',
      undefined,
    ]]
  ) {
    const { sent, fetch } = recorder();
    const client = createModulesClient({
      url: 'http://h/functions/v1',
      apiKey: apiKey!,
      fetch,
    });
    await client.getOpenApiDocument();
    assert.equal(sent[0].url, 'http://h/functions/v1/modules/openapi.json');
    assert.equal(sent[0].headers.apikey, apiKey);
    assert.equal(sent[0].headers.authorization, authorization);
  }
});

Deno.test('a token callback that throws is a network_error, not a rejection', async () => {
  const { sent, fetch } = recorder();
  const client = createModulesClient({
    url: 'http://h',
    apiKey: 'k',
    accessToken: () => Promise.reject(new Error('refresh failed')),
    fetch,
  });
  const { error } = await client.listCatalog();
  assert.equal(error?.code, 'network_error');
  assert.match(error?.detail ?? '', /refresh failed/);
  assert.equal(sent.length, 0);
});

Deno.test('a 204 is data null; a problem is the error', async () => {
  const gone = createModulesClient({
    url: 'http://h',
    apiKey: 'k',
    fetch: recorder(204).fetch,
  });
  assert.deepEqual(await gone.uninstallModule(T, 'agency'), {
    data: null,
    error: null,
  });
  const problem = {
    type: 'urn:module-registry:problem:required_by',
    title: 'Required by other modules',
    status: 409,
    detail: '…',
    code: 'required_by',
    dependents: [{ module_id: 'crm', version: '1.0.0', range: '^1.0.0' }],
  };
  const refused = createModulesClient({
    url: 'http://h',
    apiKey: 'k',
    fetch: recorder(409, problem).fetch,
  });
  const { data, error } = await refused.uninstallModule(T, 'agency');
  assert.equal(data, null);
  assert.deepEqual(error, problem);
  if (error?.code === 'required_by') {
    assert.equal(error.dependents?.[0].module_id, 'crm');
  }
});

/** A stand-in for supabase-js's functions client, answering as its `invoke` does. */
function fakeSupabase(
  answer: (
    name: string,
    options: { method: string; body?: unknown },
  ) => Promise<unknown>,
): SupabaseFunctionsClient {
  // deno-lint-ignore no-explicit-any -- the answers mimic FunctionsResponse
  return { functions: { invoke: answer as any } };
}

class FunctionsHttpError extends Error {
  override name = 'FunctionsHttpError';
  constructor(readonly context: Response) {
    super('Edge Function returned a non-2xx status code');
  }
}
class FunctionsFetchError extends Error {
  override name = 'FunctionsFetchError';
  constructor(readonly context: unknown) {
    super('Failed to send a request to the Edge Function');
  }
}

Deno.test('with supabase: invoke gets the path without its slash, the method and the body', async () => {
  const calls: unknown[] = [];
  const supabase = fakeSupabase((name, options) => {
    calls.push([name, options.method, options.body]);
    const response = new Response('{}', { status: 200 });
    return Promise.resolve({ data: { ok: true }, error: null, response });
  });
  const client = createModulesClient({ supabase });
  assert.deepEqual(await client.setModuleEnabled(T, 'agency', true), {
    data: { ok: true },
    error: null,
  });
  await client.pollEvents(T, { after: 7, limit: 1 });
  assert.deepEqual(calls, [
    [`modules/tenants/${T}/agency`, 'PATCH', { enabled: true }],
    [`modules/tenants/${T}/events?after=7&limit=1`, 'GET', undefined],
  ]);
});

Deno.test("with supabase: an HTTP error's problem body is read, a fetch error is network_error", async () => {
  const problem = {
    type: 'urn:module-registry:problem:forbidden',
    title: 'Not allowed',
    status: 403,
    detail: 'no',
    code: 'forbidden',
  };
  const refused = fakeSupabase(() => {
    const response = new Response(JSON.stringify(problem), {
      status: 403,
      headers: { 'content-type': 'application/problem+json' },
    });
    return Promise.resolve({
      data: null,
      error: new FunctionsHttpError(response),
      response,
    });
  });
  assert.deepEqual(
    (await createModulesClient({ supabase: refused }).listCatalog()).error,
    problem,
  );

  const cause = new TypeError('connection refused');
  const offline = fakeSupabase(() =>
    Promise.resolve({
      data: null,
      error: new FunctionsFetchError(cause),
      response: undefined,
    })
  );
  const { error } = await createModulesClient({ supabase: offline })
    .listCatalog();
  assert.equal(error?.code, 'network_error');
  assert.equal(error?.cause, cause);

  const html = fakeSupabase(() =>
    Promise.resolve({
      data: '<html>',
      error: null,
      response: new Response('', { status: 200 }),
    })
  );
  const hijacked = await createModulesClient({ supabase: html }).listCatalog();
  assert.equal(hijacked.error?.code, 'unexpected_response');

  const broken = fakeSupabase(() => Promise.reject(new Error('bug in a custom fetch')));
  assert.equal(
    (await createModulesClient({ supabase: broken }).listCatalog()).error?.code,
    'network_error',
  );
});

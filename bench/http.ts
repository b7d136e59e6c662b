/**
 * Through HTTP, sequential requests from one client, each pair alternating within every round:
 * - a member reading one tenant's modules from `/rest/v1` (RLS) against `service_role` doing the
 *   same (no RLS);
 * - the `modules` function against the bare REST calls it wraps, with the same user's token:
 *   listing (one embedded read), install (one insert), uninstall (one delete) and the settings
 *   merge (one call of the merge RPC).
 */
import { timed } from './stats.ts';

export interface Api {
  apiUrl: string;
  anonKey: string;
  serviceRoleKey: string;
}

/** One side of a pair: its label and latencies (ms). */
export interface Series {
  label: string;
  latency: number[];
}

export interface PairResult {
  name: string;
  /** The thing measured (RLS / the function). */
  subject: Series;
  /** What it is compared with (service_role / the bare REST calls). */
  baseline: Series;
}

/** The columns the function returns for an installed module. */
const ROW = 'tenant_id,module_id,enabled,settings,installed_at,updated_at';

/** Sends a request and reads the whole body; throws unless the status is `expect`. */
export async function call(
  method: string,
  url: string,
  headers: Record<string, string>,
  body: unknown,
  expect: number,
): Promise<unknown> {
  const res = await fetch(url, {
    method,
    headers: body === undefined ? headers : { 'content-type': 'application/json', ...headers },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  if (res.status !== expect) {
    throw new Error(
      `${method} ${url}: expected ${expect}, got ${res.status}: ${text.slice(0, 300)}`,
    );
  }
  return text ? JSON.parse(text) : undefined;
}

/** Runs `subject` and `baseline` `rounds` times each (after a warm-up), alternating the order. */
async function pair(
  name: string,
  subject: [string, () => Promise<void>],
  baseline: [string, () => Promise<void>],
  rounds: number,
): Promise<PairResult> {
  for (let i = 0; i < Math.min(20, rounds); i++) {
    await subject[1]();
    await baseline[1]();
  }
  const a: number[] = [];
  const b: number[] = [];
  for (let i = 0; i < rounds; i++) {
    if (i % 2) {
      a.push((await timed(subject[1]))[0]);
      b.push((await timed(baseline[1]))[0]);
    } else {
      b.push((await timed(baseline[1]))[0]);
      a.push((await timed(subject[1]))[0]);
    }
  }
  return {
    name,
    subject: { label: subject[0], latency: a },
    baseline: { label: baseline[0], latency: b },
  };
}

export interface HttpOptions {
  rounds: number;
  /** A tenant the member belongs to. */
  memberTenant: string;
  memberToken: string;
  /** A tenant whose owner installs, merges and uninstalls. */
  ownerTenant: string;
  ownerToken: string;
  /** Module installed on `ownerTenant` that is uninstalled and reinstalled (no schema). */
  cycleModule: string;
  /** Module installed on `ownerTenant` whose settings are merged (with a settings schema). */
  mergeModule: string;
  log: (line: string) => void;
}

export interface HttpResult {
  pairs: PairResult[];
  /**
   * The function's floor: a request it refuses before any database call (400, the tenant id is
   * not a UUID), i.e. the gateway hop, token verification, client set-up and validation.
   */
  floor: Series;
}

/** Runs every HTTP pair. */
export async function measureHttp(api: Api, o: HttpOptions): Promise<HttpResult> {
  const rest = `${api.apiUrl}/rest/v1`;
  const fn = `${api.apiUrl}/functions/v1/modules`;
  const member = { apikey: api.anonKey, authorization: `Bearer ${o.memberToken}` };
  const service = { apikey: api.serviceRoleKey, authorization: `Bearer ${api.serviceRoleKey}` };
  const owner = { apikey: api.anonKey, authorization: `Bearer ${o.ownerToken}` };
  const representation = { ...owner, prefer: 'return=representation' };
  const results: PairResult[] = [];

  const readUrl = `${rest}/tenant_modules?tenant_id=eq.${o.memberTenant}`;
  const seen = await call('GET', readUrl, member, undefined, 200) as unknown[];
  if (seen.length === 0) throw new Error('the member sees no module of their tenant');
  o.log('  member read vs service_role read (/rest/v1)…');
  results.push(
    await pair(
      "Read one tenant's modules: member (RLS) vs service_role, /rest/v1",
      ['member, RLS', async () => void await call('GET', readUrl, member, undefined, 200)],
      ['service_role', async () => void await call('GET', readUrl, service, undefined, 200)],
      o.rounds,
    ),
  );

  o.log('  function list vs REST…');
  const listRest = `${rest}/tenants?select=id,tenant_modules(${ROW})&id=eq.${o.memberTenant}` +
    '&tenant_modules.order=module_id.asc';
  results.push(
    await pair(
      "List a tenant's modules: function vs bare REST",
      [
        'GET /functions/v1/modules/tenants/{id}',
        async () =>
          void await call('GET', `${fn}/tenants/${o.memberTenant}`, member, undefined, 200),
      ],
      [
        'GET /rest/v1/tenants?select=…',
        async () => void await call('GET', listRest, member, undefined, 200),
      ],
      o.rounds,
    ),
  );

  o.log('  function install/uninstall vs REST insert/delete…');
  const t = o.ownerTenant;
  const m = o.cycleModule;
  const fnInstall = async () =>
    void await call('POST', `${fn}/tenants/${t}`, owner, { module_id: m }, 201);
  const fnUninstall = async () =>
    void await call('DELETE', `${fn}/tenants/${t}/${m}`, owner, undefined, 204);
  const restInstall = async () =>
    void await call(
      'POST',
      `${rest}/tenant_modules?select=${ROW}`,
      { ...representation, accept: 'application/vnd.pgrst.object+json' },
      { tenant_id: t, module_id: m, settings: {}, enabled: true },
      201,
    );
  const restUninstall = async () =>
    void await call(
      'DELETE',
      `${rest}/tenant_modules?tenant_id=eq.${t}&module_id=eq.${m}&select=id`,
      representation,
      undefined,
      200,
    );
  // Each round uninstalls then reinstalls, so the data stays as loaded; the two steps are timed
  // separately.
  const install: [number[], number[]] = [[], []];
  const uninstall: [number[], number[]] = [[], []];
  for (let i = 0; i < Math.min(20, o.rounds); i++) {
    await fnUninstall();
    await fnInstall();
    await restUninstall();
    await restInstall();
  }
  for (let i = 0; i < o.rounds; i++) {
    const sides: [() => Promise<void>, () => Promise<void>, 0 | 1][] = [
      [fnUninstall, fnInstall, 0],
      [restUninstall, restInstall, 1],
    ];
    if (i % 2) sides.reverse();
    for (const [del, ins, k] of sides) {
      uninstall[k].push((await timed(del))[0]);
      install[k].push((await timed(ins))[0]);
    }
  }
  results.push({
    name: 'Install: function vs bare REST',
    subject: { label: 'POST /functions/v1/modules/tenants/{id}', latency: install[0] },
    baseline: { label: 'POST /rest/v1/tenant_modules', latency: install[1] },
  });
  results.push({
    name: 'Uninstall: function vs bare REST',
    subject: { label: 'DELETE /functions/v1/modules/tenants/{id}/{module}', latency: uninstall[0] },
    baseline: { label: 'DELETE /rest/v1/tenant_modules?…', latency: uninstall[1] },
  });

  o.log('  function settings merge vs the merge RPC through REST…');
  let n = 0;
  const mergeUrl = `${fn}/tenants/${t}/${o.mergeModule}/settings`;
  const rpcUrl = `${rest}/rpc/merge_tenant_module_settings?select=${ROW}`;
  const rpcHeaders = { ...owner, accept: 'application/vnd.pgrst.object+json' };
  results.push(
    await pair(
      'Settings merge: function vs the bare merge RPC',
      [
        'PATCH /functions/v1/modules/tenants/{id}/{module}/settings',
        async () => void await call('PATCH', mergeUrl, owner, { bench: { n: ++n } }, 200),
      ],
      [
        'POST /rest/v1/rpc/merge_tenant_module_settings',
        async () =>
          void await call(
            'POST',
            rpcUrl,
            rpcHeaders,
            { tenant_id: t, module_id: o.mergeModule, patch: { bench: { n: ++n } } },
            200,
          ),
      ],
      o.rounds,
    ),
  );
  o.log('  function floor (refused before any database call)…');
  const floorUrl = `${fn}/tenants/not-a-uuid`;
  const floor: number[] = [];
  for (let i = 0; i < Math.min(20, o.rounds); i++) {
    await call('GET', floorUrl, member, undefined, 400);
  }
  for (let i = 0; i < o.rounds; i++) {
    floor.push((await timed(() => call('GET', floorUrl, member, undefined, 400)))[0]);
  }
  return {
    pairs: results,
    floor: { label: 'GET /functions/v1/modules/tenants/not-a-uuid (400)', latency: floor },
  };
}

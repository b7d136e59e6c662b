/**
 * Reads in SQL, set up the way PostgREST sets up each request (the role and the JWT claims as
 * transaction-local settings), timed from the client over one connection:
 * - `ours`: the member lists every installed module they can see, with no filter of their own;
 *   RLS (`users_can_view_tenant_modules`) decides.
 * - `service`: `service_role` (bypasses RLS) runs the same listing with an explicit membership
 *   filter, the fastest correct query without RLS.
 * - `naive`: the member's listing on `bench_naive_tenant_modules`, guarded by the original task's
 *   policy.
 * Variants alternate within each round, so drift hits all of them alike.
 *
 * Two shapes of the same read: `postgrest`, the statement PostgREST sends for
 * `GET /rest/v1/tenant_modules` (the rows aggregated into one JSON body, which it forwards
 * as it is), and `plain`, the bare select whose rows the client (postgres.js) decodes one by one.
 */
import type postgres from 'postgres';
import { MEMBER_ID } from './load.ts';
import { median } from './stats.ts';

export type Variant = 'ours' | 'service' | 'naive';
export type Shape = 'postgrest' | 'plain';
export const VARIANTS: readonly Variant[] = ['ours', 'service', 'naive'];

const COLUMNS = 'id, tenant_id, module_id, enabled, settings, installed_at, updated_at';

const QUERY: Record<Variant, string> = {
  ours: `select ${COLUMNS} from public.tenant_modules`,
  service: `select ${COLUMNS} from public.tenant_modules
    where tenant_id in (select tenant_id from public.tenant_members where user_id = $1)`,
  naive: `select ${COLUMNS} from public.bench_naive_tenant_modules`,
};

function shaped(query: string, shape: Shape): string {
  return shape === 'plain' ? query : `select coalesce(json_agg(_postgrest_t), '[]')::text as body,
    pg_catalog.count(_postgrest_t)::int as page_total from (${query}) as _postgrest_t`;
}

const CONTEXT = `select set_config('role', $1, true), set_config('request.jwt.claims', $2, true),
  set_config('statement_timeout', $3, true)`;

const ROLE: Record<Variant, string> = {
  ours: 'authenticated',
  service: 'service_role',
  naive: 'authenticated',
};

const MEMBER_CLAIMS = JSON.stringify({
  sub: MEMBER_ID,
  role: 'authenticated',
  aud: 'authenticated',
});
const SERVICE_CLAIMS = JSON.stringify({ role: 'service_role' });

export interface ReadResult {
  shape: Shape;
  /** Rows in `tenant_modules` when measured. */
  tableRows: number;
  /** Rows each read returned (must be equal). */
  returned: Record<Variant, number>;
  /** Client-side latency of the read statement, per run (ms). */
  latency: Record<Variant, number[]>;
  /** Server-side `Execution Time` of `explain analyze` (timing off), per run (ms). */
  execution: Record<Variant, number[]>;
  /** `explain (analyze, buffers)` of one run. */
  plans: Record<Variant, string>;
  /** Naive runs cut by the statement timeout. */
  naiveTimeouts: number;
}

export interface ReadOptions {
  /** Rounds of `ours` and `service`. */
  rounds: number;
  /** Time budget for the naive variant's runs (ms); it runs in every round if cheap enough. */
  naiveBudgetMs: number;
  /** Per-statement timeout (ms). */
  timeoutMs: number;
  shape: Shape;
  log: (line: string) => void;
}

function params(variant: Variant): string[] {
  return variant === 'service' ? [MEMBER_ID] : [];
}

async function run(
  sql: postgres.Sql,
  variant: Variant,
  timeoutMs: number,
  shape: Shape,
  statement: (query: string) => string = (q) => q,
): Promise<[number, postgres.RowList<postgres.Row[]>]> {
  return await sql.begin(async (tx) => {
    await tx.unsafe(CONTEXT, [
      ROLE[variant],
      variant === 'service' ? SERVICE_CLAIMS : MEMBER_CLAIMS,
      String(timeoutMs),
    ], { prepare: true });
    const start = performance.now();
    const query = statement(shaped(QUERY[variant], shape));
    const rows = await tx.unsafe(query, params(variant), { prepare: true });
    return [performance.now() - start, rows] as [number, postgres.RowList<postgres.Row[]>];
  }) as [number, postgres.RowList<postgres.Row[]>];
}

/** Rows the read returned, whatever its shape. */
function returnedRows(rows: postgres.RowList<postgres.Row[]>, shape: Shape): number {
  return shape === 'plain' ? rows.length : (rows[0] as { page_total: number }).page_total;
}

function isTimeout(error: unknown): boolean {
  return (error as { code?: string })?.code === '57014';
}

/** Measures the three reads at the current data size. */
export async function measureReads(sql: postgres.Sql, options: ReadOptions): Promise<ReadResult> {
  const [{ n: tableRows }] = await sql<{ n: number }[]>`
    select count(*)::int as n from public.tenant_modules`;
  const { shape, timeoutMs } = options;
  const returned = {} as Record<Variant, number>;
  const latency: Record<Variant, number[]> = { ours: [], service: [], naive: [] };
  const execution: Record<Variant, number[]> = { ours: [], service: [], naive: [] };
  const plans = {} as Record<Variant, string>;
  let naiveTimeouts = 0;

  // Warm-up, and the row counts every variant must agree on.
  for (let i = 0; i < 10; i++) {
    for (const v of VARIANTS) {
      if (v === 'naive' && i >= 2) continue;
      const [, rows] = await run(sql, v, timeoutMs, shape);
      returned[v] = returnedRows(rows, shape);
    }
  }
  if (new Set(Object.values(returned)).size !== 1 || returned.ours === 0) {
    throw new Error(`the reads disagree on what the member sees: ${JSON.stringify(returned)}`);
  }

  const [naiveProbe] = await run(sql, 'naive', timeoutMs, shape);
  const naiveRuns = Math.max(
    5,
    Math.min(options.rounds, Math.floor(options.naiveBudgetMs / naiveProbe)),
  );
  const naiveEvery = options.rounds / naiveRuns;
  options.log(
    `  ${shape} shape: ${options.rounds} rounds of ours/service, ${naiveRuns} of naive (~${
      Math.round(naiveProbe)
    } ms each)`,
  );

  let nextNaive = 0;
  for (let round = 0; round < options.rounds; round++) {
    const order: Variant[] = round % 2 ? ['service', 'ours'] : ['ours', 'service'];
    if (round >= nextNaive) {
      order.splice(round % 3, 0, 'naive');
      nextNaive += naiveEvery;
    }
    for (const v of order) {
      try {
        const [ms] = await run(sql, v, timeoutMs, shape);
        latency[v].push(ms);
      } catch (error) {
        if (v === 'naive' && isTimeout(error)) naiveTimeouts++;
        else throw error;
      }
    }
  }

  // Server-side execution time, which leaves out the protocol and the client.
  const explainRuns: Record<Variant, number> = {
    ours: 30,
    service: 30,
    naive: Math.max(3, Math.min(30, Math.floor(naiveRuns / 3))),
  };
  for (const v of VARIANTS) {
    for (let i = 0; i < explainRuns[v]; i++) {
      try {
        const [, rows] = await run(
          sql,
          v,
          timeoutMs,
          shape,
          (q) => `explain (analyze, timing off, summary on, format json) ${q}`,
        );
        const plan = (rows[0] as Record<string, unknown>)['QUERY PLAN'] as Record<string, number>[];
        execution[v].push(plan[0]['Execution Time']);
      } catch (error) {
        if (!(v === 'naive' && isTimeout(error))) throw error;
      }
    }
    const [, rows] = await run(
      sql,
      v,
      timeoutMs,
      shape,
      (q) => `explain (analyze, buffers, costs off) ${q}`,
    );
    plans[v] = rows.map((r) => (r as Record<string, string>)['QUERY PLAN']).join('\n');
  }

  options.log(
    `  median: ours ${median(latency.ours).toFixed(3)} ms, service ${
      median(latency.service).toFixed(3)
    } ms, naive ${median(latency.naive).toFixed(3)} ms`,
  );
  return { shape, tableRows, returned, latency, execution, plans, naiveTimeouts };
}

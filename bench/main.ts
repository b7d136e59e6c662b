/**
 * `deno task bench`: loads a production-sized registry into a fresh local stack and measures RLS
 * read overhead, the original task's policy, growth with data size, the function's overhead
 * over HTTP and throughput under concurrency; then issue 9 against its parent commit (reads in
 * two databases of the same cluster, and a bulk upgrade). Prints the summary tables and writes
 * `bench/results.md` and `bench/latency-vs-size.svg`; the summary tables are also refreshed
 * between `<!-- bench:results:start -->` and `<!-- bench:results:end -->`, and between
 * `<!-- bench:versions:start -->` and `<!-- bench:versions:end -->`, in README.md.
 *
 * `--quick`: 10× less data, fewer rounds and shorter throughput runs, written to
 * `.stack/bench-quick/` instead; for checking the benchmark itself.
 * `--only versions`: issue 9's part alone, on a bare cluster (no PostgREST, no functions); it
 * refreshes only its own section of `bench/results.md` and its table in README.md.
 * `--only events`: the same for issue 10's part (`bench/events.ts`, between
 * `<!-- bench:events:start -->` and `<!-- bench:events:end -->`), which a full run measures last.
 */
import { mintUserJwt } from '../scripts/stack/jwt.ts';
import { ROOT, type Stack, startStack } from '../scripts/stack/mod.ts';
import { LocalPostgres } from '../scripts/stack/postgres.ts';
import { freePort, onLifelineLost, run, Watchdog } from '../scripts/stack/process.ts';
import { measureHttp } from './http.ts';
import { cpuName } from './machine.ts';
import { loadTenants, MEMBER_ID, ownerId, prepare, tableSizes, tenantId } from './load.ts';
import {
  type BenchResults,
  chart,
  type LoadPhase,
  type Machine,
  markdownReport,
  markdownTable,
  summarize,
  textTable,
} from './report.ts';
import { measureReads, type ReadResult, type Shape } from './sql.ts';
import {
  combine,
  probe,
  runThroughput,
  type Target,
  type ThroughputResult,
  type Writer,
  WRITER_LABEL,
} from './throughput.ts';
import { measureVersions, type VersionsOptions, type VersionsResult } from './versions.ts';
import { VERSIONS_MARKERS, versionsMarkdown, versionsRows } from './versions-report.ts';
import { eventsOptions, type EventsResult, measureEvents } from './events.ts';
import { EVENTS_MARKERS, eventsRows, eventsSection, writeEventsSection } from './events-report.ts';

const quick = Deno.args.includes('--quick');
/** `--only versions` (or `--only=versions`): one part of the bench alone. */
const only = (() => {
  const i = Deno.args.findIndex((a) => a === '--only' || a.startsWith('--only='));
  if (i < 0) return undefined;
  const part = Deno.args[i].includes('=') ? Deno.args[i].split('=')[1] : Deno.args[i + 1];
  if (part !== 'versions' && part !== 'events') {
    console.error(
      `--only: unknown part ${JSON.stringify(part ?? '')} (the parts: versions, events)`,
    );
    Deno.exit(2);
  }
  return part;
})();
const COMMAND = ['deno task bench', quick ? '--quick' : '', only ? `--only ${only}` : '']
  .filter(Boolean).join(' ');
const CONFIG = quick
  ? {
    small: 1_000,
    large: 10_000,
    sqlRounds: 60,
    httpRounds: 40,
    clients: 50,
    seconds: 4,
    rounds: 2,
    versions: {
      tenants: 10_000,
      rounds: 10,
      runs: { perCall: 8, perStatement: 10, listing: 20, listingDb: 8, listingDbParentColumns: 8 },
    },
  }
  : {
    small: 1_000,
    large: 100_000,
    sqlRounds: 300,
    httpRounds: 200,
    clients: 50,
    seconds: 10,
    rounds: 5,
    versions: {
      tenants: 100_000,
      rounds: 25,
      runs: { perCall: 8, perStatement: 10, listing: 20, listingDb: 8, listingDbParentColumns: 8 },
    },
  };
/** Tenants used by the HTTP and throughput parts (none of them the member's). */
const OWNER_TENANT = 3_001;
const DISTINCT_TENANTS = 2_001;
const HOT_TENANT = 4_001;
const MARKERS = ['<!-- bench:results:start -->', '<!-- bench:results:end -->'];
const VERSIONS: Omit<VersionsOptions, 'log'> = CONFIG.versions;
const EVENTS = eventsOptions(quick);

const began = performance.now();
const loadBefore = Deno.loadavg()[0];
function log(line: string): void {
  const t = ((performance.now() - began) / 1000).toFixed(1).padStart(6);
  console.log(`[${t}s] ${line}`);
}

async function machine(stack: Stack): Promise<Machine> {
  const sql = stack.postgres.connect({ max: 1 });
  try {
    const [{ server_version }] = await sql<{ server_version: string }[]>`show server_version`;
    const postgrest = stack.postgrest.binary.version;
    return {
      cpu: await cpuName(),
      cores: navigator.hardwareConcurrency,
      memoryGiB: Math.round(Deno.systemMemoryInfo().total / 2 ** 30),
      os: `${Deno.build.os} ${Deno.osRelease()}`,
      postgres: server_version.split(' ')[0],
      postgrest,
      deno: Deno.version.deno,
      loadBefore,
    };
  } finally {
    await sql.end();
  }
}

/** `text` with `content` between the markers; undefined when it lacks them. */
function between(text: string, markers: string[], content: string): string | undefined {
  const a = text.indexOf(markers[0]);
  const b = text.indexOf(markers[1]);
  if (a < 0 || b < a) return undefined;
  return `${text.slice(0, a + markers[0].length)}\n\n${content}\n\n${text.slice(b)}`;
}

/** Replaces the summary between the markers in the files that carry them. */
async function refreshDocs(markers: string[], table: string): Promise<string[]> {
  const updated: string[] = [];
  for (const file of ['README.md']) {
    const path = `${ROOT}/${file}`;
    const text = await Deno.readTextFile(path).catch(() => undefined);
    if (!text) continue;
    const next = between(text, markers, table);
    if (next !== undefined && next !== text) {
      await Deno.writeTextFile(path, next);
      // Aligned the way `deno fmt` aligns Markdown tables, so `deno task fmt:check` stays clean.
      await run([Deno.execPath(), 'fmt', '--quiet', '--config', `${ROOT}/deno.json`, path]);
      updated.push(file);
    }
  }
  return updated;
}

async function bench(stack: Stack): Promise<BenchResults> {
  const startedAt = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
  const sql = stack.postgres.connect({ max: 1 });
  const reader = stack.postgres.connect({ max: 1 });
  try {
    await prepare(sql);
    const load: LoadPhase[] = [];
    const reads: Record<Shape, ReadResult[]> = { postgrest: [], plain: [] };
    const measure = async () => {
      for (const shape of ['postgrest', 'plain'] as Shape[]) {
        reads[shape].push(
          await measureReads(reader, {
            rounds: CONFIG.sqlRounds,
            naiveBudgetMs: quick ? 2_000 : 12_000,
            timeoutMs: 60_000,
            shape,
            log,
          }),
        );
      }
    };

    log(`loading ${CONFIG.small.toLocaleString('en-US')} tenants…`);
    let loaded = await loadTenants(sql, 1, CONFIG.small, log);
    load.push({ label: 'small', tenants: CONFIG.small, ...loaded });
    log(`reads at ${loaded.rows.toLocaleString('en-US')} rows…`);
    await measure();

    log(`growing to ${CONFIG.large.toLocaleString('en-US')} tenants…`);
    loaded = await loadTenants(sql, CONFIG.small + 1, CONFIG.large, log);
    load.push({ label: 'growth', tenants: CONFIG.large - CONFIG.small, ...loaded });
    const sizes = await tableSizes(sql);
    log(`reads at ${sizes.tenant_modules.toLocaleString('en-US')} rows…`);
    await measure();

    log('HTTP…');
    const api = {
      apiUrl: stack.apiUrl,
      anonKey: stack.anonKey,
      serviceRoleKey: stack.serviceRoleKey,
    };
    const http = await measureHttp(api, {
      rounds: CONFIG.httpRounds,
      memberTenant: tenantId(20),
      memberToken: await mintUserJwt({ sub: MEMBER_ID, expiresIn: 7200 }),
      ownerTenant: tenantId(OWNER_TENANT),
      ownerToken: await mintUserJwt({ sub: ownerId(OWNER_TENANT), expiresIn: 7200 }),
      cycleModule: 'reports',
      mergeModule: 'crm',
      log,
    });

    const throughput: ThroughputResult[] = [];
    const options = {
      apiUrl: stack.apiUrl,
      anonKey: stack.anonKey,
      moduleId: 'crm',
      clients: CONFIG.clients,
      seconds: CONFIG.seconds,
      cpuGroups: {
        postgres: { pid: stack.postgres.pid! },
        postgrest: { pid: stack.postgrest.pid! },
        'function host': { pid: stack.pids()[2] },
        'baseline host': { pid: stack.pids()[3] },
        'gateway + clients': { pid: Deno.pid, alone: true },
      },
    };
    const target = async (i: number): Promise<Target> => ({
      tenantId: tenantId(i),
      token: await mintUserJwt({ sub: ownerId(i), expiresIn: 7200 }),
    });
    const distinct = await Promise.all(
      Array.from({ length: CONFIG.clients }, (_, c) => target(DISTINCT_TENANTS + c)),
    );
    const hot = [await target(HOT_TENANT)];
    // Writers compared with each other take turns, in short rounds in alternating order, so that a
    // change in the machine's speed during the run (a shared VM's) falls on all of them alike.
    const comparisons: [Target[], Writer[]][] = [
      [distinct, ['function', 'baseline']],
      [hot, ['function', 'rest', 'baseline']],
    ];
    for (const [targets, writers] of comparisons) {
      const scenario = targets.length === 1 ? 'one hot row' : 'distinct rows';
      log(
        `throughput, ${scenario}: ${writers.map((w) => WRITER_LABEL[w]).join(', ')}; ` +
          `${CONFIG.clients} clients, ${CONFIG.rounds} rounds of ${
            CONFIG.seconds / CONFIG.rounds
          } s each…`,
      );
      const rounds = new Map<Writer, ThroughputResult[]>(writers.map((w) => [w, []]));
      for (let round = 0; round < CONFIG.rounds; round++) {
        for (const writer of round % 2 ? [...writers].reverse() : writers) {
          // Every round starts from the same settings.
          await sql`update public.tenant_modules set settings = '{}'
            where module_id = 'crm' and tenant_id = any(${targets.map((t) => t.tenantId)})`;
          await probe(options, writer, targets[0]);
          const seconds = CONFIG.seconds / CONFIG.rounds;
          rounds.get(writer)!.push(
            await runThroughput(sql, targets, { ...options, seconds }, writer),
          );
        }
      }
      for (const writer of writers) {
        const t = combine(rounds.get(writer)!);
        log(
          `  ${WRITER_LABEL[writer]}: ${Math.round(t.perSecond)} writes/s, p50 ${
            t.p50.toFixed(1)
          } ms, p99 ${t.p99.toFixed(1)} ms, lost ${t.lostUpdates ?? 'n/a'}, refused ${
            JSON.stringify(t.refused)
          }; CPU (% of one core): ${JSON.stringify(t.cpu)}`,
        );
        throughput.push(t);
      }
    }

    const versions = await measureVersions(stack.postgres.url, COMMAND, { ...VERSIONS, log });

    return {
      startedAt,
      seconds: 0,
      command: COMMAND,
      machine: await machine(stack),
      load,
      sizes,
      reads: {
        postgrest: reads.postgrest as [ReadResult, ReadResult],
        plain: reads.plain as [ReadResult, ReadResult],
      },
      http: http.pairs,
      floor: http.floor,
      throughput,
      versions,
      settings: {
        sqlRounds: CONFIG.sqlRounds,
        httpRounds: CONFIG.httpRounds,
        clients: CONFIG.clients,
        seconds: CONFIG.seconds,
        rounds: CONFIG.rounds,
      },
    };
  } finally {
    await Promise.all([sql.end(), reader.end()]);
  }
}

/** Writes issue 9's section of `<out>/results.md` (its markers added when missing). */
async function writeVersionsSection(out: string, v: VersionsResult): Promise<string> {
  const section = versionsMarkdown(v, versionsRows(v));
  const path = `${out}/results.md`;
  const text = await Deno.readTextFile(path).catch(() => '');
  const marked = `${VERSIONS_MARKERS[0]}\n\n${section}\n\n${VERSIONS_MARKERS[1]}`;
  const reproduce = text.indexOf('\n## Reproduce');
  const next = between(text, VERSIONS_MARKERS, section) ??
    (reproduce >= 0
      ? `${text.slice(0, reproduce + 1)}${marked}\n\n${text.slice(reproduce + 1)}`
      : `${text.trimEnd() || '# Benchmark results'}\n\n${marked}\n`);
  await Deno.writeTextFile(path, next);
  return path;
}

/** A running stack or bare cluster, stopped on the way out or when interrupted. */
interface Running {
  stop(): Promise<void>;
}

/** `--only versions`: a bare cluster (bootstrapped, no migrations) is all that part needs. */
async function startCluster(dir: string): Promise<LocalPostgres & Running> {
  const watchdog = new Watchdog();
  try {
    const pg = await LocalPostgres.start({
      dir: `${dir}/postgres`,
      port: freePort(),
      fast: true,
      watchdog,
      log,
    });
    const stopCluster = pg.stop.bind(pg);
    return Object.assign(pg, {
      stop: async () => {
        await stopCluster({ remove: true });
        await watchdog.close();
      },
    });
  } catch (error) {
    await watchdog.close();
    throw error;
  }
}

async function main(): Promise<number> {
  const dir = `${ROOT}/.stack/bench-${Deno.pid}`;
  const state: { running?: Running; interrupted: boolean } = { interrupted: false };
  const stop = async () => {
    await state.running?.stop();
    await Deno.remove(dir, { recursive: true }).catch(() => {});
  };
  const shutdown = async () => {
    if (state.interrupted) return;
    state.interrupted = true;
    if (!state.running) {
      console.log('\nInterrupted: stopping once the stack has started…');
      return;
    }
    console.log('\nInterrupted: stopping the stack…');
    await stop();
    Deno.exit(130);
  };
  Deno.addSignalListener('SIGINT', shutdown);
  Deno.addSignalListener('SIGTERM', shutdown);
  onLifelineLost(shutdown);
  // Once interrupted, the clients still talking to the stopping stack fail; let them, and stop.
  const swallow = (event: Event) => {
    if (state.interrupted) event.preventDefault();
  };
  globalThis.addEventListener('error', swallow);
  globalThis.addEventListener('unhandledrejection', swallow);
  // --quick writes under .stack/ (ignored by git), leaving the committed results alone.
  const out = quick ? `${ROOT}/.stack/bench-quick` : `${ROOT}/bench`;
  await Deno.mkdir(out, { recursive: true });

  if (only === 'events') {
    log(`starting a fresh cluster in ${dir.replace(`${ROOT}/`, '')}…`);
    const cluster = state.running = await startCluster(dir);
    if (state.interrupted) {
      await stop();
      return 130;
    }
    let events: EventsResult;
    try {
      events = await measureEvents(cluster.url, COMMAND, { ...EVENTS, log });
    } finally {
      log('stopping the cluster…');
      await stop();
    }
    const rows = eventsRows(events);
    console.log(`\n${textTable(rows)}\n`);
    const path = await writeEventsSection(out, eventsSection(events, rows));
    const docs = quick ? [] : await refreshDocs(EVENTS_MARKERS, markdownTable(rows));
    log(
      `wrote ${path.replace(`${ROOT}/`, '')}${docs.length ? `; refreshed ${docs.join(', ')}` : ''}`,
    );
    log(`done in ${Math.round((performance.now() - began) / 1000)} s`);
    return 0;
  }

  if (only === 'versions') {
    log(`starting a fresh cluster in ${dir.replace(`${ROOT}/`, '')}…`);
    const cluster = state.running = await startCluster(dir);
    if (state.interrupted) {
      await stop();
      return 130;
    }
    let versions: VersionsResult;
    try {
      versions = await measureVersions(cluster.url, COMMAND, { ...VERSIONS, log });
    } finally {
      log('stopping the cluster…');
      await stop();
    }
    const rows = versionsRows(versions);
    console.log(`\n${textTable(rows)}\n`);
    const path = await writeVersionsSection(out, versions);
    const docs = quick ? [] : await refreshDocs(VERSIONS_MARKERS, markdownTable(rows));
    log(
      `wrote its section of ${path.replace(`${ROOT}/`, '')}${
        docs.length ? `; refreshed its table in ${docs.join(', ')}` : ''
      }`,
    );
    log(`done in ${Math.round((performance.now() - began) / 1000)} s`);
    return 0;
  }

  log(`starting a fresh stack in ${dir.replace(`${ROOT}/`, '')}…`);
  const stack = state.running = await startStack({
    dir,
    fast: true,
    log,
    functions: { 'modules-optimistic': `${ROOT}/bench/baseline/index.ts` },
  });
  if (state.interrupted) {
    await stop();
    return 130;
  }
  let results: BenchResults;
  let events: EventsResult;
  try {
    results = await bench(stack);
    events = await measureEvents(stack.postgres.url, COMMAND, { ...EVENTS, log });
  } finally {
    log('stopping the stack…');
    await stop();
  }
  results.seconds = (performance.now() - began) / 1000;

  const rows = summarize(results);
  const versionRows = versionsRows(results.versions);
  const eventRows = eventsRows(events);
  console.log(`\n${textTable(rows)}\n\n${textTable(versionRows)}\n\n${textTable(eventRows)}\n`);
  const section = versionsMarkdown(results.versions, versionRows);
  await Deno.writeTextFile(
    `${out}/results.md`,
    markdownReport(results, rows, [
      `${VERSIONS_MARKERS[0]}\n\n${section}\n\n${VERSIONS_MARKERS[1]}`,
      eventsSection(events, eventRows),
    ]),
  );
  await Deno.writeTextFile(`${out}/latency-vs-size.svg`, chart(results.reads));
  const docs = quick ? [] : [
    ...await refreshDocs(MARKERS, markdownTable(rows)),
    ...await refreshDocs(VERSIONS_MARKERS, markdownTable(versionRows)),
    ...await refreshDocs(EVENTS_MARKERS, markdownTable(eventRows)),
  ];
  log(
    `wrote ${out.replace(`${ROOT}/`, '')}/results.md and latency-vs-size.svg${
      docs.length ? `; refreshed the tables in ${[...new Set(docs)].join(', ')}` : ''
    }`,
  );
  log(`done in ${Math.round(results.seconds)} s`);
  return 0;
}

Deno.exit(await main());

/**
 * `deno task modules:upgrade <module> [--to <version>] [--db-url <url>] [--batch <n>] [--json]`:
 * upgrades every tenant that has the module installed and runs an older version to `--to` (default:
 * the catalog's current version), then reports what happened to each.
 *
 * The work is the database's: `private.upgrade_tenant_modules(module, version, after, limit)` takes
 * the next batch of installed rows by tenant id, and upgrades each tenant in a subtransaction of its
 * own (settings migrations, the target schema and its defaults, the tenant's dependencies), so a
 * tenant whose settings or dependencies do not allow it is reported as blocked and the others go
 * on. Each batch is one statement, so one transaction: a run stopped at any moment leaves every
 * tenant either upgraded or as it was, and running the same command again goes on (upgraded tenants
 * are then "already current").
 */
import { parseArgs } from 'node:util';
import postgres from 'postgres';
import {
  CommandError,
  connectDb,
  connectionProblem,
  defaultDbUrl,
  describeReason,
  runCommand,
} from './db.ts';

const HELP = `Usage: deno task modules:upgrade <module> [options]

Upgrades every tenant that has <module> installed at an older version, in batches (each batch one
transaction, each tenant its own subtransaction: safe to stop and run again).

Options:
  --to <version>   the version to upgrade to (default: the catalog's current version)
  --db-url <url>   the database (default: $SUPABASE_DB_URL, else the local stack's); it must be a
                   role that may run private.upgrade_tenant_modules, e.g. postgres
  --batch <n>      tenants per batch (default 500)
  --json           print the whole report as JSON on stdout (every tenant, its outcome and errors)
  -h, --help       this help

Progress goes to stderr. Ctrl-C stops after the batch in progress; a second Ctrl-C stops at once
(that batch is then either committed whole or not at all).

Exit codes: 0 every tenant upgraded or already current; 2 some tenants blocked (listed, with the
database's reasons); 1 an error (unknown module or version, unreachable database, bad option);
130 stopped before the end (run the same command again to go on).`;

/** What happened to one tenant, as `private.upgrade_tenant_modules` says. */
export interface TenantOutcome {
  tenant_id: string;
  from_version: string;
  outcome: 'upgraded' | 'current' | 'blocked';
  /** Why it is blocked: the database's message. */
  message: string | null;
  /** Why it is blocked: the database's reasons, e.g. `[{path, message}]`. */
  errors: unknown[] | null;
}

/** Counts so far. */
export interface UpgradeProgress {
  /** Installed rows looked at. */
  done: number;
  /** Installed rows when the run started. */
  total: number;
  upgraded: number;
  current: number;
  blocked: number;
}

/** The whole run. */
export interface UpgradeReport extends UpgradeProgress {
  module_id: string;
  version: string;
  /** True when the run stopped before the last batch. */
  interrupted: boolean;
  seconds: number;
  tenants: TenantOutcome[];
}

/**
 * The version to upgrade to: `to`, or the catalog's current version. An unknown module or version
 * is a {@link CommandError} naming what exists.
 */
export async function resolveTarget(
  sql: postgres.Sql,
  moduleId: string,
  to?: string,
): Promise<string> {
  const [module] = await sql<{ version: string; versions: string[] }[]>`
    select m.version, array(
      select v.version from public.module_versions as v
      where v.module_id = m.id order by v.published_at, v.version
    ) as versions
    from public.modules as m where m.id = ${moduleId}`;
  if (!module) {
    const known = await sql<{ id: string }[]>`select id from public.modules order by id limit 21`;
    const list = known.slice(0, 20).map((m) => m.id).join(', ') + (known.length > 20 ? ', …' : '');
    throw new CommandError(
      `unknown module "${moduleId}": public.modules has no such id (${list || 'it is empty'})`,
    );
  }
  if (to === undefined) return module.version;
  if (!module.versions.includes(to)) {
    throw new CommandError(
      `module "${moduleId}" has no version ${to} (published: ${module.versions.join(', ')})`,
    );
  }
  return to;
}

/**
 * Upgrades the tenants that have `moduleId` installed to `version`, `batch` tenants per
 * transaction, calling `onBatch` after each; stops early (between batches) when `stop()` says so.
 */
export async function upgradeTenants(
  sql: postgres.Sql,
  moduleId: string,
  version: string,
  options: {
    batch?: number;
    onBatch?: (progress: UpgradeProgress) => void;
    stop?: () => boolean;
  } = {},
): Promise<UpgradeReport> {
  const batch = options.batch ?? 500;
  const started = performance.now();
  const [{ total }] = await sql<{ total: number }[]>`
    select count(*)::int as total from public.tenant_modules where module_id = ${moduleId}`;
  const report: UpgradeReport = {
    module_id: moduleId,
    version,
    total,
    done: 0,
    upgraded: 0,
    current: 0,
    blocked: 0,
    interrupted: false,
    seconds: 0,
    tenants: [],
  };
  let after: string | null = null;
  for (;;) {
    const rows: TenantOutcome[] = await sql<TenantOutcome[]>`
      select tenant_id, from_version, outcome, message, errors
      from private.upgrade_tenant_modules(${moduleId}, ${version}, ${after}::uuid, ${batch}::int)`;
    for (const row of rows) {
      report.tenants.push(row);
      report[row.outcome] += 1;
    }
    report.done += rows.length;
    report.total = Math.max(report.total, report.done);
    options.onBatch?.(report);
    if (rows.length < batch) break;
    after = rows[rows.length - 1].tenant_id;
    if (options.stop?.()) {
      report.interrupted = true;
      break;
    }
  }
  report.seconds = Math.round(performance.now() - started) / 1000;
  return report;
}

/** Draws the progress on stderr: in place on a terminal, else a plain line every few seconds. */
export function progressPrinter(
  label: string,
  options: { tty?: boolean; everyMs?: number; write?: (text: string) => void } = {},
): { update(p: UpgradeProgress): void; end(): void } {
  const tty = options.tty ?? Deno.stderr.isTerminal();
  const everyMs = options.everyMs ?? 2000;
  const encoder = new TextEncoder();
  const write = options.write ?? ((text: string) => Deno.stderr.writeSync(encoder.encode(text)));
  const started = performance.now();
  let last = -Infinity;
  let drawn = false;
  const columns = () => {
    try {
      return Deno.consoleSize().columns || 80;
    } catch {
      return 80;
    }
  };
  return {
    update(p) {
      const now = performance.now();
      const share = p.total ? p.done / p.total : 1;
      const percent = `${Math.floor(share * 100)}%`;
      if (tty) {
        const width = 24;
        const full = Math.round(share * width);
        const bar = '█'.repeat(full) + '░'.repeat(width - full);
        const rate = p.done / Math.max((now - started) / 1000, 0.001);
        const line = `${label} ${bar} ${p.done}/${p.total} ${percent} · ${p.upgraded} upgraded · ` +
          `${p.current} current · ${p.blocked} blocked · ${Math.round(rate)}/s`;
        write(`\r\x1b[2K${[...line].slice(0, columns() - 1).join('')}`);
        drawn = true;
      } else if (now - last >= everyMs || p.done >= p.total) {
        write(
          `${label}: ${p.done}/${p.total} tenants (${percent}), ${p.upgraded} upgraded, ` +
            `${p.current} already current, ${p.blocked} blocked\n`,
        );
        last = now;
      }
    },
    end() {
      if (tty && drawn) write('\n');
    },
  };
}

/** How many blocked tenants the report lists before "and N more". */
const LISTED = 20;

/** A blocked tenant in one line: its id, its version, the database's message and reasons. */
function blockedLine(t: TenantOutcome): string {
  const extra = (t.errors ?? [])
    .filter((e) => (e as { path?: string }).path !== undefined)
    .map(describeReason)
    .filter((line) => !t.message?.includes(line.replace(/^[^:]*: /, '')));
  return `  ${t.tenant_id}  ${t.from_version}  ${t.message}${
    extra.length ? ` (${extra.join('; ')})` : ''
  }`;
}

/** The report a person reads. */
export function reportLines(r: UpgradeReport): string[] {
  const rate = r.seconds > 0 ? `, ${Math.round(r.done / r.seconds)} tenants/s` : '';
  const lines = [
    `${r.module_id} → ${r.version}: ${r.done} of ${r.total} tenant(s) in ${
      r.seconds.toFixed(r.seconds < 10 ? 2 : 0)
    } s${rate}`,
    `  upgraded         ${r.upgraded}`,
    `  already current  ${r.current}`,
    `  blocked          ${r.blocked}`,
  ];
  const blocked = r.tenants.filter((t) => t.outcome === 'blocked');
  if (blocked.length) {
    lines.push('blocked (tenant, installed version, why):');
    lines.push(...blocked.slice(0, LISTED).map(blockedLine));
    if (blocked.length > LISTED) {
      lines.push(`  … and ${blocked.length - LISTED} more blocked (--json lists every one)`);
    }
    lines.push(
      'Fix their settings or dependencies (or the migration), then run the same command again.',
    );
  }
  if (r.interrupted) {
    lines.push(
      `stopped after ${r.done} of ${r.total} tenant(s): run the same command again to go on.`,
    );
  }
  return lines;
}

async function main(): Promise<number> {
  const { values, positionals } = parseArgs({
    args: Deno.args,
    allowPositionals: true,
    options: {
      to: { type: 'string' },
      'db-url': { type: 'string' },
      batch: { type: 'string', default: '500' },
      json: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    console.log(HELP);
    return 0;
  }
  if (positionals.length !== 1) {
    throw new CommandError(
      `name one module to upgrade, e.g. \`deno task modules:upgrade crm\` (--help for more)`,
    );
  }
  const batch = Number(values.batch);
  if (!Number.isInteger(batch) || batch < 1 || batch > 100_000) {
    throw new CommandError(`--batch must be a whole number from 1 to 100000, not ${values.batch}`);
  }
  const moduleId = positionals[0];
  const url = values['db-url'] ?? defaultDbUrl();
  const sql = connectDb(url, 'modules:upgrade');
  let stopping = false;
  const onSignal = () => {
    if (stopping) Deno.exit(130);
    stopping = true;
    console.error('\nstopping after the batch in progress (Ctrl-C again to stop now)…');
  };
  const signals: Deno.Signal[] = ['SIGINT', 'SIGTERM'];
  for (const s of signals) Deno.addSignalListener(s, onSignal);
  try {
    const version = await resolveTarget(sql, moduleId, values.to);
    const progress = progressPrinter(`${moduleId} → ${version}`);
    const report = await upgradeTenants(sql, moduleId, version, {
      batch,
      onBatch: (p) => progress.update(p),
      stop: () => stopping,
    });
    progress.end();
    if (values.json) console.log(JSON.stringify(report, null, 2));
    else if (report.total === 0) console.log(`no tenant has ${moduleId} installed`);
    else console.log(reportLines(report).join('\n'));
    return report.interrupted ? 130 : report.blocked > 0 ? 2 : 0;
  } catch (error) {
    if ((error as postgres.PostgresError).code === '42501') {
      throw new CommandError(
        `${(error as Error).message}: bulk upgrades are for operators; pass --db-url with the ` +
          'database owner (postgres) connection string',
      );
    }
    throw connectionProblem(error, url) ?? error;
  } finally {
    for (const s of signals) Deno.removeSignalListener(s, onSignal);
    await sql.end();
  }
}

if (import.meta.main) await runCommand(main);

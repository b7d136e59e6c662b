/**
 * What the parts comparing this checkout's schema with an earlier commit's share (issue 9's
 * `versions.ts`, issue 10's `events.ts`): the two databases in one cluster, the arms taken in every
 * order, and a ratio judged within rounds.
 */
import postgres from 'postgres';
import { migrate } from '../scripts/stack/database.ts';
import { bootstrap, databaseUrl } from '../scripts/stack/postgres.ts';
import { ROOT } from '../scripts/stack/project.ts';
import { median, percentile } from './stats.ts';

/**
 * Creates `parent` and `current` in the cluster at `clusterUrl` (dropping leftovers), then applies
 * the migrations up to `until` to the first and all of them to the second.
 */
export async function buildAgainstParent(
  clusterUrl: string,
  databases: { parent: string; current: string },
  until: string,
  log: (line: string) => void,
): Promise<void> {
  const admin = postgres(databaseUrl(clusterUrl, 'template1'), { max: 1, onnotice: () => {} });
  try {
    for (const name of [databases.parent, databases.current]) {
      await admin.unsafe(`drop database if exists ${name} with (force)`);
      await admin.unsafe(`create database ${name}`);
    }
  } finally {
    await admin.end();
  }
  log(`  migrations: ${databases.parent} up to ${until}, ${databases.current} all…`);
  const parent = databaseUrl(clusterUrl, databases.parent);
  const current = databaseUrl(clusterUrl, databases.current);
  // The bootstrap also sets up roles, which belong to the cluster: one database at a time.
  await bootstrap(parent);
  await bootstrap(current);
  await Promise.all([migrate(parent, ROOT, { until }), migrate(current, ROOT)]);
}

/** Every order of three arms: run `k` takes the `k % 6`-th, so a drift falls on all of them. */
export function everyOrder<T>(arms: readonly [T, T, T]): T[][] {
  return arms.flatMap((a) =>
    arms.filter((b) => b !== a).map((b) => [a, b, arms.find((c) => c !== a && c !== b)!])
  );
}

/** An arm against the parent. */
export interface Ratio {
  /** Median over the rounds of arm / parent within the round. */
  ratio: number;
  /** Quartiles of the rounds' ratios. */
  q1: number;
  q3: number;
}

/** The median and quartiles of per-round ratios (arm / parent within each round). */
export function withinRounds(rounds: number[]): Ratio {
  return { ratio: median(rounds), q1: percentile(rounds, 25), q3: percentile(rounds, 75) };
}

/**
 * Agreement tests: a database implementation checked against a reference library on cases that
 * fast-check generates, in batches (one query a batch). Deterministic: the seed is fixed and
 * printed; AGREEMENT_SEED=<n> tries another, AGREEMENT_RUNS=<n> asks for more cases.
 */
import fc from 'fast-check';

/** The seed of every agreement test (AGREEMENT_SEED). */
export const SEED = Number(Deno.env.get('AGREEMENT_SEED') ?? 20261125);
/** At least 1,000 cases per run; AGREEMENT_RUNS asks for more. */
export const RUNS = Math.max(1000, Number(Deno.env.get('AGREEMENT_RUNS') ?? 1000));

/**
 * Checks `runs` generated values in batches of `batch`; `check` answers, per value of a batch,
 * undefined (agreed) or why not. On any disagreement fast-check replays the run one value at a
 * time from the same seed and shrinks the first one that disagrees; its report is the test's
 * failure. Returns the values checked.
 */
export async function agree<T>(
  name: string,
  arb: fc.Arbitrary<T>,
  check: (batch: T[]) => Promise<(string | undefined)[]>,
  { runs = RUNS, batch: size = 100 }: { runs?: number; batch?: number } = {},
): Promise<T[]> {
  console.log(`${name}: seed ${SEED} (AGREEMENT_SEED), ${runs} cases (AGREEMENT_RUNS)`);
  const values = fc.sample(arb, { seed: SEED, numRuns: runs });
  const agreed = new Set<string>();
  const failures: string[] = [];
  for (let i = 0; i < values.length; i += size) {
    const batch = values.slice(i, i + size);
    const verdicts = await check(batch);
    verdicts.forEach((why, j) => {
      if (why === undefined) agreed.add(fc.stringify(batch[j]));
      else failures.push(`case ${i + j}: ${why}`);
    });
  }
  if (failures.length === 0) return values;
  console.log(
    `${failures.length} of ${values.length} disagree; the first ones:\n` +
      failures.slice(0, 3).join('\n\n'),
  );
  await fc.assert(
    fc.asyncProperty(arb, async (value) => {
      if (agreed.has(fc.stringify(value))) return;
      const [why] = await check([value]);
      if (why !== undefined) throw new Error(why);
    }),
    { seed: SEED, numRuns: runs },
  );
  throw new Error(
    `${failures.length} disagreements, but fast-check's replay found none:\n` +
      failures.slice(0, 3).join('\n\n'),
  );
}

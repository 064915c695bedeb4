/**
 * Fuzz figures for `npm run bench`: the suite's generated requests
 * (test/integration/fuzz-arbitraries.ts: same families, seeds, runs and groups as
 * test/integration/fuzz.test.ts), sent to the real handler modules with their
 * middleware stack and checked by the suite's harness (test/integration/fuzz-harness.ts):
 * how many requests were tried, how many answered 5xx, how many 4xx broke the error
 * contract, and how many rejected batches stored something anyway. Unlike the suite,
 * it does not stop at the first problem: it counts them all.
 *
 * The handler environment must be in place first (`startLocal` sets it).
 */
import fc from 'fast-check';
import { describeRequest, FAMILIES, familyRuns, FUZZ_RUNS, type FuzzContext, GROUP } from '../../test/integration/fuzz-arbitraries.js';
import { createFuzzer, type FuzzStats } from '../../test/integration/fuzz-harness.js';

/** Options of {@link runFuzz}. */
export interface FuzzOptions {
  /** Added to every family's seed (0: the suite's requests exactly). @default 0 */
  readonly seed?: number;
  /** Runs in all, split between the families like the suite's; a run sends one to four requests. @default FUZZ_RUNS (the suite's) */
  readonly runs?: number;
  /** At most this many problems are kept as examples. @default 10 */
  readonly examples?: number;
}

/** What {@link runFuzz} measured. */
export interface FuzzFigures extends Omit<FuzzStats, 'msByOp'> {
  /** Generated requests per family. */
  readonly byFamily: Record<string, number>;
  /** A few of the problems seen, each with the request that caused it. */
  readonly examples: string[];
  /** Wall time of the run (families run concurrently, as in the suite). */
  readonly seconds: number;
}

/** Sends the seeded requests of `runs` runs, every family at once, and returns the counts. */
export async function runFuzz(opts: FuzzOptions = {}): Promise<FuzzFigures> {
  const ctx: FuzzContext = { now: Date.now(), maxRetentionDays: Number(process.env.MAX_RETENTION_DAYS) };
  if (!ctx.maxRetentionDays) throw new Error('MAX_RETENTION_DAYS missing: start the local stack (startLocal) before runFuzz');
  const examples: string[] = [];
  const t0 = performance.now();
  const results = await Promise.all(FAMILIES.map(async (family) => {
    const { seed, numRuns } = familyRuns(family, opts.runs ?? FUZZ_RUNS);
    const fuzzer = createFuzzer();
    if (family.seedEvents) await fuzzer.seed(family.seedEvents, ctx);
    for (const group of fc.sample(fc.array(family.requests(ctx), GROUP), { seed: seed + (opts.seed ?? 0), numRuns })) {
      const outcomes = await Promise.all(group.map((r) => fuzzer.send(r)));
      outcomes.forEach((o, i) => {
        if (o.problems.length && examples.length < (opts.examples ?? 10)) examples.push(`${describeRequest(group[i]!)}\n      ${o.problems.join('\n      ')}`);
      });
    }
    return [family.name, fuzzer.stats] as const;
  }));
  const sum = (f: (s: FuzzStats) => number) => results.reduce((n, [, s]) => n + f(s), 0);
  const byStatus: Record<number, number> = {};
  for (const [, s] of results) for (const [status, n] of Object.entries(s.byStatus)) byStatus[Number(status)] = (byStatus[Number(status)] ?? 0) + n;
  return {
    requests: sum((s) => s.requests),
    byStatus,
    fiveXX: sum((s) => s.fiveXX),
    badErrorShape: sum((s) => s.badErrorShape),
    partialBatches: sum((s) => s.partialBatches),
    unexpected: sum((s) => s.unexpected),
    roundTrip: sum((s) => s.roundTrip),
    followed: sum((s) => s.followed),
    byFamily: Object.fromEntries(results.map(([name, s]) => [name, s.requests])),
    examples,
    seconds: (performance.now() - t0) / 1000,
  };
}

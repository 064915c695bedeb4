/**
 * Property-based fuzzing of the HTTP API (issue 7): seeded fast-check properties that
 * send generated requests, valid and hostile, to the real handler modules with their
 * whole middleware stack, against DynamoDB Local and the local Step Functions of the
 * global setup. Over 10,000 requests per run, split between the request families of
 * fuzz-arbitraries.ts (ingest, listings, settings, tokens, exports, reads by id).
 *
 * Every answer must satisfy, whatever the input (fuzz-harness.ts checks them):
 * 1. no status ≥ 500;
 * 2. a 4xx is exactly the contract's error object, a 400 lists details whose paths
 *    name what the request holds (`events[3].actor.id`, `limit`, `(body)` only for a
 *    body that is not an object), and a request broken on purpose gets the status and
 *    the field paths the contract implies, a valid one a 2xx;
 * 3. a rejected ingest body stores nothing (its client ids stay absent from the table),
 *    and an accepted event reads back with its metadata and changes as sent.
 *
 * Each run sends groups of one to four requests at once, like concurrent clients, and
 * the families run concurrently, each in tenants of its own. A counterexample prints as
 * one line per request; shrunk ones go to fuzz-regressions.test.ts as plain tests.
 */
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { describeRequest, FAMILIES, familyRuns, type FuzzContext, GROUP } from './fuzz-arbitraries.js';
import { createFuzzer, type FuzzStats } from './fuzz-harness.js';

const maxRetentionDays = Number(process.env.MAX_RETENTION_DAYS);
if (!maxRetentionDays || !process.env.EVENTS_TABLE) throw new Error("the global setup's handler environment is missing in this worker (MAX_RETENTION_DAYS, EVENTS_TABLE)");

const ctx: FuzzContext = { now: Date.now(), maxRetentionDays };

const stats: FuzzStats[] = [];
let failed = false;

describe.concurrent('fuzz: any request, valid or hostile, gets a contract answer and never a 5xx', () => {
  for (const family of FAMILIES) {
    const { seed, numRuns } = familyRuns(family);
    it(`${family.name} (seed ${seed}, ${numRuns} runs)`, async () => {
      const fuzzer = createFuzzer();
      stats.push(fuzzer.stats);
      if (family.seedEvents) await fuzzer.seed(family.seedEvents, ctx);
      try {
        await fc.assert(
          fc.asyncProperty(fc.array(family.requests(ctx), GROUP), async (requests) => {
            const outcomes = await Promise.all(requests.map((r) => fuzzer.send(r)));
            const problems = outcomes.flatMap((o, j) => o.problems.map((p) => `${describeRequest(requests[j]!)}\n    → ${p}`));
            if (problems.length) throw new Error(problems.join('\n'));
          }),
          // Shrinking replays requests against the stack: bounded, so a failure reports within minutes, not at the test timeout.
          { seed, numRuns, endOnFailure: process.env.FUZZ_NO_SHRINK === '1', interruptAfterTimeLimit: 240_000, markInterruptAsFailure: true },
        );
      } catch (error) {
        failed = true;
        throw error;
      }
    }, 600_000);
  }
});

afterAll(() => {
  // The figure the issue asks of every `npm test` (meaningless when a property stopped at a counterexample).
  if (!failed) expect(stats.reduce((n, s) => n + s.requests, 0)).toBeGreaterThanOrEqual(10_000);
});

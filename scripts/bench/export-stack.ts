/**
 * The local stack of the export benchmark, in a process of its own, so the
 * memory of the process that runs the export handlers (and writes the CSV) can
 * be read from /proc without the loader's and the clients' memory in it.
 *
 * Run by scripts/bench/export.ts as `node --expose-gc --import tsx
 * scripts/bench/export-stack.ts <tenant>...`: starts the whole local stack
 * (`startLocal`), issues an admin token for every tenant given (audited, as the
 * admin CLI does), collects the start-up garbage when `gc` is exposed (the
 * CDK synth itself runs in a process of its own, see local/template.ts), and
 * prints one JSON line `{"benchStack": {...}}` with the endpoints, the tokens
 * and the export settings the handlers run with. Then answers
 * commands on stdin (`gc`, `memory`: see below). Stops on SIGTERM, SIGINT, or
 * when its stdin closes (the benchmark went away).
 */
import { createInterface } from 'node:readline';
import { issueToken } from '../../lambdas/tokens/issue-token.js';
import { localTableAdapters } from '../../local/adapters.js';
import { startLocal } from '../../local/runner.js';

/** What the stack process prints once it is up (one line of JSON, key `benchStack`). */
export interface BenchStackInfo {
  readonly endpoints: import('../../local/runner.js').LocalEndpoints;
  /** Admin token (and its id, the actor of the export requests it makes) per tenant given on the command line. */
  readonly tokens: Readonly<Record<string, { readonly token: string; readonly id: string }>>;
  /** Handler environment the export tasks read (part size, rows per chunk), unset when the defaults apply. */
  readonly exportEnv: Readonly<Record<string, string | undefined>>;
  /** Actor id (type `system`) of the `audit_token.created` event each token left in its tenant's log. */
  readonly tokenActor: string;
  /** Whether start-up garbage was collected before the line was printed. */
  readonly gcAfterStart: boolean;
}

/** The answer to a command on stdin. */
export interface BenchReply {
  /** A full garbage collection ran (the process runs with `--expose-gc`). */
  readonly collected: boolean;
  /** `process.memoryUsage()` afterwards, bytes. */
  readonly memory: NodeJS.MemoryUsage;
}

/** The system actor of the tokens' `audit_token.created` events (each tenant's log holds one). */
const BENCH_SYSTEM_ACTOR = 'bench';

async function main(): Promise<void> {
  const tenants = process.argv.slice(2);
  if (!tenants.length) throw new Error('usage: export-stack.ts <tenant>...');
  const stack = await startLocal({ quiet: true, writeEndpoints: false });
  let stopping: Promise<void> | undefined;
  const stop = () => {
    stopping ??= stack.stop().then(() => process.exit(0), (err: unknown) => {
      console.error(err);
      process.exit(1);
    });
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
  const gc = (globalThis as { gc?: () => void }).gc;
  // Commands on stdin, one a line: `gc` (full collection, then memory) or `memory`; answered with one
  // `{"benchReply": {...}}` line. The benchmark closing stdin stops the stack.
  createInterface({ input: process.stdin })
    .on('line', (command) => {
      if (command === 'gc') gc?.();
      const reply: BenchReply = { collected: command === 'gc' && gc !== undefined, memory: process.memoryUsage() };
      process.stdout.write(`${JSON.stringify({ benchReply: reply })}\n`);
    })
    .on('close', stop);

  const stores = localTableAdapters(stack.endpoints);
  const tokens: Record<string, { token: string; id: string }> = {};
  for (const tenant of tenants) {
    const { token, id } = await issueToken(stores, tenant, { name: 'bench admin', scopes: ['admin'] }, { system: BENCH_SYSTEM_ACTOR });
    tokens[tenant] = { token, id };
  }
  stores.ddb.destroy();
  gc?.();
  const info: BenchStackInfo = {
    endpoints: stack.endpoints,
    tokens,
    tokenActor: BENCH_SYSTEM_ACTOR,
    exportEnv: { EXPORT_PART_BYTES: process.env.EXPORT_PART_BYTES, EXPORT_CHUNK_MAX_ROWS: process.env.EXPORT_CHUNK_MAX_ROWS },
    gcAfterStart: gc !== undefined,
  };
  process.stdout.write(`${JSON.stringify({ benchStack: info })}\n`);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});

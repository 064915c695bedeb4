/**
 * Runs the whole audit log on this machine: DynamoDB Local, the tables of the
 * synthesized stack, and the HTTP API serving the very same handler modules.
 * Used by `npm start` (bin/local.ts) and by the test suite's global setup.
 */
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startDynamoDbLocal, type LocalDynamoDb } from './dynamodb.js';
import { applyEnvironment, localEnvironment } from './env.js';
import { apiSettingsFromTemplate, startHttpApi, type LocalHttpApi } from './http-api.js';
import { createTables, type LocalTables } from './tables.js';
import { synthTemplate } from './template.js';

// This machine runs Node 20, Lambda runs Node 22: the SDK's notice about its 2027 releases is noise locally.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

/** The project root (where `lambdas/` and `.local/` live). */
export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/** Where `npm start` writes its endpoints (the contract's Local mode). */
export const ENDPOINTS_FILE = join(ROOT, '.local', 'endpoints.json');

/** The tenant whose admin token the runner creates. */
export const DEMO_TENANT = 'demo';

/** What the local stack exposes; written to `.local/endpoints.json`. */
export interface LocalEndpoints {
  /** `http://127.0.0.1:<port>` */
  readonly api: string;
  /** An admin token of tenant `demo`. */
  readonly adminToken: string;
  readonly tenant: string;
  /** DynamoDB Local, `http://127.0.0.1:<port>` */
  readonly dynamodb: string;
  readonly region: string;
  readonly tables: LocalTables;
  /** The OpenAPI document (public route). */
  readonly openapi: string;
  /** The stack parameters the local handlers run with (defaults unless overridden). */
  readonly parameters: { readonly RetentionDays: string; readonly MaxRetentionDays: string; readonly ShardCount: string };
}

/** Options of {@link startLocal}. */
export interface StartLocalOptions {
  /** HTTP port. @default PORT from the environment, else a free port */
  readonly port?: number;
  /** No per-request log lines and no startup notes; handler logs only at ERROR. @default false */
  readonly quiet?: boolean;
  /** Load demo events after startup: `true` for 3,000, or a count. @default false */
  readonly seed?: boolean | number;
  /** Overrides the template's authorizer result cache TTL (seconds). */
  readonly authCacheTtlSeconds?: number;
  /** Extra or overriding handler environment, e.g. `{ RETENTION_DAYS: '7', TOKEN_CACHE_SECONDS: '1' }`. */
  readonly env?: Record<string, string>;
  /** Write `.local/endpoints.json`. @default true */
  readonly writeEndpoints?: boolean;
}

/** A running local stack. */
export interface LocalStack {
  readonly endpoints: LocalEndpoints;
  /** Stops the HTTP server and DynamoDB Local. Safe to call twice. */
  stop(): Promise<void>;
}

/**
 * Starts everything and returns the endpoints. Steps: DynamoDB Local (in parallel
 * with the CDK synth), tables from the template, handler environment into
 * `process.env` (before any handler module loads), the HTTP API, an admin token
 * for tenant `demo`, then optionally demo data.
 */
export async function startLocal(opts: StartLocalOptions = {}): Promise<LocalStack> {
  const note = (msg: string) => { if (!opts.quiet) console.log(msg); };
  const writeEndpoints = opts.writeEndpoints ?? true;
  let ddb: LocalDynamoDb | undefined;
  let api: LocalHttpApi | undefined;
  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    await api?.stop();
    await ddb?.stop();
    if (writeEndpoints && api && readEndpoints()?.api === api.url) rmSync(ENDPOINTS_FILE, { force: true });
  };
  if (writeEndpoints) await warnIfAnotherStackRuns();

  try {
    const t0 = Date.now();
    const ddbStarting = startDynamoDbLocal();
    ddbStarting.catch(() => undefined); // surfaced by the await below
    const template = await synthTemplate();
    const tSynth = Date.now();
    ddb = await ddbStarting;
    const tDdb = Date.now();
    const tables = await createTables(template, ddb.endpoint);

    const env = localEnvironment(template, ddb.endpoint, {
      POWERTOOLS_METRICS_DISABLED: 'true', // no EMF blobs on stdout; CloudWatch is not here
      ...(opts.quiet ? { POWERTOOLS_LOG_LEVEL: 'ERROR' } : {}),
      ...opts.env,
    });
    applyEnvironment(env.env);
    if (env.unresolved.length) console.warn(`local: no local value for ${env.unresolved.join(', ')}; handlers reading them will fail`);

    const settings = apiSettingsFromTemplate(template);
    for (const w of settings.warnings) console.warn(`local: ${w}`);
    const envPort = process.env.PORT ? Number(process.env.PORT) : undefined;
    api = await startHttpApi({
      root: ROOT,
      settings,
      port: opts.port ?? envPort ?? 0,
      quiet: opts.quiet,
      authCacheTtlSeconds: opts.authCacheTtlSeconds,
    });

    const [{ issueToken }] = await Promise.all([
      import('../lambdas/tokens/issue-token.js'),
      api.preload(),
    ]);
    const admin = await issueToken(DEMO_TENANT, { name: 'local admin (npm start)', scopes: ['admin'] }, { system: 'npm-start' });
    const secs = (from: number, to = Date.now()) => `${((to - from) / 1000).toFixed(1)} s`;
    note(`local: synth ${secs(t0, tSynth)}, DynamoDB Local up after ${secs(t0, tDdb)}, tables + API + handlers + token ${secs(tDdb)}`);

    const endpoints: LocalEndpoints = {
      api: api.url,
      adminToken: admin.token,
      tenant: DEMO_TENANT,
      dynamodb: ddb.endpoint,
      region: env.env.AWS_REGION,
      tables,
      openapi: `${api.url}/v1/openapi.json`,
      parameters: { RetentionDays: env.env.RETENTION_DAYS!, MaxRetentionDays: env.env.MAX_RETENTION_DAYS!, ShardCount: env.env.SHARD_COUNT! },
    };
    if (writeEndpoints) {
      mkdirSync(dirname(ENDPOINTS_FILE), { recursive: true });
      writeFileSync(ENDPOINTS_FILE, `${JSON.stringify(endpoints, null, 2)}\n`, { mode: 0o600 });
    }
    if (opts.seed) {
      const { seed } = await import('./seed.js');
      const count = opts.seed === true ? undefined : opts.seed;
      const started = Date.now();
      const n = await seed(endpoints.api, endpoints.adminToken, count);
      note(`local: seeded ${n} demo events in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    }
    return { endpoints, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}

function readEndpoints(): LocalEndpoints | undefined {
  try {
    return JSON.parse(readFileSync(ENDPOINTS_FILE, 'utf8')) as LocalEndpoints;
  } catch {
    return undefined;
  }
}

/** Two `npm start`s in one checkout would fight over `.local/endpoints.json`: say so. */
async function warnIfAnotherStackRuns(): Promise<void> {
  const other = readEndpoints();
  if (!other?.openapi) return;
  const alive = await fetch(other.openapi, { signal: AbortSignal.timeout(500) }).then(() => true, () => false);
  if (alive) console.warn(`local: another local stack is running at ${other.api}; ${ENDPOINTS_FILE} will now point to this one`);
}

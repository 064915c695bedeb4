/**
 * Runs the whole audit log on this machine: DynamoDB Local, the tables of the
 * synthesized stack, the HTTP API serving the very same handler modules, and for
 * exports S3 (s3rver), SES (aws-ses-v2-local) and Step Functions (the synthesized
 * state machine run by aws-local-stepfunctions over the real task handlers), plus a
 * fault-injection control server for failure-path tests.
 * Used by `npm start` (bin/local.ts) and by the test suite's global setup.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { createServer } from 'node:net';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startDynamoDbLocal, type LocalDynamoDb } from './dynamodb.js';
import { startDynamoDbProxy, type DynamoDbProxy } from './dynamodb-proxy.js';
import { startStreamTriggers, startWebSocketPeer, type StreamTriggers } from './live-stream.js';
import type { LocalWebSocketApi } from './websocket-api.js';
import { applyEnvironment, localEnvironment } from './env.js';
import { Faults, startFaultServer, type FaultServer } from './faults.js';
import { openPersistDir, type PersistDir } from './persist.js';
import { apiSettingsFromTemplate, startHttpApi, type LocalHttpApi } from './http-api.js';
import { S3RVER_KEY, localBuckets, startS3, type LocalS3 } from './s3.js';
import { startSes, type LocalSes } from './ses.js';
import type { LocalStepFunctions } from './stepfunctions.js';
import { createTables, tableDifferences, type LocalTables } from './tables.js';
import { synthTemplate } from './template.js';

// This machine runs Node 20, Lambda runs Node 22: the SDK's notice about its 2027 releases is noise locally.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

/** The project root (where `lambdas/` and `.local/` live). */
export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/** Where `npm start` writes its endpoints (the contract's Local mode). */
export const ENDPOINTS_FILE = join(ROOT, '.local', 'endpoints.json');

/** The tenant whose admin token the runner creates. */
export const DEMO_TENANT = 'demo';

/** The sender of export mails locally (the SES emulator accepts any). */
export const LOCAL_SENDER_EMAIL = 'exports@audit-log.local';

/** What the local stack exposes; written to `.local/endpoints.json`. */
export interface LocalEndpoints {
  /** `http://127.0.0.1:<port>` */
  readonly api: string;
  /** The live stream's WebSocket API (`ws://127.0.0.1:<port>/live`); connect with the URL `POST /v1/stream-tickets` returns. */
  readonly websocket: string;
  /** An admin token of tenant `demo`. */
  readonly adminToken: string;
  readonly tenant: string;
  /**
   * DynamoDB Local itself, `http://127.0.0.1:<port>`. The handlers reach it through a fault
   * proxy on another port (local/dynamodb-proxy.ts), which only `dynamodb-throttle` rules change.
   */
  readonly dynamodb: string;
  readonly region: string;
  readonly tables: LocalTables;
  /** The OpenAPI document (public route). */
  readonly openapi: string;
  /** The stack parameters the local handlers run with (defaults unless overridden). */
  readonly parameters: { readonly RetentionDays: string; readonly MaxRetentionDays: string; readonly ShardCount: string };
  /** s3rver, path-style: `http://127.0.0.1:<port>/<bucket>/<key>`. Keys: LOCAL_AWS's or S3RVER/S3RVER. */
  readonly s3?: string;
  /** Local bucket names; `exports` is the export files' bucket. */
  readonly buckets?: Readonly<Record<string, string>>;
  /** The SES v2 endpoint (emulator behind the fault proxy); a web view of sent mails at `/`. */
  readonly ses?: string;
  /** Sent mails as JSON: `{"emails": [{"from", "destination": {"to"}, "subject", "body": {"text", "html"}, "at"}], ...}`. */
  readonly mailbox?: string;
  /** The Step Functions endpoint (AWS JSON 1.0 protocol). */
  readonly stepFunctions?: string;
  /** Local state machine ARNs; `export` is the export workflow. */
  readonly stateMachines?: Readonly<Record<string, string>>;
  /** Fault injection control: `POST/GET/DELETE <faults>/faults` (see local/faults.ts). */
  readonly faults?: string;
  /** The web viewer's page (`<api>/viewer`); sign in with a link from `POST /v1/viewer-sessions`. */
  readonly viewer: string;
  /** The viewer signed in as the demo admin (a 12-hour viewer session of the admin token; the token is in the fragment). */
  readonly viewerSignIn: string;
}

/** Options of {@link startLocal}. */
export interface StartLocalOptions {
  /**
   * HTTP port, exactly: when it is taken, {@link startLocal} fails with a {@link PortInUseError}
   * before starting anything. 0 picks a free port. (`npm start` passes `--port`, else `PORT`.)
   * @default `preferredPort`, else a free port
   */
  readonly port?: number;
  /**
   * The port to use when `port` is not given, if it is free; otherwise a free port is used and
   * {@link LocalStack.portFallback} says so. `npm start` passes 4000, the port the README's
   * examples use; the test suite and the benchmarks pass neither, so they never collide with it.
   */
  readonly preferredPort?: number;
  /** No startup notes, no per-request log lines; handler logs only at ERROR. @default false */
  readonly quiet?: boolean;
  /**
   * A log line per HTTP request (seeding's included) and handler logs from INFO up. Otherwise
   * handlers log only warnings and errors, and requests are not logged. @default false
   */
  readonly verbose?: boolean;
  /**
   * A directory that keeps the data between runs (DynamoDB Local's tables, S3's files, the
   * cursor key and the admin token; see local/persist.ts), created if absent and locked while
   * the stack runs. @default nothing is kept: the data lives in memory and is gone on stop
   */
  readonly persist?: string;
  /** Load demo events after startup: `true` for 3,000, or a count. @default false */
  readonly seed?: boolean | number;
  /** Overrides the template's authorizer result cache TTL (seconds). */
  readonly authCacheTtlSeconds?: number;
  /** Extra or overriding handler environment, e.g. `{ RETENTION_DAYS: '7', TOKEN_CACHE_SECONDS: '1' }`. */
  readonly env?: Record<string, string>;
  /** Write `.local/endpoints.json`. @default true */
  readonly writeEndpoints?: boolean;
  /**
   * Pause before every Step Functions retry, ms, instead of the definition's intervals
   * (2 s doubling, with jitter). Tests use ~20 ms. @default the definition's
   */
  readonly retryIntervalMs?: number;
  /**
   * Route the handlers' DynamoDB calls through the fault proxy (local/dynamodb-proxy.ts), so
   * `dynamodb-throttle` rules apply. The benchmarks turn it off: the handlers then talk to
   * DynamoDB Local directly, as they do to DynamoDB on AWS, with no extra hop. @default true
   */
  readonly dynamoDbFaultProxy?: boolean;
  /** Milliseconds between runs of the catalogue's `schedule` functions (the revocation sweep). Tests use ~1 s. @default their own rate (1 min) */
  readonly scheduleEveryMs?: number;
}

/** A running local stack. */
export interface LocalStack {
  readonly endpoints: LocalEndpoints;
  /** Set when `preferredPort` was taken and the API listens on another port. */
  readonly portFallback?: { readonly preferred: number; readonly used: number };
  /** Set with `persist`: the directory, and whether the admin token is the one an earlier run printed. */
  readonly persisted?: { readonly dir: string; readonly adminTokenKept: boolean };
  /** Stops everything it started (executions, servers, DynamoDB Local, S3 files). Safe to call twice. */
  stop(): Promise<void>;
}

/** The HTTP port asked for explicitly is taken (by another `npm start`, or anything else). */
export class PortInUseError extends Error {
  constructor(readonly port: number) {
    super(`port ${port} on 127.0.0.1 is already in use`);
    this.name = 'PortInUseError';
  }
}

/** Whether 127.0.0.1:`port` can be listened on right now (false when in use; other errors are thrown). */
async function portIsFree(port: number): Promise<boolean> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.unref();
    probe.once('error', (err: NodeJS.ErrnoException) => (err.code === 'EADDRINUSE' ? resolve(false) : reject(err)));
    probe.listen(port, '127.0.0.1', () => probe.close(() => resolve(true)));
  });
}

const isAddressInUse = (err: unknown) => (err as NodeJS.ErrnoException | undefined)?.code === 'EADDRINUSE';

/**
 * Starts everything and returns the endpoints. Steps: DynamoDB Local, S3, SES and the
 * fault server (all in parallel with the CDK synth), tables and buckets from the
 * template, the Step Functions endpoint, handler environment into `process.env`
 * (before any handler module loads), the HTTP API, an admin token for tenant `demo`,
 * then optionally demo data.
 */
export async function startLocal(opts: StartLocalOptions = {}): Promise<LocalStack> {
  const note = (msg: string) => { if (!opts.quiet) console.log(msg); };
  const writeEndpoints = opts.writeEndpoints ?? true;
  let ddb: LocalDynamoDb | undefined;
  let ddbProxy: DynamoDbProxy | undefined;
  let webSocket: LocalWebSocketApi | undefined;
  let triggers: StreamTriggers | undefined;
  let api: LocalHttpApi | undefined;
  let s3: LocalS3 | undefined;
  let ses: LocalSes | undefined;
  let sfn: LocalStepFunctions | undefined;
  let faultServer: FaultServer | undefined;
  let persist: PersistDir | undefined;
  let viewerDir: string | undefined;
  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    await sfn?.stop(); // aborts executions first: their tasks talk to everything else
    await triggers?.stop();
    await webSocket?.stop();
    await api?.stop();
    await ddbProxy?.stop();
    await Promise.all([ddb?.stop(), s3?.stop(), ses?.stop(), faultServer?.stop()]);
    persist?.release();
    if (viewerDir) rmSync(viewerDir, { recursive: true, force: true });
    if (writeEndpoints && api && readEndpoints()?.api === api.url) rmSync(ENDPOINTS_FILE, { force: true });
  };
  // The port is settled first: a taken port fails in milliseconds, not after the synth and Java.
  let port = opts.port ?? opts.preferredPort ?? 0;
  const strictPort = opts.port !== undefined;
  if (port !== 0 && !(await portIsFree(port))) {
    if (strictPort) throw new PortInUseError(port);
    port = 0;
  }
  if (opts.persist) persist = openPersistDir(opts.persist); // throws when another stack holds it
  if (writeEndpoints) await warnIfAnotherStackRuns();

  // Started before the try so a failure of one is awaited (and stopped) by the catch below.
  const t0 = Date.now();
  const faults = new Faults();
  const settle = <T>(p: Promise<T>) => { p.catch(() => undefined); return p; }; // surfaced by the awaits below
  const ddbStarting = settle(startDynamoDbLocal({ dbPath: persist?.dynamodb }));
  const s3Starting = settle(startS3({ faults, directory: persist?.s3 }));
  const sesStarting = settle(startSes({ faults }));
  const faultsStarting = settle(startFaultServer(faults));
  // Imported lazily (aws-local-stepfunctions and its validator) so it loads while Java starts.
  const sfnLoading = settle(import('./stepfunctions.js'));
  // The web viewer, built as the stack's bundling builds it (viewer/build.ts), into a directory of this run's own.
  viewerDir = mkdtempSync(join(tmpdir(), 'audit-log-viewer-'));
  const viewerBuilding = settle(import('../viewer/build.js').then(({ buildViewer }) => buildViewer({ outDir: viewerDir })));
  try {
    const template = await synthTemplate();
    const tSynth = Date.now();
    // The state machines need only the template: prepared (and validated) while Java still starts.
    const { startStepFunctions, stateMachinesFromTemplate, unboundTasks } = await sfnLoading;
    const { machines, warnings: sfnWarnings } = stateMachinesFromTemplate(template, ROOT);
    for (const w of sfnWarnings) console.warn(`local: ${w}`);
    for (const m of machines) {
      const unbound = unboundTasks(m);
      if (unbound.length) console.warn(`local: state machine ${m.key}: no local handler for Task state(s) ${unbound.join(', ')}`);
    }
    const stateMachines = Object.fromEntries(machines.map((m) => [m.key, m.arn]));
    if (machines.length) {
      sfn = await startStepFunctions({
        machines,
        faults,
        retryIntervalMs: opts.retryIntervalMs,
        log: opts.quiet ? undefined : (line) => console.log(line),
      });
    }

    [s3, ses, faultServer] = await Promise.all([s3Starting, sesStarting, faultsStarting]);
    ddb = await ddbStarting;
    const tDdb = Date.now();
    const buckets = localBuckets(template);
    const [tables] = await Promise.all([createTables(template, ddb.endpoint), s3.createBuckets(Object.values(buckets))]);
    if (persist) {
      for (const d of await tableDifferences(template, ddb.endpoint)) {
        console.warn(`local: ${d}: it was created by an earlier run in ${persist.dir}; delete that directory to start afresh`);
      }
    }
    // Handlers go through the fault proxy (dynamodb-throttle rules); tables and direct clients use DynamoDB Local.
    if (opts.dynamoDbFaultProxy ?? true) ddbProxy = await startDynamoDbProxy({ target: ddb.endpoint, faults });

    // Its URL and @connections endpoint go into the handlers' environment; its handlers load on first use.
    webSocket = await startWebSocketPeer({ root: ROOT, template });

    const overrides: Record<string, string> = {
      STREAM_URL: webSocket.url,
      CONNECTIONS_ENDPOINT: webSocket.managementEndpoint,
      POWERTOOLS_METRICS_DISABLED: 'true', // no EMF blobs on stdout; CloudWatch is not here
      // The template's level (INFO) logs every rejected request: the console shows it only with --verbose.
      ...(opts.quiet ? { POWERTOOLS_LOG_LEVEL: 'ERROR' } : opts.verbose ? {} : { POWERTOOLS_LOG_LEVEL: 'WARN' }),
      // The SDK v3 honours service-specific endpoint variables: handlers need no local-only code.
      AWS_ENDPOINT_URL_S3: s3.endpoint,
      AWS_ENDPOINT_URL_SESV2: ses.endpoint,
      ...(sfn ? { AWS_ENDPOINT_URL_SFN: sfn.endpoint } : {}),
      AWS_S3_FORCE_PATH_STYLE: 'true', // read by the S3 adapter: s3rver has no virtual-hosted buckets
      // With checksums "when supported" the SDK streams bodies aws-chunked, which s3rver stores verbatim.
      AWS_REQUEST_CHECKSUM_CALCULATION: 'WHEN_REQUIRED',
      AWS_RESPONSE_CHECKSUM_VALIDATION: 'WHEN_REQUIRED',
      SENDER_EMAIL: LOCAL_SENDER_EMAIL,
      // The "long-lived signer key" of download links is s3rver's account key locally.
      EXPORT_SIGNER_KEY_ID: S3RVER_KEY.accessKeyId,
      EXPORT_SIGNER_SECRET: S3RVER_KEY.secretAccessKey,
      ...(buckets.exports ? { EXPORTS_BUCKET: buckets.exports } : {}),
      ...(stateMachines.export ? { EXPORT_STATE_MACHINE_ARN: stateMachines.export } : {}),
      VIEWER_ASSETS_DIR: viewerDir,
      ...opts.env,
    };
    const env = localEnvironment(template, ddbProxy?.endpoint ?? ddb.endpoint, overrides);
    if (persist) {
      // The cursor key of an earlier run, so its cursors stay valid.
      const generated = env.generated.filter((name) => !(name in overrides));
      Object.assign(env.env, persist.secrets(Object.fromEntries(generated.map((name) => [name, env.env[name]!]))));
    }
    applyEnvironment(env.env);
    if (env.unresolved.length) console.warn(`local: no local value for ${env.unresolved.join(', ')}; handlers reading them will fail`);

    await viewerBuilding;
    const settings = apiSettingsFromTemplate(template);
    for (const w of settings.warnings) console.warn(`local: ${w}`);
    const listen = (on: number) => startHttpApi({
      root: ROOT,
      settings,
      port: on,
      quiet: !opts.verbose,
      authCacheTtlSeconds: opts.authCacheTtlSeconds,
    });
    try {
      api = await listen(port);
    } catch (err) {
      // Taken since the check above (another stack starting at the same time).
      if (!isAddressInUse(err)) throw err;
      if (strictPort) throw new PortInUseError(port);
      api = await listen(0);
    }
    const wanted = strictPort ? undefined : opts.preferredPort;
    const portFallback = wanted && api.port !== wanted ? { preferred: wanted, used: api.port } : undefined;
    if (portFallback) note(`local: port ${wanted} is in use (another npm start?), so the API listens on port ${api.port} instead`);

    triggers = await startStreamTriggers({
      root: ROOT, template, dynamodb: ddbProxy?.endpoint ?? ddb.endpoint, tables, scheduleEveryMs: opts.scheduleEveryMs, log: (line) => console.warn(line),
    });

    const [{ issueToken }, { localTableAdapters }] = await Promise.all([
      import('../lambdas/tokens/issue-token.js'),
      import('./adapters.js'),
      api.preload(),
      sfn?.preload(),
    ]);
    const kept = persist?.adminToken;
    const adminTokenKept = kept !== undefined && (await isAdminToken(api.url, kept));
    const parameters = { RetentionDays: env.env.RETENTION_DAYS!, MaxRetentionDays: env.env.MAX_RETENTION_DAYS!, ShardCount: env.env.SHARD_COUNT! };
    let admin: { token: string };
    if (adminTokenKept) admin = { token: kept };
    else {
      // Through the handlers' DynamoDB endpoint (the fault proxy when there is one), as the route would.
      const stores = localTableAdapters({ dynamodb: ddbProxy?.endpoint ?? ddb.endpoint, region: env.env.AWS_REGION!, tables, parameters });
      admin = await issueToken(stores, DEMO_TENANT, { name: 'local admin (npm start)', scopes: ['admin'] }, { system: 'npm-start' });
      stores.ddb.destroy();
    }
    if (persist && !adminTokenKept) persist.saveAdminToken(admin.token);
    const viewerSignIn = await signInViewer(api.url, admin.token);
    const secs = (from: number, to = Date.now()) => `${((to - from) / 1000).toFixed(1)} s`;
    note(`local: synth ${secs(t0, tSynth)}, DynamoDB Local (S3, SES) up after ${secs(t0, tDdb)}, tables + buckets + API + handlers + token ${secs(tDdb)}`);

    const endpoints: LocalEndpoints = {
      api: api.url,
      websocket: webSocket.url,
      adminToken: admin.token,
      tenant: DEMO_TENANT,
      dynamodb: ddb.endpoint,
      region: env.env.AWS_REGION,
      tables,
      openapi: `${api.url}/v1/openapi.json`,
      parameters,
      s3: s3.endpoint,
      ...(Object.keys(buckets).length ? { buckets } : {}),
      ses: ses.endpoint,
      mailbox: ses.mailbox,
      ...(sfn ? { stepFunctions: sfn.endpoint, stateMachines } : {}),
      faults: faultServer.url,
      viewer: `${api.url}/viewer`,
      viewerSignIn,
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
    return { endpoints, portFallback, ...(persist ? { persisted: { dir: persist.dir, adminTokenKept } } : {}), stop };
  } catch (err) {
    // Whatever started meanwhile is stopped too, even if the failure came first.
    const started = await Promise.allSettled([ddbStarting, s3Starting, sesStarting, faultsStarting]);
    [ddb, s3, ses, faultServer] = started.map((r) => (r.status === 'fulfilled' ? r.value : undefined)) as [typeof ddb, typeof s3, typeof ses, typeof faultServer];
    await stop();
    throw err;
  }
}

/** Whether `token` is a valid admin token (revoked or expired ones are not) of the API at `api`. */
async function isAdminToken(api: string, token: string): Promise<boolean> {
  const res = await fetch(`${api}/v1/settings`, { headers: { authorization: `Bearer ${token}` } });
  await res.arrayBuffer();
  return res.status === 200;
}

function readEndpoints(): LocalEndpoints | undefined {
  try {
    return JSON.parse(readFileSync(ENDPOINTS_FILE, 'utf8')) as LocalEndpoints;
  } catch {
    return undefined;
  }
}

/** The viewer's link signed in as the demo admin: a 12-hour viewer session, created through the public route. */
async function signInViewer(apiUrl: string, adminToken: string): Promise<string> {
  const res = await fetch(`${apiUrl}/v1/viewer-sessions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' },
    body: JSON.stringify({ viewer: { id: 'local-admin', name: 'Local admin' }, scopes: ['admin'], ttlSeconds: 43_200 }),
  });
  if (res.status !== 201) throw new Error(`POST /v1/viewer-sessions answered ${res.status}: ${await res.text()}`);
  return ((await res.json()) as { url: string }).url;
}

/** Two `npm start`s in one checkout would fight over `.local/endpoints.json`: say so. */
async function warnIfAnotherStackRuns(): Promise<void> {
  const other = readEndpoints();
  if (!other?.openapi) return;
  const alive = await fetch(other.openapi, { signal: AbortSignal.timeout(500) }).then(() => true, () => false);
  if (alive) console.warn(`local: another local stack is running at ${other.api}; ${ENDPOINTS_FILE} will now point to this one`);
}

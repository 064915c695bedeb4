/**
 * Secure, opinionated defaults for the whole stack, in one place: constructs read
 * them instead of repeating literals, so a reviewer checks a default once.
 */
import { isAbsolute, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Duration } from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import { OutputFormat, type BundlingOptions } from 'aws-cdk-lib/aws-lambda-nodejs';
import type { Construct } from 'constructs';

/** The repository root (where `package.json` and `package-lock.json` live). */
export const PROJECT_ROOT = fileURLToPath(new URL('..', import.meta.url));

/** An absolute path for a project-relative one (route entries are project-relative). */
export function projectPath(path: string): string {
  return isAbsolute(path) ? path : join(PROJECT_ROOT, path);
}

/** Lambda defaults shared by every function (see `AuditFunction`). */
export const FUNCTION_DEFAULTS = {
  /** Node.js 22: the runtime the issue pins, an LTS line supported by Lambda until 2027. */
  runtime: lambda.Runtime.NODEJS_22_X,
  /** Graviton: ~20% cheaper per GB-second than x86 and as fast for this I/O-bound code. */
  architecture: lambda.Architecture.ARM_64,
  /** 1 GB buys a full vCPU share, which shortens cold starts and JSON work; cost scales with duration anyway. */
  memorySize: 1024,
  /** Well under API Gateway's 30 s integration cap, so a stuck call fails as a Lambda timeout we log. */
  timeout: Duration.seconds(10),
  /** Powertools service name (logger, metrics dimension, tracer). */
  serviceName: 'audit-log',
  /** Powertools metrics namespace. */
  metricsNamespace: 'AuditLog',
  /** Powertools log level. */
  logLevel: 'INFO',
  /**
   * `NODE_OPTIONS=--enable-source-maps` at run time. Off: with it, Node parses a ~470 KB map
   * at every cold start (6-9 ms measured, BENCHMARKS.md). The maps still ship beside each bundle, so stack
   * traces can be mapped offline, or turn this on for one function while debugging.
   */
  sourceMapsAtRuntime: false,
} as const;

/**
 * esbuild settings for every handler: one minified ESM file with the AWS SDK bundled
 * (tree-shaken, so cold starts do not load the runtime's whole SDK), a source map without
 * sources (stack traces point at `.ts` lines, the bundle stays small), and local bundling
 * only: this project never needs Docker.
 */
export const BUNDLING_DEFAULTS: BundlingOptions = {
  minify: true,
  sourceMap: true,
  sourcesContent: false,
  format: OutputFormat.ESM,
  target: 'node22',
  mainFields: ['module', 'main'],
  // Some CommonJS dependencies call `require`; ESM output has none, so give them one.
  banner: "import { createRequire } from 'module';const require = createRequire(import.meta.url);",
  externalModules: [],
  // Lambda always passes the role's credentials in environment variables, so the SDK's
  // default credential chain (SSO, INI files, IMDS, web identity: ~100 KB minified) is
  // replaced by its environment provider (see lambdas/shared/lambda-credentials.ts).
  // esbuild resolves the relative path from the project root, where bundling runs.
  esbuildArgs: { '--alias': ['@aws-sdk/credential-provider-node=./lambdas/shared/lambda-credentials.ts'] },
  forceDockerBundling: false,
};

/** CloudWatch Logs retention (days) when no `LogRetentionDays` parameter is wired in. */
export const DEFAULT_LOG_RETENTION_DAYS = 30;

/** The retention values CloudWatch Logs accepts (days); the `LogRetentionDays` parameter allows only these. */
export const LOG_RETENTION_DAY_VALUES = [
  1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653,
] as const;

/** HTTP API defaults (see `Api`). */
export const API_DEFAULTS = {
  /** Steady-state requests per second across the stage (a `CfnParameter` overrides it in the stack). */
  throttleRateLimit: 1000,
  /** Burst bucket size across the stage. */
  throttleBurstLimit: 2000,
  /**
   * API Gateway caches an authorizer decision per token for 30 s; with the authorizer's own
   * in-memory cache of {@link API_DEFAULTS.tokenCacheSeconds} a revoked token stops working
   * within 30 + 25 < 60 s, the contract's bound.
   */
  authorizerCacheTtl: Duration.seconds(30),
  /** The authorizer's in-Lambda token cache (seconds), passed as `TOKEN_CACHE_SECONDS`. */
  tokenCacheSeconds: 25,
  /** Browsers may cache a CORS preflight answer this long. */
  corsMaxAge: Duration.hours(1),
} as const;

/**
 * The HTTP API access log line: JSON (queryable with Logs Insights, and what cdk-nag
 * expects), with request id, caller IP, route, status, latencies and authorizer errors.
 * Never the `Authorization` header: tokens must not reach logs.
 */
export const ACCESS_LOG_FORMAT = JSON.stringify({
  requestId: '$context.requestId',
  requestTime: '$context.requestTime',
  ip: '$context.identity.sourceIp',
  userAgent: '$context.identity.userAgent',
  method: '$context.httpMethod',
  routeKey: '$context.routeKey',
  path: '$context.path',
  protocol: '$context.protocol',
  status: '$context.status',
  responseLength: '$context.responseLength',
  responseLatency: '$context.responseLatency',
  integrationLatency: '$context.integrationLatency',
  integrationError: '$context.integrationErrorMessage',
  authorizerError: '$context.authorizer.error',
  authorizerLatency: '$context.authorizer.latency',
});

/**
 * A CloudWatch log group with bounded retention. `retentionDays` may be a token (a
 * `CfnParameter`'s `valueAsNumber`), which the L2 `retention` enum cannot take, so it is
 * set on the L1 resource.
 *
 * @param retentionDays days to keep events; @default {@link DEFAULT_LOG_RETENTION_DAYS}
 */
export function newLogGroup(scope: Construct, id: string, retentionDays?: number): logs.LogGroup {
  const logGroup = new logs.LogGroup(scope, id);
  (logGroup.node.defaultChild as logs.CfnLogGroup).retentionInDays = retentionDays ?? DEFAULT_LOG_RETENTION_DAYS;
  return logGroup;
}

/** CSV export defaults (see `ExportWorkflow`); the stack's `Export*` parameters override the tunable ones. */
export const EXPORT_DEFAULTS = {
  /** Lifetime of a download link (hours), the `ExportLinkTtlHours` parameter's default. */
  linkTtlHours: 24,
  /** SigV4 presigned URLs live at most 7 days, so a link cannot outlive this (hours). */
  maxLinkTtlHours: 168,
  /** Days an export file is kept before S3 lifecycle deletes it, the `ExportRetentionDays` parameter's default. */
  retentionDays: 7,
  /** Serial of the link signer's access key, the `ExportSignerKeySerial` parameter's default; bump it to rotate. */
  signerKeySerial: 1,
  /** Longest an export may run; it also bounds the multipart upload's life (see `abortIncompleteUploadsAfter`). */
  stateMachineTimeout: Duration.hours(24),
  /**
   * S3 aborts multipart uploads left open this long: a safety net for an upload whose
   * `FailExport` never ran. Not shorter than `stateMachineTimeout`, so a running export's
   * upload is never aborted under it.
   */
  abortIncompleteUploadsAfter: Duration.days(1),
  /** Time limit of the other tasks (a few S3, DynamoDB and SES calls each). */
  taskTimeout: Duration.seconds(60),
  /** First retry delay of a failed task; doubles per attempt, with full jitter. */
  retryInterval: Duration.seconds(2),
  /** Attempts after the first for a task of the happy path (chunks are idempotent, so any failure may be retried). */
  retryAttempts: 5,
  /** Attempts after the first for `FailExport` before the execution fails regardless. */
  failRetryAttempts: 3,
} as const;

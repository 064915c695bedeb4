import { Duration, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import type { Construct } from 'constructs';
import { FUNCTION_ID_METADATA } from './catalogue';
import { BUNDLING_DEFAULTS, FUNCTION_DEFAULTS, PROJECT_ROOT, newLogGroup, projectPath } from './defaults';

/** Properties of an {@link AuditFunction}. */
export interface AuditFunctionProps {
  /** The handler module (TypeScript), absolute or relative to the project root; it exports `handler`. */
  readonly entry: string;
  /** What the function does, shown in the Lambda console. @default - no description */
  readonly description?: string;
  /** Environment variables, on top of the Powertools and Node settings this construct sets. @default - none */
  readonly environment?: Readonly<Record<string, string>>;
  /** Memory (MB); CPU share scales with it. @default 1024 */
  readonly memorySize?: number;
  /** Maximum run time. @default Duration.seconds(10) */
  readonly timeout?: Duration;
  /** Powertools service name (`POWERTOOLS_SERVICE_NAME`). @default 'audit-log' */
  readonly serviceName?: string;
  /**
   * Map stack traces to TypeScript at run time (`--enable-source-maps`); costs cold-start time.
   * @default false (FUNCTION_DEFAULTS.sourceMapsAtRuntime)
   */
  readonly sourceMapsAtRuntime?: boolean;
  /**
   * Days to keep the function's logs; may be a `CfnParameter`'s `valueAsNumber`.
   * @default 30
   */
  readonly logRetentionDays?: number;
  /**
   * The function's id in the catalogue (lib/catalogue.ts), recorded as the resource's
   * `Metadata.AuditLogFunction` in the template: the local runner binds handlers by it.
   * @default - none (a function outside the catalogue)
   */
  readonly functionId?: string;
  /**
   * Commands run after esbuild, from the project root, to add files beside the bundle
   * (`outputDir` becomes the function's `/var/task`), e.g. the web viewer's built files.
   * @default - none
   */
  readonly afterBundling?: (inputDir: string, outputDir: string) => string[];
}

/**
 * The project's one Lambda function construct: every handler goes through it, so the
 * runtime, bundling, logging, tracing and IAM baseline are decided once.
 *
 * - Node.js 22 on ARM64 (Graviton), 1 GB, 10 s timeout.
 * - esbuild, locally (never Docker): minified ESM with a source map, AWS SDK bundled and
 *   tree-shaken, so a cold start loads only what the handler imports.
 * - An explicit log group with bounded retention, and an execution role that may write
 *   to that log group only (instead of `AWSLambdaBasicExecutionRole`, which may create
 *   and write any log group in the account).
 * - X-Ray active tracing and the Powertools environment (service name, metrics namespace,
 *   log level). Source maps ship with every bundle; mapping them at run time is opt-in
 *   (`sourceMapsAtRuntime`), since parsing them slows every cold start.
 *
 * Grant table access through `EventStore.grantEvents` / `grantControl`, which also set
 * the table name variable.
 */
export class AuditFunction extends NodejsFunction {
  constructor(scope: Construct, id: string, props: AuditFunctionProps) {
    // A construct cannot be a child of `this` before `super()`, so the role and log group
    // are created beside the function, under ids prefixed with its own: the logical ids
    // read the same as if they were children (`<Id>ServiceRole…`, `<Id>LogGroup…`).
    const logGroup = newLogGroup(scope, `${id}LogGroup`, props.logRetentionDays);
    const role = new iam.Role(scope, `${id}ServiceRole`, {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: `Execution role of the ${id} function`,
    });
    logGroup.grantWrite(role);

    super(scope, id, {
      entry: projectPath(props.entry),
      handler: 'handler',
      projectRoot: PROJECT_ROOT,
      depsLockFilePath: projectPath('package-lock.json'),
      description: props.description,
      runtime: FUNCTION_DEFAULTS.runtime,
      architecture: FUNCTION_DEFAULTS.architecture,
      memorySize: props.memorySize ?? FUNCTION_DEFAULTS.memorySize,
      timeout: props.timeout ?? FUNCTION_DEFAULTS.timeout,
      tracing: lambda.Tracing.ACTIVE,
      role,
      logGroup,
      bundling: props.afterBundling
        ? { ...BUNDLING_DEFAULTS, commandHooks: { beforeBundling: () => [], beforeInstall: () => [], afterBundling: props.afterBundling } }
        : BUNDLING_DEFAULTS,
      environment: {
        POWERTOOLS_SERVICE_NAME: props.serviceName ?? FUNCTION_DEFAULTS.serviceName,
        POWERTOOLS_METRICS_NAMESPACE: FUNCTION_DEFAULTS.metricsNamespace,
        POWERTOOLS_LOG_LEVEL: FUNCTION_DEFAULTS.logLevel,
        ...((props.sourceMapsAtRuntime ?? FUNCTION_DEFAULTS.sourceMapsAtRuntime) ? { NODE_OPTIONS: '--enable-source-maps' } : {}),
        ...props.environment,
      },
    });

    if (props.functionId) (this.node.defaultChild as lambda.CfnFunction).addMetadata(FUNCTION_ID_METADATA, props.functionId);

    Validations.of(role).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason: 'X-Ray active tracing: xray:PutTraceSegments and xray:PutTelemetryRecords support no resource-level permissions (https://docs.aws.amazon.com/xray/latest/devguide/security_iam_service-with-iam.html).',
    });
    Validations.of(this).acknowledge({
      id: 'AwsSolutions-L1',
      reason: 'Node.js 22 is pinned on purpose (the project targets it, and its LTS is supported by Lambda); moving to a newer runtime is a deliberate, tested change.',
    });
  }
}

import { CfnCondition, Duration, Fn, RemovalPolicy, Stack, Tokenization, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import * as ses from 'aws-cdk-lib/aws-ses';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import { Construct } from 'constructs';
import { EXPORT_KEY_PREFIX, PERMANENT_EXPORT_ERROR } from '../lambdas/core/exports';
import type { AuditFunction } from './AuditFunction';
import { ENV, type ExportObjectAction, functionsOf } from './catalogue';
import { EXPORT_DEFAULTS, newLogGroup } from './defaults';
import type { EventStore } from './EventStore';
import { newCatalogueFunction } from './needs';

/** Properties of the {@link ExportWorkflow}. */
export interface ExportWorkflowProps {
  /** Where events and export records live; each task gets the table access it needs. */
  readonly eventStore: EventStore;
  /**
   * The address export mails come from; may be a `CfnParameter`'s `valueAsString`. The
   * construct creates its SES identity; the address (or its domain) must be verified, and
   * the account out of the SES sandbox to mail arbitrary recipients.
   */
  readonly senderEmail: string;
  /**
   * Whether to create the SES identity of `senderEmail`: `'false'` when the address is
   * already an identity in the account (CloudFormation cannot create it twice), or when
   * its domain is verified instead. May be a `CfnParameter`'s `valueAsString`.
   * @default 'true'
   */
  readonly createSenderIdentity?: string;
  /** Lifetime of a download link (hours, at most 168); may be a token. @default 24 */
  readonly linkTtlHours?: number;
  /** Days S3 keeps an export file (lifecycle expiry; links never outlive it); may be a token. @default 7 */
  readonly retentionDays?: number;
  /**
   * Serial of the link signer's access key (`AWS::IAM::AccessKey.Serial`); changing it
   * replaces the key, which rotates it. May be a token.
   * @default 1
   */
  readonly signerKeySerial?: number;
  /**
   * Configuration every task gets besides the export settings, e.g. `RETENTION_DAYS`,
   * `MAX_RETENTION_DAYS` and `SHARD_COUNT` (as for the API routes).
   * @default - none
   */
  readonly environment?: Readonly<Record<string, string>>;
  /** Days to keep the tasks' and the state machine's logs; may be a token. @default 30 */
  readonly logRetentionDays?: number;
}

/** Ids of the export workflow's task functions (catalogue entries with a `task` trigger of workflow `export`). */
export type ExportTaskId = 'BeginExport' | 'WriteExportChunk' | 'CompleteExport' | 'NotifyExport' | 'FailExport';

/**
 * CSV exports of a tenant's events: a Step Functions state machine that writes the file
 * in bounded, idempotent chunks to S3 and mails a download link (SES).
 *
 * ```
 * Begin → WriteChunk → MoreRows? ─done→ Complete → Notify → Done
 *            ↑____________│ not done
 * any task error (after retries) → Fail (FailExport) → ExportFailed
 * ```
 *
 * Execution input is `{ tenant, exportId }`. Each task invokes its function directly
 * (`payloadResponseOnly`: the state's `Resource` is the function ARN and the result is the
 * handler's return value), so the local runner can run the same definition. A task
 * throwing `PermanentExportError` is not retried; any other error is retried with
 * exponential backoff and full jitter (chunks are idempotent).
 *
 * **Download links outlive any Lambda session.** A presigned URL stops working when the
 * credentials that signed it expire; a Lambda role's session ends after at most 12 h (in
 * practice about 1 h), far short of a 24 h link. Links are therefore signed with the
 * long-term access key of a dedicated IAM user, `ExportLinkSigner`, allowed nothing but
 * `s3:GetObject` on `exports/*` and with no console access. Its secret key is kept in
 * Secrets Manager and reaches the functions as a deploy-time dynamic reference (like the
 * API's cursor secret): no Secrets Manager call at cold start, no IAM grant. Rotate it by
 * bumping `signerKeySerial` (the `ExportSignerKeySerial` parameter): the old key is deleted,
 * links it signed stop working, and `GET /v1/exports/{id}` presigns a fresh one.
 * Alternatives rejected: CloudFront signed URLs (another service and key pair, not S3
 * presigned URLs, and nothing the local emulators offer); `sts:AssumeRole` from the
 * function (role chaining caps that session at 1 h too).
 */
export class ExportWorkflow extends Construct {
  /** The bucket of export files. */
  public readonly bucket: s3.Bucket;
  /** The export state machine (Standard). */
  public readonly stateMachine: sfn.StateMachine;
  /** Task id (catalogue id) → its function. */
  public readonly taskFunctions: ReadonlyMap<ExportTaskId, AuditFunction>;
  /** The IAM user whose access key signs download links (`s3:GetObject` on `exports/*` only). */
  public readonly signer: iam.User;
  /** The signer's access key. */
  public readonly signerKey: iam.AccessKey;
  /** The secret holding the signer's secret access key. */
  public readonly signerSecret: secretsmanager.Secret;
  /** The SES identity of the sender address. */
  public readonly senderIdentity: ses.EmailIdentity;

  private readonly senderEmail: string;
  /** Environment every export function and route gets (bucket, link lifetime, file retention). */
  private readonly exportEnvironment: Readonly<Record<string, string>>;

  constructor(scope: Construct, id: string, props: ExportWorkflowProps) {
    super(scope, id);
    const { eventStore } = props;
    this.senderEmail = props.senderEmail;
    const retentionDays = props.retentionDays ?? EXPORT_DEFAULTS.retentionDays;

    this.bucket = new s3.Bucket(this, 'ExportsBucket', {
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      // SSE-S3, not KMS: a presigned GET of an SSE-KMS object also needs kms:Decrypt for
      // the signer, and every download would cost a KMS request. The files leave the
      // account by design (that is what the link is for), so a customer key adds no control.
      encryption: s3.BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      versioned: false,
      // Exports are reproducible and expire by lifecycle anyway. Retained, since deleting a
      // non-empty bucket would fail the stack deletion (and emptying it needs a custom
      // resource Lambda); the lifecycle rules keep emptying it after the stack is gone.
      removalPolicy: RemovalPolicy.RETAIN,
      lifecycleRules: [
        { id: 'ExpireExports', prefix: EXPORT_KEY_PREFIX, expiration: Duration.days(retentionDays) },
        { id: 'AbortIncompleteUploads', abortIncompleteMultipartUploadAfter: EXPORT_DEFAULTS.abortIncompleteUploadsAfter },
      ],
    });
    Validations.of(this.bucket).acknowledge({
      id: 'AwsSolutions-S1',
      reason: 'Every export is itself audited in the tenant\'s log (audit_export.requested) and its files are read only through presigned links per recipient; per-download records, if ever needed, come from CloudTrail S3 data events, without a second bucket to secure.',
    });

    this.signer = new iam.User(this, 'ExportLinkSigner');
    this.signer.addToPrincipalPolicy(
      new iam.PolicyStatement({ actions: ['s3:GetObject'], resources: [this.bucket.arnForObjects(`${EXPORT_KEY_PREFIX}*`)] }),
    );
    Validations.of(this.signer).acknowledge({
      id: `AwsSolutions-IAM5[Resource::<${this.bucketLogicalId()}.Arn>/${EXPORT_KEY_PREFIX}*]`,
      reason: 'The link signer may read any export file: which one a link opens is decided when it is presigned, by a function that has checked the tenant; the user can do nothing else.',
    });
    this.signerKey = new iam.AccessKey(this, 'ExportLinkSignerKey', {
      user: this.signer,
      serial: props.signerKeySerial ?? EXPORT_DEFAULTS.signerKeySerial,
    });
    this.signerSecret = new secretsmanager.Secret(this, 'ExportLinkSignerSecret', {
      description: 'Secret access key of the IAM user that presigns audit log export download links',
      secretStringValue: this.signerKey.secretAccessKey,
      // Derived from the access key, which goes with the stack.
      removalPolicy: RemovalPolicy.DESTROY,
    });
    Validations.of(this.signerSecret).acknowledge({
      id: 'AwsSolutions-SMG4',
      reason: 'The secret is an IAM access key owned by this stack; it is rotated by bumping the ExportSignerKeySerial parameter, which replaces the key and updates this secret and its readers in one deployment.',
    });

    this.senderIdentity = new ses.EmailIdentity(this, 'SenderIdentity', { identity: ses.Identity.email(props.senderEmail) });
    (this.senderIdentity.node.defaultChild as ses.CfnEmailIdentity).cfnOptions.condition = new CfnCondition(this, 'CreateSenderIdentityCondition', {
      expression: Fn.conditionEquals(props.createSenderIdentity ?? 'true', 'true'),
    });

    this.exportEnvironment = {
      [ENV.exportsBucket]: this.bucket.bucketName,
      [ENV.exportLinkTtlHours]: Tokenization.stringifyNumber(props.linkTtlHours ?? EXPORT_DEFAULTS.linkTtlHours),
      [ENV.exportRetentionDays]: Tokenization.stringifyNumber(retentionDays),
    };

    const taskFunctions = new Map<ExportTaskId, AuditFunction>();
    for (const spec of functionsOf('task').filter((f) => f.trigger.workflow === 'export')) {
      const fn = newCatalogueFunction(this, spec, { eventStore, exportWorkflow: this }, {
        logRetentionDays: props.logRetentionDays,
        timeout: EXPORT_DEFAULTS.taskTimeout,
        environment: { ...props.environment, ...this.exportEnvironment },
      });
      taskFunctions.set(spec.id as ExportTaskId, fn);
    }
    this.taskFunctions = taskFunctions;

    this.stateMachine = new sfn.StateMachine(this, 'ExportStateMachine', {
      comment: 'CSV export of a tenant\'s audit events: chunks to S3, then a mailed download link',
      stateMachineType: sfn.StateMachineType.STANDARD,
      definitionBody: sfn.DefinitionBody.fromChainable(this.definition(taskFunctions)),
      timeout: EXPORT_DEFAULTS.stateMachineTimeout,
      tracingEnabled: true,
      logs: {
        destination: newLogGroup(this, 'ExportStateMachineLogs', props.logRetentionDays),
        level: sfn.LogLevel.ALL,
        // State data (tenant, export id, error causes) stays in the execution history; the
        // logs record transitions and stay lean.
        includeExecutionData: false,
      },
    });
    this.acknowledgeStateMachineRole(taskFunctions);
  }

  /**
   * Lets a route start exports: `states:StartExecution` on this state machine, with
   * `EXPORT_STATE_MACHINE_ARN`, `EXPORTS_BUCKET`, `EXPORT_LINK_TTL_HOURS` and
   * `EXPORT_RETENTION_DAYS` set on `fn`.
   */
  public grantRequest(fn: lambda.Function): iam.Grant {
    this.addExportEnvironment(fn);
    fn.addEnvironment(ENV.exportStateMachine, this.stateMachine.stateMachineArn);
    return this.stateMachine.grantStartExecution(fn);
  }

  /**
   * Lets a route presign download links of finished exports: sets the signer's key
   * (`EXPORT_SIGNER_KEY_ID`, `EXPORT_SIGNER_SECRET`) and `EXPORTS_BUCKET`,
   * `EXPORT_LINK_TTL_HOURS`, `EXPORT_RETENTION_DAYS` on `fn`. No IAM permission: the link
   * carries the signer's authority, not the function's.
   */
  public grantDownload(fn: lambda.Function): void {
    this.addExportEnvironment(fn);
    fn.addEnvironment(ENV.exportSignerKeyId, this.signerKey.accessKeyId);
    // A dynamic reference ({{resolve:secretsmanager:…}}), resolved by CloudFormation at
    // deploy time (see Api's CURSOR_SECRET). Rotation stays consistent: a new serial
    // changes EXPORT_SIGNER_KEY_ID too, so the function is updated, after the secret.
    fn.addEnvironment(ENV.exportSignerSecret, this.signerSecret.secretValue.unsafeUnwrap());
  }

  /** The state machine's definition (state names are part of the contract with the local runner). */
  private definition(fns: ReadonlyMap<ExportTaskId, AuditFunction>): sfn.IChainable {
    const invoke = (stateName: string, taskId: ExportTaskId, props: Partial<tasks.LambdaInvokeProps> = {}) =>
      new tasks.LambdaInvoke(this, stateName, {
        lambdaFunction: fns.get(taskId)!,
        payloadResponseOnly: true,
        // The retries below cover Lambda's service errors too, and must come in this order.
        retryOnServiceExceptions: false,
        resultPath: sfn.JsonPath.DISCARD,
        ...props,
      });

    const exportFailed = new sfn.Fail(this, 'ExportFailed', {
      errorPath: sfn.JsonPath.stringAt('$.error.Error'),
      causePath: sfn.JsonPath.stringAt('$.error.Cause'),
    });
    const fail = invoke('Fail', 'FailExport', {
      payload: sfn.TaskInput.fromObject({
        tenant: sfn.JsonPath.stringAt('$.tenant'),
        exportId: sfn.JsonPath.stringAt('$.exportId'),
        error: sfn.JsonPath.objectAt('$.error'),
      }),
    });
    fail.addRetry({ errors: [PERMANENT_EXPORT_ERROR], maxAttempts: 0 });
    fail.addRetry({ errors: [sfn.Errors.ALL], ...this.backoff(EXPORT_DEFAULTS.failRetryAttempts) });
    // Keep the export's own error in `$.error` for ExportFailed; FailExport's is in the history.
    fail.addCatch(exportFailed, { errors: [sfn.Errors.ALL], resultPath: '$.failError' });
    fail.next(exportFailed);

    const guarded = <T extends tasks.LambdaInvoke>(task: T): T => {
      task.addRetry({ errors: [PERMANENT_EXPORT_ERROR], maxAttempts: 0 });
      task.addRetry({ errors: [sfn.Errors.ALL], ...this.backoff(EXPORT_DEFAULTS.retryAttempts) });
      task.addCatch(fail, { errors: [sfn.Errors.ALL], resultPath: '$.error' });
      return task;
    };
    const begin = guarded(invoke('Begin', 'BeginExport'));
    const writeChunk = guarded(invoke('WriteChunk', 'WriteExportChunk', { resultPath: '$.chunk' }));
    const complete = guarded(invoke('Complete', 'CompleteExport'));
    const notify = guarded(invoke('Notify', 'NotifyExport'));

    return begin.next(writeChunk).next(
      new sfn.Choice(this, 'MoreRows?')
        .when(sfn.Condition.booleanEquals('$.chunk.done', true), complete.next(notify).next(new sfn.Succeed(this, 'Done')))
        .otherwise(writeChunk),
    );
  }

  private backoff(maxAttempts: number): sfn.RetryProps {
    return { interval: EXPORT_DEFAULTS.retryInterval, backoffRate: 2, maxAttempts, jitterStrategy: sfn.JitterType.FULL };
  }

  private addExportEnvironment(fn: lambda.Function): void {
    for (const [name, value] of Object.entries(this.exportEnvironment)) fn.addEnvironment(name, value);
  }

  /**
   * Lets a task work on export files: `actions` on `exports/*` objects only (the tenant
   * prefix below it is enforced by the handlers' keys), and with `list` also
   * `s3:ListBucket`, so S3 answers 404 (not 403) for a missing object. Sets `EXPORTS_BUCKET`
   * and the other export settings on `fn`.
   */
  public grantFiles(fn: lambda.Function, actions: readonly ExportObjectAction[], list: boolean): void {
    this.addExportEnvironment(fn);
    if (actions.length) this.grantObjects(fn, actions);
    if (list) fn.addToRolePolicy(new iam.PolicyStatement({ actions: ['s3:ListBucket'], resources: [this.bucket.bucketArn] }));
  }

  private grantObjects(fn: lambda.Function, actions: readonly string[]): iam.Grant {
    const resource = `${EXPORT_KEY_PREFIX}*`;
    Validations.of(fn.role ?? fn).acknowledge({
      id: `AwsSolutions-IAM5[Resource::<${this.bucketLogicalId()}.Arn>/${resource}]`,
      reason: `${fn.node.id} works on export objects of any tenant (one state machine serves all); keys are built from the execution's tenant, and the grant is limited to ${actions.join(', ')} under ${resource}.`,
    });
    return iam.Grant.addToPrincipal({ grantee: fn, actions: [...actions], resourceArns: [this.bucket.arnForObjects(resource)] });
  }

  /**
   * `ses:SendEmail` as the sender only (`SENDER_EMAIL` set on `fn`). Granted on the address
   * identity and, limited to that From address, on its domain identity: SES authorizes
   * against the domain when the address itself is not (yet) verified but its domain is.
   */
  public grantSendEmail(fn: lambda.Function): void {
    fn.addEnvironment(ENV.senderEmail, this.senderEmail);
    // ARNs built from the address, not from the identity resource, which may not be created here.
    const identity = (name: string) => Stack.of(this).formatArn({ service: 'ses', resource: 'identity', resourceName: name });
    fn.addToRolePolicy(new iam.PolicyStatement({ actions: ['ses:SendEmail', 'ses:SendRawEmail'], resources: [identity(this.senderEmail)] }));
    fn.addToRolePolicy(
      new iam.PolicyStatement({
        actions: ['ses:SendEmail', 'ses:SendRawEmail'],
        resources: [identity(Fn.select(1, Fn.split('@', this.senderEmail)))],
        conditions: { StringEquals: { 'ses:FromAddress': this.senderEmail } },
      }),
    );
  }

  /** The state machine role's findings: X-Ray and log delivery need `*`; Lambda invoke covers versions. */
  private acknowledgeStateMachineRole(fns: ReadonlyMap<ExportTaskId, AuditFunction>): void {
    const role = this.stateMachine.role;
    Validations.of(role).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason: 'Step Functions X-Ray tracing (xray:PutTraceSegments, PutTelemetryRecords, GetSampling*) and CloudWatch Logs delivery (logs:CreateLogDelivery and related) support no resource-level permissions.',
    });
    for (const [taskId, fn] of fns) {
      const logicalId: string = Stack.of(this).resolve((fn.node.defaultChild as lambda.CfnFunction).logicalId);
      Validations.of(role).acknowledge({
        id: `AwsSolutions-IAM5[Resource::<${logicalId}.Arn>:*]`,
        reason: `The LambdaInvoke task may invoke any version or alias of ${taskId}, and nothing else.`,
      });
    }
  }

  private bucketLogicalId(): string {
    return Stack.of(this).resolve((this.bucket.node.defaultChild as s3.CfnBucket).logicalId);
  }
}

import { CfnOutput, CfnParameter, Stack, type StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import { Api } from './Api';
import { API_DEFAULTS, DEFAULT_LOG_RETENTION_DAYS, EXPORT_DEFAULTS, LOG_RETENTION_DAY_VALUES } from './defaults';
import { EventStore } from './EventStore';
import { ExportWorkflow } from './ExportWorkflow';
import { LiveStream } from './LiveStream';
import { ENV } from './catalogue';
import { NO_FRAMING } from '../lambdas/core/viewer';

/**
 * The serverless, multi-tenant audit log: DynamoDB storage ({@link EventStore}) behind an
 * HTTP API with a Lambda authorizer ({@link Api}), and CSV exports to S3 with a mailed
 * download link ({@link ExportWorkflow}).
 *
 * Ops tune it with CloudFormation parameters (`cdk deploy --parameters Name=value`, or a
 * stack update), no code change:
 *
 * | parameter | default | effect |
 * |---|---|---|
 * | `RetentionDays` | 90 | default retention of a tenant's events |
 * | `MaxRetentionDays` | 365 | upper bound of a tenant's retention override |
 * | `ShardCount` | 4 | write shards of a tenant's timeline |
 * | `TableClass` | STANDARD_INFREQUENT_ACCESS | DynamoDB table class of both tables |
 * | `ApiThrottleRateLimit` / `ApiThrottleBurstLimit` | 1000 / 2000 | stage throttling |
 * | `LogRetentionDays` | 30 | retention of function, state machine and access logs |
 * | `ExportLinkTtlHours` | 24 | lifetime of an export's download link (1..168: SigV4's 7-day cap) |
 * | `ExportRetentionDays` | 7 | days an export file is kept (links never outlive it) |
 * | `SenderEmail` | none: required | SES sender of export mails (verified, account out of the sandbox) |
 * | `CreateSenderIdentity` | true | create SenderEmail's SES identity (false: it, or its domain, already exists) |
 * | `ExportSignerKeySerial` | 1 | bump to rotate the key that signs download links |
 *
 * Outputs: `ApiUrl`, `EventsTableName`, `ControlTableName`, `CursorSecretArn`,
 * `ExportsBucketName`, `ExportStateMachineArn`.
 */
export class AuditLogStack extends Stack {
  /** The storage construct. */
  public readonly eventStore: EventStore;
  /** The HTTP API construct. */
  public readonly api: Api;
  /** The CSV export construct. */
  public readonly exportWorkflow: ExportWorkflow;
  /** The live stream (WebSocket API, Events-stream fan-out, revocation sweep). */
  public readonly liveStream: LiveStream;

  constructor(scope: Construct, id: string, props: StackProps = {}) {
    super(scope, id, {
      description: 'Serverless multi-tenant audit log: HTTP API, Lambda, DynamoDB, Step Functions, S3',
      ...props,
    });

    const retentionDays = new CfnParameter(this, 'RetentionDays', {
      type: 'Number',
      default: 90,
      minValue: 1,
      maxValue: 3650,
      description: 'Days an event is kept for a tenant without a retention override (must not exceed MaxRetentionDays). Applies to events written from then on.',
    });
    const maxRetentionDays = new CfnParameter(this, 'MaxRetentionDays', {
      type: 'Number',
      default: 365,
      minValue: 1,
      maxValue: 3650,
      description: 'Upper bound (days) for a tenant\'s retention override in PUT /v1/settings; also caps RetentionDays.',
    });
    const shardCount = new CfnParameter(this, 'ShardCount', {
      type: 'Number',
      default: 4,
      minValue: 1,
      maxValue: 64,
      description: 'Write shards of each tenant\'s timeline (about 1,000 writes/s per shard). Changing it never hides older events.',
    });
    const tableClass = new CfnParameter(this, 'TableClass', {
      type: 'String',
      default: 'STANDARD_INFREQUENT_ACCESS',
      allowedValues: ['STANDARD', 'STANDARD_INFREQUENT_ACCESS'],
      description: 'DynamoDB table class. STANDARD_INFREQUENT_ACCESS (default) stores data 60% cheaper and charges 25% more per request: audit data is written once, kept for months and read rarely, so it costs less overall (see BENCHMARKS.md). STANDARD suits small retention with heavy reads.',
    });
    const throttleRateLimit = new CfnParameter(this, 'ApiThrottleRateLimit', {
      type: 'Number',
      default: API_DEFAULTS.throttleRateLimit,
      minValue: 1,
      description: 'Steady-state requests per second the HTTP API accepts (all clients together) before answering 429.',
    });
    const throttleBurstLimit = new CfnParameter(this, 'ApiThrottleBurstLimit', {
      type: 'Number',
      default: API_DEFAULTS.throttleBurstLimit,
      minValue: 1,
      description: 'Request burst the HTTP API absorbs above the steady-state rate.',
    });
    const logRetentionDays = new CfnParameter(this, 'LogRetentionDays', {
      type: 'Number',
      default: DEFAULT_LOG_RETENTION_DAYS,
      allowedValues: LOG_RETENTION_DAY_VALUES.map(String),
      description: 'Days CloudWatch Logs keeps the functions\' logs, the export state machine\'s logs and the API access logs (a value CloudWatch Logs accepts).',
    });

    const exportLinkTtlHours = new CfnParameter(this, 'ExportLinkTtlHours', {
      type: 'Number',
      default: EXPORT_DEFAULTS.linkTtlHours,
      minValue: 1,
      maxValue: EXPORT_DEFAULTS.maxLinkTtlHours,
      description: 'Hours an export\'s download link works (at most 168: S3 presigned URLs live at most 7 days). A link never outlives the file (ExportRetentionDays).',
    });
    const exportRetentionDays = new CfnParameter(this, 'ExportRetentionDays', {
      type: 'Number',
      default: EXPORT_DEFAULTS.retentionDays,
      minValue: 1,
      maxValue: 3650,
      description: 'Days S3 keeps an export file before deleting it (lifecycle expiry); download links are capped at the file\'s remaining life.',
    });
    const senderEmail = new CfnParameter(this, 'SenderEmail', {
      type: 'String',
      allowedPattern: '^[^@\\s]+@[^@\\s]+\\.[^@\\s]+$',
      constraintDescription: 'must be an email address, e.g. audit@example.com',
      description: 'Address export mails are sent from, e.g. audit@example.com (required: --parameters SenderEmail=...). The stack creates its SES identity; the address (or its domain) must be verified in SES, and the account out of the SES sandbox to mail arbitrary recipients.',
    });
    const createSenderIdentity = new CfnParameter(this, 'CreateSenderIdentity', {
      type: 'String',
      default: 'true',
      allowedValues: ['true', 'false'],
      description: 'Create the SES identity of SenderEmail (true), or use one that already exists in the account, or its verified domain (false).',
    });
    const exportSignerKeySerial = new CfnParameter(this, 'ExportSignerKeySerial', {
      type: 'Number',
      default: EXPORT_DEFAULTS.signerKeySerial,
      minValue: 1,
      description: 'Serial of the access key that signs export download links; bump it to rotate the key (outstanding links stop working; GET /v1/exports/{id} issues fresh ones).',
    });

    const viewerFrameAncestors = new CfnParameter(this, 'ViewerFrameAncestors', {
      type: 'String',
      default: NO_FRAMING,
      allowedPattern: "^(('self'|'none'|https?://(\\*\\.)?[A-Za-z0-9.-]+(:[0-9]{1,5})?)( |$))+$",
      constraintDescription: "must be space-separated CSP sources: 'self', 'none', or http(s) origins such as https://app.example.com",
      description: "Who may show the web viewer (GET /viewer) in a frame: CSP frame-ancestors sources, e.g. \"'self' https://app.example.com\" to embed it in your app; 'none' (default) forbids framing.",
    });

    const environment = {
      [ENV.retentionDays]: retentionDays.valueAsString,
      [ENV.maxRetentionDays]: maxRetentionDays.valueAsString,
      [ENV.shardCount]: shardCount.valueAsString,
    };

    this.eventStore = new EventStore(this, 'EventStore', { tableClass: tableClass.valueAsString });

    this.exportWorkflow = new ExportWorkflow(this, 'ExportWorkflow', {
      eventStore: this.eventStore,
      environment,
      linkTtlHours: exportLinkTtlHours.valueAsNumber,
      retentionDays: exportRetentionDays.valueAsNumber,
      senderEmail: senderEmail.valueAsString,
      createSenderIdentity: createSenderIdentity.valueAsString,
      signerKeySerial: exportSignerKeySerial.valueAsNumber,
      logRetentionDays: logRetentionDays.valueAsNumber,
    });

    this.liveStream = new LiveStream(this, 'LiveStream', {
      eventStore: this.eventStore,
      environment,
      logRetentionDays: logRetentionDays.valueAsNumber,
    });

    this.api = new Api(this, 'Api', {
      eventStore: this.eventStore,
      exportWorkflow: this.exportWorkflow,
      liveStream: this.liveStream,
      environment,
      throttleRateLimit: throttleRateLimit.valueAsNumber,
      throttleBurstLimit: throttleBurstLimit.valueAsNumber,
      logRetentionDays: logRetentionDays.valueAsNumber,
      viewerFrameAncestors: viewerFrameAncestors.valueAsString,
    });

    new CfnOutput(this, 'ApiUrl', {
      value: this.api.url,
      description: 'Base URL of the HTTP API (append v1/...)',
    });
    new CfnOutput(this, 'ViewerUrl', {
      value: `${this.api.url}viewer`,
      description: 'The web viewer; sign in with a link from POST /v1/viewer-sessions, or paste a token',
    });
    new CfnOutput(this, 'StreamUrl', {
      value: this.liveStream.url,
      description: 'WebSocket URL of the live stream (clients connect with the URL POST /v1/stream-tickets returns)',
    });
    new CfnOutput(this, 'EventsTableName', {
      value: this.eventStore.eventsTable.tableName,
      description: 'DynamoDB table of audit events',
    });
    new CfnOutput(this, 'ControlTableName', {
      value: this.eventStore.controlTable.tableName,
      description: 'DynamoDB table of API tokens and tenant settings (used by the admin CLI)',
    });
    new CfnOutput(this, 'CursorSecretArn', {
      value: this.api.cursorSecret.secretArn,
      description: 'Secrets Manager secret that signs pagination cursors',
    });
    new CfnOutput(this, 'ExportsBucketName', {
      value: this.exportWorkflow.bucket.bucketName,
      description: 'S3 bucket of CSV export files',
    });
    new CfnOutput(this, 'ExportStateMachineArn', {
      value: this.exportWorkflow.stateMachine.stateMachineArn,
      description: 'Step Functions state machine that runs CSV exports',
    });
  }
}

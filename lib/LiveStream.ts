import { Duration, Stack, Validations } from 'aws-cdk-lib';
import { AccessLogFormat } from 'aws-cdk-lib/aws-apigateway';
import * as apigwv2 from 'aws-cdk-lib/aws-apigatewayv2';
import { WebSocketLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { DynamoEventSource, SqsDlq } from 'aws-cdk-lib/aws-lambda-event-sources';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import { LambdaInvoke } from 'aws-cdk-lib/aws-scheduler-targets';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import type { AuditFunction } from './AuditFunction';
import { ENV, type FunctionSpec, functionsOf } from './catalogue';
import type { EventStore } from './EventStore';
import { newLogGroup } from './defaults';
import { newCatalogueFunction } from './needs';

export interface LiveStreamProps {
  /** The Events table (its stream feeds the fan-out) and the Control table (tickets, connections). */
  readonly eventStore: EventStore;
  /** Configuration every function gets (stack parameters). @default - none */
  readonly environment?: Readonly<Record<string, string>>;
  /** Days to keep the functions' logs; may be a token. @default 30 */
  readonly logRetentionDays?: number;
  /** Steady-state message rate limit of the stage (messages/s); may be a token. @default 1000 */
  readonly throttleRateLimit?: number;
  /** Burst limit of the stage; may be a token. @default 2000 */
  readonly throttleBurstLimit?: number;
}

/**
 * The live stream: an API Gateway WebSocket API whose `$connect` accepts a single-use ticket
 * (issued by `POST /v1/stream-tickets`), whose messages subscribe with event filters, and a
 * DynamoDB Streams consumer on the Events table that sends each stored event to the matching
 * subscriptions of its tenant's connections (`PostToConnection`, bounded concurrency). A
 * minute schedule closes the connections of revoked or expired tokens. Every function comes
 * from the catalogue (`websocket`, `stream` and `schedule` triggers).
 *
 * The consumer's event source mapping retries a failing batch while bisecting it, then sends
 * the record that still fails to an SQS on-failure queue (so a poisoned record never blocks its
 * shard) and an alarm goes off on that queue.
 */
export class LiveStream extends Construct {
  public readonly webSocketApi: apigwv2.WebSocketApi;
  public readonly stage: apigwv2.WebSocketStage;
  /** `wss://{api}.execute-api.{region}.amazonaws.com/{stage}`: where clients connect (with `?ticket=`). */
  public readonly url: string;
  /** Records the fan-out gave up on (metadata only: shard, sequence numbers), kept 14 days. */
  public readonly failedRecords: sqs.Queue;
  /** Goes off when a record is given up on (its events reached no subscriber live; `receivedFrom` catch-up still lists them). */
  public readonly failedRecordsAlarm: cloudwatch.Alarm;
  /** The functions, by catalogue id. */
  public readonly functions: ReadonlyMap<string, AuditFunction>;

  constructor(scope: Construct, id: string, props: LiveStreamProps) {
    super(scope, id);
    const stageName = 'live';

    this.webSocketApi = new apigwv2.WebSocketApi(this, 'WebSocketApi', {
      apiName: `${Stack.of(this).stackName}-live`,
      description: 'Audit log live stream (connect with ?ticket= from POST /v1/stream-tickets)',
      routeSelectionExpression: '$request.body.action',
    });
    this.stage = new apigwv2.WebSocketStage(this, 'Stage', {
      webSocketApi: this.webSocketApi,
      stageName,
      autoDeploy: true,
      throttle: { rateLimit: props.throttleRateLimit ?? 1000, burstLimit: props.throttleBurstLimit ?? 2000 },
      accessLogSettings: {
        destination: new apigwv2.LogGroupLogDestination(newLogGroup(this, 'AccessLogs', props.logRetentionDays)),
        // Never the query string: it holds the (single-use) ticket.
        format: AccessLogFormat.custom(JSON.stringify({
          requestId: '$context.requestId', connectionId: '$context.connectionId', eventType: '$context.eventType', routeKey: '$context.routeKey',
          status: '$context.status', ip: '$context.identity.sourceIp', requestTime: '$context.requestTimeEpoch', error: '$context.error.message',
        })),
      },
    });
    this.url = this.stage.url;

    this.failedRecords = new sqs.Queue(this, 'FailedRecords', {
      retentionPeriod: Duration.days(14),
      enforceSSL: true,
      encryption: sqs.QueueEncryption.SQS_MANAGED,
    });
    Validations.of(this.failedRecords).acknowledge({
      id: 'AwsSolutions-SQS3',
      reason: 'This queue is itself the dead-letter destination (on-failure) of the Events-stream consumer; its messages are read by people, not re-driven.',
    });
    this.failedRecordsAlarm = new cloudwatch.Alarm(this, 'FailedRecordsAlarm', {
      alarmDescription: 'The live stream gave up on Events-stream records: their events reached no subscriber live (catch-up with receivedFrom still lists them). See the queue for the shard and sequence numbers.',
      metric: this.failedRecords.metricApproximateNumberOfMessagesVisible({ period: Duration.minutes(1) }),
      threshold: 1,
      evaluationPeriods: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });

    const functions = new Map<string, AuditFunction>();
    const create = (spec: FunctionSpec) => {
      const fn = newCatalogueFunction(this, spec, { eventStore: props.eventStore, liveStream: this }, {
        environment: props.environment,
        logRetentionDays: props.logRetentionDays,
      });
      functions.set(spec.id, fn);
      return fn;
    };

    const routeOptions = (spec: FunctionSpec) => ({ integration: new WebSocketLambdaIntegration(`${spec.id}Integration`, create(spec)) });
    for (const spec of functionsOf('websocket')) {
      const { route } = spec.trigger;
      if (route === '$default') {
        // Two-way: the function's answer (subscribed, pong, an error frame) goes back to the client as a frame.
        acknowledgeNoAuthorizer(this.webSocketApi.addRoute('$default', { ...routeOptions(spec), returnResponse: true }));
      } else {
        acknowledgeNoAuthorizer(this.webSocketApi.addRoute(route, routeOptions(spec)));
      }
    }

    for (const spec of functionsOf('stream')) {
      const fn = create(spec);
      const t = spec.trigger;
      fn.addEventSource(new DynamoEventSource(props.eventStore.eventsTable, {
        startingPosition: lambda.StartingPosition.LATEST,
        batchSize: t.batchSize,
        maxBatchingWindow: Duration.millis(t.maxBatchingWindowMs),
        bisectBatchOnError: true,
        retryAttempts: t.retryAttempts,
        // A live event older than this is no longer live: skip it rather than block the shard (catch-up lists it).
        maxRecordAge: Duration.hours(1),
        onFailure: new SqsDlq(this.failedRecords),
      }));
    }

    for (const spec of functionsOf('schedule')) {
      const fn = create(spec);
      const role = new iam.Role(this, `${spec.id}ScheduleRole`, { assumedBy: new iam.ServicePrincipal('scheduler.amazonaws.com') });
      new scheduler.Schedule(this, `${spec.id}Schedule`, {
        description: spec.description,
        schedule: scheduler.ScheduleExpression.rate(Duration.minutes(spec.trigger.everyMinutes)),
        target: new LambdaInvoke(fn, { role, retryAttempts: 0 }), // the next run redoes a failed one
      });
      const fnId: string = Stack.of(this).resolve((fn.node.defaultChild as lambda.CfnFunction).logicalId);
      Validations.of(role).acknowledge({
        id: `AwsSolutions-IAM5[Resource::<${fnId}.Arn>:*]`,
        reason: 'The schedule may invoke this one function (any version or alias of it); the target adds the wildcard.',
      });
    }
    this.functions = functions;
  }

  /** Lets `fn` hand out the stream's URL with tickets (`STREAM_URL`). */
  public grantStreamUrl(fn: lambda.Function): void {
    fn.addEnvironment(ENV.streamUrl, this.url);
  }

  /** Lets `fn` send to and close connections (`execute-api:ManageConnections` on this stage, `CONNECTIONS_ENDPOINT`). */
  public grantConnections(fn: lambda.Function): void {
    fn.addEnvironment(ENV.connectionsEndpoint, this.stage.callbackUrl);
    this.webSocketApi.grantManageConnections(fn);
    const apiId: string = Stack.of(this).resolve((this.webSocketApi.node.defaultChild as apigwv2.CfnApi).logicalId);
    Validations.of(fn.role ?? fn).acknowledge({
      id: `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:execute-api:<AWS::Region>:<AWS::AccountId>:<${apiId}>/*/*/@connections/*]`,
      reason: 'Connection ids are made by API Gateway as clients connect: the grant covers the @connections of this one WebSocket API.',
    });
  }
}

/**
 * The WebSocket routes have no API Gateway authorizer by design: `$connect`'s own function
 * checks the single-use ticket and answers 401, which refuses the upgrade; messages and
 * `$disconnect` come only from connections `$connect` accepted.
 */
function acknowledgeNoAuthorizer(route: apigwv2.WebSocketRoute): void {
  Validations.of(route).acknowledge({
    id: 'AwsSolutions-APIG4',
    reason: '$connect authenticates with a single-use ticket in its function (a 401 refuses the upgrade); other routes serve only connections it accepted.',
  });
}

import { RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type * as iam from 'aws-cdk-lib/aws-iam';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import { Construct } from 'constructs';
import { CONTROL_INDEX, CONTROL_TTL_ATTRIBUTE, INDEX_KEY, RECEIVED_INDEX, SORT_KEY, TTL_ATTRIBUTE } from '../lambdas/core/keys';
import { ENV, type TableAccess } from './catalogue';

/** Properties of the {@link EventStore}. */
export interface EventStoreProps {
  /**
   * DynamoDB table class of both tables: `STANDARD` or `STANDARD_INFREQUENT_ACCESS`.
   * A string so a `CfnParameter`'s `valueAsString` can be passed (the L2 enum cannot
   * take a token). Audit data is written once and read rarely, which is what
   * Standard-IA's cheaper storage and dearer requests are for.
   *
   * @default 'STANDARD'
   */
  readonly tableClass?: string;
}

/** Actions a writer of the append-only events table gets, on top of the read actions. */
const EVENT_WRITE_ACTIONS = ['dynamodb:PutItem', 'dynamodb:BatchWriteItem'];

/**
 * The audit log's storage: two DynamoDB tables (classic `AWS::DynamoDB::Table`, which the
 * local runner turns into CreateTable calls), on demand, encrypted with the AWS managed
 * key, with point-in-time recovery and deletion protection, retained when the stack goes.
 *
 * - **Events** (`pk` = `{tenant}#{eventId}`: get-by-id and idempotent puts): TTL on
 *   `expiresAt`, a `NEW_IMAGE` stream for later consumers, and the indexes of
 *   {@link INDEX_KEY}. Append-only: no grant includes `DeleteItem` or `UpdateItem`.
 * - **Control** (`pk`, `sk`): API tokens (as hashes) and tenant settings, with the
 *   `byTenant` index; no stream.
 *
 * Encryption uses the AWS managed key (`aws/dynamodb`) rather than a customer managed
 * one: key use is visible in CloudTrail, there is no key to administer or pay for, and
 * no function needs a KMS grant. A customer managed key adds cost and a failure mode
 * (key disabled = log unreadable) for no isolation a single-account stack needs.
 */
export class EventStore extends Construct {
  /** The events table. */
  public readonly eventsTable: dynamodb.Table;
  /** The control table (tokens, settings). */
  public readonly controlTable: dynamodb.Table;

  constructor(scope: Construct, id: string, props: EventStoreProps = {}) {
    super(scope, id);

    this.eventsTable = newTable(this, 'EventsTable', {
      partitionKey: { name: 'pk', type: dynamodb.AttributeType.STRING },
      timeToLiveAttribute: TTL_ATTRIBUTE,
      stream: dynamodb.StreamViewType.NEW_IMAGE,
    });
    for (const [indexName, partitionKey] of Object.entries(INDEX_KEY)) {
      this.eventsTable.addGlobalSecondaryIndex({
        indexName,
        partitionKey: { name: partitionKey, type: dynamodb.AttributeType.STRING },
        sortKey: { name: SORT_KEY, type: dynamodb.AttributeType.STRING },
        projectionType: dynamodb.ProjectionType.ALL,
      });
    }

    // Sparse: only late events carry its keys (see LATE_AFTER_MS), so on-time events pay no write for it.
    this.eventsTable.addGlobalSecondaryIndex({
      indexName: RECEIVED_INDEX.name,
      partitionKey: { name: RECEIVED_INDEX.partitionKey, type: dynamodb.AttributeType.STRING },
      sortKey: { name: RECEIVED_INDEX.sortKey, type: dynamodb.AttributeType.STRING },
      projectionType: dynamodb.ProjectionType.ALL,
    });

    this.controlTable = newTable(this, 'ControlTable', {
      partitionKey: { name: 'pk', type: dynamodb.AttributeType.STRING },
      sortKey: { name: 'sk', type: dynamodb.AttributeType.STRING },
      // Only short-lived records carry it (live-stream tickets and connections); tokens and settings never expire by TTL.
      timeToLiveAttribute: CONTROL_TTL_ATTRIBUTE,
    });
    this.controlTable.addGlobalSecondaryIndex({
      indexName: CONTROL_INDEX.name,
      partitionKey: { name: CONTROL_INDEX.partitionKey, type: dynamodb.AttributeType.STRING },
      sortKey: { name: CONTROL_INDEX.sortKey, type: dynamodb.AttributeType.STRING },
      projectionType: dynamodb.ProjectionType.ALL,
    });

    for (const table of [this.eventsTable, this.controlTable]) {
      (table.node.defaultChild as dynamodb.CfnTable).tableClass = props.tableClass ?? dynamodb.TableClass.STANDARD;
    }
  }

  /**
   * Lets `fn` use the events table and sets `EVENTS_TABLE` on it.
   *
   * `read`: get, query and scan the table and its indexes. `readWrite`: the same plus
   * `PutItem` and `BatchWriteItem`, never `UpdateItem` or `DeleteItem`: the log is
   * append-only, and expiry is TTL's job.
   */
  public grantEvents(fn: lambda.Function, access: TableAccess): iam.Grant {
    fn.addEnvironment(ENV.eventsTable, this.eventsTable.tableName);
    const grant = grantRead(fn, this.eventsTable);
    return access === 'readWrite' ? grant.combine(this.eventsTable.grant(fn, ...EVENT_WRITE_ACTIONS)) : grant;
  }

  /**
   * Lets `fn` use the control table and sets `CONTROL_TABLE` on it.
   *
   * `read`: get, query and scan the table and its index. `readWrite`: all data actions
   * (tokens are revoked and settings updated in place).
   */
  public grantControl(fn: lambda.Function, access: TableAccess): iam.Grant {
    fn.addEnvironment(ENV.controlTable, this.controlTable.tableName);
    if (access === 'read') return grantRead(fn, this.controlTable);
    acknowledgeIndexWildcard(fn, this.controlTable);
    return this.controlTable.grantReadWriteData(fn);
  }
}

function newTable(scope: Construct, id: string, props: dynamodb.TableProps): dynamodb.Table {
  return new dynamodb.Table(scope, id, {
    billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
    encryption: dynamodb.TableEncryption.AWS_MANAGED,
    pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
    deletionProtection: true,
    removalPolicy: RemovalPolicy.RETAIN,
    ...props,
  });
}

/** Read data actions on the table and all its indexes (`grantReadData` adds `<table>/index/*`). */
function grantRead(fn: lambda.Function, table: dynamodb.Table): iam.Grant {
  acknowledgeIndexWildcard(fn, table);
  return table.grantReadData(fn);
}

/**
 * cdk-nag flags the `<table arn>/index/*` resource that table grants add. It is scoped to
 * this one table's indexes, all of which the handler's queries may use; acknowledged on
 * the grantee's role, for exactly this table's finding.
 */
function acknowledgeIndexWildcard(fn: lambda.Function, table: dynamodb.Table): void {
  const cfnTable = table.node.defaultChild as dynamodb.CfnTable;
  const logicalId: string = Stack.of(table).resolve(cfnTable.logicalId);
  Validations.of(fn.role ?? fn).acknowledge({
    id: `AwsSolutions-IAM5[Resource::<${logicalId}.Arn>/index/*]`,
    reason: `Queries use the indexes of ${table.node.id}; the grant covers only that table's indexes.`,
  });
}

import { Match } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { ROUTES, routeKey } from '../../lib/catalogue';
import { actionsOnTable, functionOfRoute, logicalIdOf, ofType, statementsOf, synthStack, type Resource } from './synth';

type Synth = ReturnType<typeof synthStack>;

describe('EventStore', () => {
  let synth: Synth;
  let eventsId: string;
  let controlId: string;
  let events: Resource;
  let control: Resource;

  beforeAll(() => {
    // Prepare
    synth = synthStack();
    eventsId = logicalIdOf(synth.resources, 'AWS::DynamoDB::Table', 'EventStoreEventsTable');
    controlId = logicalIdOf(synth.resources, 'AWS::DynamoDB::Table', 'EventStoreControlTable');
    events = synth.resources[eventsId];
    control = synth.resources[controlId];
  });

  it('uses classic AWS::DynamoDB::Table resources (the local runner turns them into CreateTable calls)', () => {
    expect(ofType(synth.resources, 'AWS::DynamoDB::Table')).toHaveLength(2);
    expect(ofType(synth.resources, 'AWS::DynamoDB::GlobalTable')).toHaveLength(0);
  });

  it('keys events by pk only, expires them on expiresAt and streams new images', () => {
    expect(events.Properties.KeySchema).toEqual([{ AttributeName: 'pk', KeyType: 'HASH' }]);
    expect(events.Properties.TimeToLiveSpecification).toEqual({ AttributeName: 'expiresAt', Enabled: true });
    expect(events.Properties.StreamSpecification).toEqual({ StreamViewType: 'NEW_IMAGE' });
  });

  it.each([
    ['byTime', 'tp'],
    ['byActor', 'ap'],
    ['byResource', 'rp'],
    ['byProject', 'pp'],
  ])('indexes events %s on %s, sorted by s, projecting all', (indexName, partitionKey) => {
    const index = events.Properties.GlobalSecondaryIndexes.find((i: any) => i.IndexName === indexName);
    expect(index).toEqual({
      IndexName: indexName,
      KeySchema: [
        { AttributeName: partitionKey, KeyType: 'HASH' },
        { AttributeName: 's', KeyType: 'RANGE' },
      ],
      Projection: { ProjectionType: 'ALL' },
    });
  });

  it('has the four event indexes and the sparse late-event index, all string keys (every index an event is in costs a write)', () => {
    expect(events.Properties.GlobalSecondaryIndexes.map((i: { IndexName: string }) => i.IndexName).sort()).toEqual(['byActor', 'byProject', 'byReceived', 'byResource', 'byTime']);
    expect(events.Properties.AttributeDefinitions).toEqual(
      expect.arrayContaining(['pk', 's', 'tp', 'ap', 'rp', 'pp', 'lp', 'ls'].map((AttributeName) => ({ AttributeName, AttributeType: 'S' }))),
    );
  });

  it('keys the control table by pk + sk with a byTenant index and no stream', () => {
    expect(control.Properties.KeySchema).toEqual([
      { AttributeName: 'pk', KeyType: 'HASH' },
      { AttributeName: 'sk', KeyType: 'RANGE' },
    ]);
    expect(control.Properties.GlobalSecondaryIndexes).toEqual([
      {
        IndexName: 'byTenant',
        KeySchema: [
          { AttributeName: 'gp', KeyType: 'HASH' },
          { AttributeName: 'gs', KeyType: 'RANGE' },
        ],
        Projection: { ProjectionType: 'ALL' },
      },
    ]);
    expect(control.Properties.StreamSpecification).toBeUndefined();
  });

  it.each(['events', 'control'])('protects the %s table: on demand, PITR, SSE, deletion protection, retained', (name) => {
    const table = name === 'events' ? events : control;
    expect(table.Properties).toMatchObject({
      BillingMode: 'PAY_PER_REQUEST',
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
      SSESpecification: { SSEEnabled: true },
      DeletionProtectionEnabled: true,
    });
    expect(table).toMatchObject({ DeletionPolicy: 'Retain', UpdateReplacePolicy: 'Retain' });
  });

  it('takes the table class of both tables from the TableClass parameter', () => {
    synth.template.hasParameter('TableClass', {
      Type: 'String',
      Default: 'STANDARD_INFREQUENT_ACCESS',
      AllowedValues: ['STANDARD', 'STANDARD_INFREQUENT_ACCESS'],
    });
    expect(events.Properties.TableClass).toEqual({ Ref: 'TableClass' });
    expect(control.Properties.TableClass).toEqual({ Ref: 'TableClass' });
  });

  describe('grants (least privilege)', () => {
    const WRITES = ['dynamodb:PutItem', 'dynamodb:BatchWriteItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem'];

    it('gives read-only routes no write action on the events table', () => {
      // Prepare
      const readers = ROUTES.filter((r) => r.needs.events === 'read');
      expect(readers.map((r) => r.id)).toContain('ListEvents');
      for (const route of readers) {
        // Act
        const actions = actionsOnTable(statementsOf(synth.resources, functionOfRoute(synth.resources, routeKey(route))), eventsId);
        // Assess
        expect(actions, route.id).toContain('dynamodb:Query');
        expect([...actions].filter((a) => WRITES.includes(a) || a.includes('*')), route.id).toEqual([]);
      }
    });

    it('lets writers put and batch-write events, never update or delete them (append-only)', () => {
      const ingest = actionsOnTable(statementsOf(synth.resources, functionOfRoute(synth.resources, 'POST /v1/events')), eventsId);
      expect(ingest).toContain('dynamodb:PutItem');
      expect(ingest).toContain('dynamodb:BatchWriteItem');
    });

    it('gives no function dynamodb:DeleteItem or UpdateItem on the events table', () => {
      for (const [fnId] of ofType(synth.resources, 'AWS::Lambda::Function')) {
        const actions = actionsOnTable(statementsOf(synth.resources, fnId), eventsId);
        expect([...actions].filter((a) => ['dynamodb:DeleteItem', 'dynamodb:UpdateItem'].includes(a) || a.includes('*')), fnId).toEqual([]);
      }
    });

    it('gives routes without a table in their spec no access to it at all', () => {
      for (const route of ROUTES) {
        const statements = statementsOf(synth.resources, functionOfRoute(synth.resources, routeKey(route)));
        if (!route.needs.events) expect(actionsOnTable(statements, eventsId).size, `${route.id} on events`).toBe(0);
        if (!route.needs.control) expect(actionsOnTable(statements, controlId).size, `${route.id} on control`).toBe(0);
      }
      expect(actionsOnTable(statementsOf(synth.resources, functionOfRoute(synth.resources, 'GET /v1/settings')), eventsId).size).toBe(0);
    });

    it('sets EVENTS_TABLE / CONTROL_TABLE exactly where access was granted', () => {
      for (const route of ROUTES) {
        const fn = synth.resources[functionOfRoute(synth.resources, routeKey(route))];
        const vars = fn.Properties.Environment.Variables;
        expect(vars.EVENTS_TABLE, route.id).toEqual(route.needs.events ? { Ref: eventsId } : undefined);
        expect(vars.CONTROL_TABLE, route.id).toEqual(route.needs.control ? { Ref: controlId } : undefined);
      }
    });

    it('scopes table statements to the table and its own indexes', () => {
      synth.template.hasResourceProperties('AWS::IAM::Policy', {
        PolicyDocument: {
          Statement: Match.arrayWith([
            Match.objectLike({
              Action: Match.arrayWith(['dynamodb:Query']),
              Resource: [{ 'Fn::GetAtt': [eventsId, 'Arn'] }, { 'Fn::Join': ['', [{ 'Fn::GetAtt': [eventsId, 'Arn'] }, '/index/*']] }],
            }),
          ]),
        },
      });
    });
  });
});

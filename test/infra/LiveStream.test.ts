/**
 * The live stream's infrastructure (lib/LiveStream.ts) as synthesized in the whole stack:
 * the WebSocket API and its routes, the Events-stream consumer's event source mapping, the
 * revocation schedule, least-privilege grants, the output.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { functionsOf } from '../../lib/catalogue';
import { CONTROL_TTL_ATTRIBUTE } from '../../lambdas/core/keys';
import { actionsOnTable, logicalIdOf, ofType, statementsOf, synthStack } from './synth';

type Synth = ReturnType<typeof synthStack>;

describe('LiveStream', () => {
  let synth: Synth;
  let eventsTable: string;
  let controlTable: string;
  /** Function logical id by catalogue id (from the template metadata). */
  let fnOf: (id: string) => string;

  beforeAll(() => {
    synth = synthStack();
    eventsTable = logicalIdOf(synth.resources, 'AWS::DynamoDB::Table', 'EventStoreEventsTable');
    controlTable = logicalIdOf(synth.resources, 'AWS::DynamoDB::Table', 'EventStoreControlTable');
    fnOf = (id) => {
      const found = ofType(synth.resources, 'AWS::Lambda::Function').find(([, r]) => (r as { Metadata?: Record<string, unknown> }).Metadata?.AuditLogFunction === id);
      if (!found) throw new Error(`no function ${id}`);
      return found[0];
    };
  });

  it('is a WebSocket API routed by action with $connect, $disconnect and a two-way $default, each on its catalogue function', () => {
    synth.template.hasResourceProperties('AWS::ApiGatewayV2::Api', { ProtocolType: 'WEBSOCKET', RouteSelectionExpression: '$request.body.action' });
    const routes = ofType(synth.resources, 'AWS::ApiGatewayV2::Route').filter(([, r]) => String(r.Properties.RouteKey).startsWith('$'));
    expect(routes.map(([, r]) => r.Properties.RouteKey).sort()).toEqual(functionsOf('websocket').map((f) => f.trigger.route).sort());
    const defaultRoute = routes.find(([, r]) => r.Properties.RouteKey === '$default')!;
    expect(defaultRoute[1].Properties.RouteResponseSelectionExpression).toBe('$default');
  });

  it('logs connections without the query string (it holds the ticket)', () => {
    const [[, stage]] = ofType(synth.resources, 'AWS::ApiGatewayV2::Stage').filter(([, r]) => r.Properties.StageName === 'live');
    const format = stage.Properties.AccessLogSettings.Format as string;
    expect(JSON.parse(format)).toMatchObject({ connectionId: '$context.connectionId', eventType: '$context.eventType' });
    expect(format).not.toMatch(/querystring|ticket/i);
  });

  it('consumes the Events stream from LATEST with bisecting, bounded retries and an SQS on-failure destination', () => {
    const consumer = fnOf('StreamFanOut');
    const [[, mapping]] = ofType(synth.resources, 'AWS::Lambda::EventSourceMapping').filter(([, r]) => r.Properties.FunctionName.Ref === consumer);
    expect(mapping.Properties).toMatchObject({
      StartingPosition: 'LATEST', BatchSize: 100, BisectBatchOnFunctionError: true, MaximumRetryAttempts: 3, MaximumRecordAgeInSeconds: 3600,
      EventSourceArn: { 'Fn::GetAtt': [eventsTable, 'StreamArn'] },
      DestinationConfig: { OnFailure: { Destination: { 'Fn::GetAtt': [logicalIdOf(synth.resources, 'AWS::SQS::Queue', 'LiveStreamFailedRecords'), 'Arn'] } } },
    });
    synth.template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'ApproximateNumberOfMessagesVisible', Threshold: 1,
    });
  });

  it('runs the revocation sweep every minute', () => {
    synth.template.hasResourceProperties('AWS::Scheduler::Schedule', {
      ScheduleExpression: 'rate(1 minute)',
      Target: { Arn: { 'Fn::GetAtt': [fnOf('StreamSweep'), 'Arn'] } },
    });
  });

  it('grants @connections only to the functions that post or close, on this API only', () => {
    const manages = (id: string) => statementsOf(synth.resources, fnOf(id)).some((s) => s.Action.includes('execute-api:ManageConnections'));
    expect(['StreamFanOut', 'StreamSweep'].filter(manages)).toEqual(['StreamFanOut', 'StreamSweep']);
    expect(['StreamConnect', 'StreamDisconnect', 'StreamMessage', 'CreateStreamTicket'].filter(manages)).toEqual([]);
    const apiId = logicalIdOf(synth.resources, 'AWS::ApiGatewayV2::Api', 'LiveStreamWebSocketApi');
    const resources = statementsOf(synth.resources, fnOf('StreamFanOut')).filter((s) => s.Action.includes('execute-api:ManageConnections')).flatMap((s) => s.Resource);
    for (const r of resources) expect(JSON.stringify(r)).toContain(apiId);
  });

  it('lets no live-stream function touch the Events table (the consumer gets records from the stream)', () => {
    for (const f of [...functionsOf('websocket'), ...functionsOf('stream'), ...functionsOf('schedule')]) {
      const actions = actionsOnTable(statementsOf(synth.resources, fnOf(f.id)), eventsTable);
      expect([...actions].filter((a) => !a.startsWith('dynamodb:GetRecords') && !a.startsWith('dynamodb:GetShardIterator') && !a.startsWith('dynamodb:DescribeStream') && !a.startsWith('dynamodb:ListStreams')), f.id).toEqual([]);
      expect(actionsOnTable(statementsOf(synth.resources, fnOf(f.id)), controlTable).size, f.id).toBeGreaterThan(0);
    }
  });

  it('expires tickets and connections by TTL on the Control table, and outputs StreamUrl', () => {
    expect(synth.resources[controlTable].Properties.TimeToLiveSpecification).toEqual({ AttributeName: CONTROL_TTL_ATTRIBUTE, Enabled: true });
    synth.template.hasOutput('StreamUrl', {});
  });
});

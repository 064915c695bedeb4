import { App, Stack } from 'aws-cdk-lib';
import { Match } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { Api } from '../../lib/Api';
import { EventStore } from '../../lib/EventStore';
import { ROUTES, routeKey } from '../../lib/catalogue';
import { ENV } from '../../lib/catalogue';
import { actionsOnTable, functionOfRoute, functionReferencedBy, logicalIdOf, ofType, statementsOf, synthStack } from './synth';

type Synth = ReturnType<typeof synthStack>;

describe('Api', () => {
  let synth: Synth;
  let authorizerId: string;
  let authorizerFnId: string;

  beforeAll(() => {
    synth = synthStack();
    authorizerId = logicalIdOf(synth.resources, 'AWS::ApiGatewayV2::Authorizer', 'ApiHttpApiTokenAuthorizer');
    authorizerFnId = functionReferencedBy(synth.resources[authorizerId].Properties.AuthorizerUri);
  });

  it('is an HTTP API (API Gateway v2), not a REST API', () => {
    // Two API Gateway v2 APIs: this HTTP API and the live stream's WebSocket API (LiveStream.test.ts).
    expect(ofType(synth.resources, 'AWS::ApiGatewayV2::Api').map(([, r]) => r.Properties.ProtocolType).sort()).toEqual(['HTTP', 'WEBSOCKET']);
    synth.template.resourceCountIs('AWS::ApiGateway::RestApi', 0);
  });

  it('has one route per RouteSpec, each with its own function', () => {
    const routeKeys = ofType(synth.resources, 'AWS::ApiGatewayV2::Route').map(([, r]) => r.Properties.RouteKey).filter((k: string) => !k.startsWith('$'));
    expect(routeKeys.sort()).toEqual(ROUTES.map((r) => routeKey(r)).sort());
    const functions = new Set(ROUTES.map((r) => functionOfRoute(synth.resources, routeKey(r))));
    expect(functions.size).toBe(ROUTES.length);
    expect(functions.has(authorizerFnId)).toBe(false);
  });

  it('uses a cached Lambda authorizer on the Authorization header with simple responses', () => {
    expect(synth.resources[authorizerId].Properties).toMatchObject({
      AuthorizerType: 'REQUEST',
      AuthorizerPayloadFormatVersion: '2.0',
      EnableSimpleResponses: true,
      IdentitySource: ['$request.header.Authorization'],
      AuthorizerResultTtlInSeconds: 30,
    });
  });

  it.each(ROUTES.filter((r) => !r.trigger.public).map((r) => [routeKey(r)]))('protects %s with the authorizer', (routeKey) => {
    synth.template.hasResourceProperties('AWS::ApiGatewayV2::Route', {
      RouteKey: routeKey,
      AuthorizationType: 'CUSTOM',
      AuthorizerId: { Ref: authorizerId },
    });
  });

  it.each(ROUTES.filter((r) => r.trigger.public).map((r) => [routeKey(r)]))('leaves public route %s open', (routeKey) => {
    synth.template.hasResourceProperties('AWS::ApiGatewayV2::Route', {
      RouteKey: routeKey,
      AuthorizationType: 'NONE',
      AuthorizerId: Match.absent(),
    });
  });

  it('gives the authorizer read access to the control table only, and a 25 s token cache', () => {
    const controlId = logicalIdOf(synth.resources, 'AWS::DynamoDB::Table', 'EventStoreControlTable');
    const eventsId = logicalIdOf(synth.resources, 'AWS::DynamoDB::Table', 'EventStoreEventsTable');
    const statements = statementsOf(synth.resources, authorizerFnId);
    expect(actionsOnTable(statements, controlId)).toContain('dynamodb:GetItem');
    expect([...actionsOnTable(statements, controlId)].filter((a) => /Put|Update|Delete|Write/.test(a))).toEqual([]);
    expect(actionsOnTable(statements, eventsId).size).toBe(0);
    const vars = synth.resources[authorizerFnId].Properties.Environment.Variables;
    expect(vars).toMatchObject({ TOKEN_CACHE_SECONDS: '25', CONTROL_TABLE: { Ref: controlId } });
    expect(vars[ENV.cursorSecret]).toBeUndefined();
  });

  it.each(ROUTES.map((r) => [r.id, routeKey(r)]))('wires the stack parameters into %s', (_id, routeKey) => {
    const vars = synth.resources[functionOfRoute(synth.resources, routeKey)].Properties.Environment.Variables;
    expect(vars[ENV.retentionDays]).toEqual({ Ref: 'RetentionDays' });
    expect(vars[ENV.maxRetentionDays]).toEqual({ Ref: 'MaxRetentionDays' });
    expect(vars[ENV.shardCount]).toEqual({ Ref: 'ShardCount' });
  });

  it('passes the cursor secret as a deploy-time dynamic reference, never as a literal', () => {
    const secretId = logicalIdOf(synth.resources, 'AWS::SecretsManager::Secret', 'ApiCursorSecret');
    expect(synth.resources[secretId].Properties.GenerateSecretString).toMatchObject({ PasswordLength: 48, ExcludePunctuation: true });
    for (const route of ROUTES) {
      const vars = synth.resources[functionOfRoute(synth.resources, routeKey(route))].Properties.Environment.Variables;
      expect(vars[ENV.cursorSecret], route.id).toEqual({
        'Fn::Join': ['', ['{{resolve:secretsmanager:', { Ref: secretId }, ':SecretString:::}}']],
      });
    }
  });

  it('throttles the $default stage with the ApiThrottle* parameters', () => {
    synth.template.hasResourceProperties('AWS::ApiGatewayV2::Stage', {
      StageName: '$default',
      AutoDeploy: true,
      DefaultRouteSettings: {
        ThrottlingRateLimit: { Ref: 'ApiThrottleRateLimit' },
        ThrottlingBurstLimit: { Ref: 'ApiThrottleBurstLimit' },
      },
    });
  });

  it('writes JSON access logs with the request id and never the Authorization header', () => {
    const [[, stage]] = ofType(synth.resources, 'AWS::ApiGatewayV2::Stage').filter(([, r]) => r.Properties.StageName === '$default');
    const settings = stage.Properties.AccessLogSettings;
    expect(settings.DestinationArn['Fn::GetAtt'][0]).toMatch(/^ApiAccessLogs/);
    const format = JSON.parse(settings.Format);
    expect(format.requestId).toBe('$context.requestId');
    expect(settings.Format).not.toMatch(/authorization/i);
    synth.template.hasResourceProperties('AWS::Logs::LogGroup', {
      RetentionInDays: { Ref: 'LogRetentionDays' },
    });
  });

  it('allows browsers to call it with a bearer token from any origin (no credentials)', () => {
    synth.template.hasResourceProperties('AWS::ApiGatewayV2::Api', {
      CorsConfiguration: {
        AllowOrigins: ['*'],
        AllowMethods: Match.arrayWith(['GET', 'POST', 'PUT', 'DELETE']),
        AllowHeaders: ['Authorization', 'Content-Type'],
        AllowCredentials: Match.absent(),
      },
    });
  });

  it('refuses a route that declares exports when no export workflow is given', () => {
    // Prepare
    const stack = new Stack(new App({ context: { 'aws:cdk:bundling-stacks': [] } }), 'Test');
    const eventStore = new EventStore(stack, 'Store');
    const routes = ROUTES.filter((r) => r.id === 'GetExport');
    // Act
    const build = () => new Api(stack, 'Api', { eventStore, routes });
    // Assess
    expect(build).toThrow(/GetExport.*exportWorkflow/);
  });

  describe('web viewer', () => {
    it.each(['GET /viewer', 'GET /viewer/{file+}'])('serves %s from a function with the built viewer, the stream URL and the frame-ancestors parameter, and no table access', (key) => {
      // Prepare
      const fnId = functionOfRoute(synth.resources, key);
      const vars = synth.resources[fnId].Properties.Environment.Variables;

      // Assess
      expect(vars[ENV.viewerAssetsDir]).toBe('/var/task/viewer');
      expect(vars[ENV.viewerFrameAncestors]).toEqual({ Ref: 'ViewerFrameAncestors' });
      expect(vars[ENV.streamUrl]).toBeDefined();
      expect(statementsOf(synth.resources, fnId).flatMap((s) => s.Action).filter((a) => a.startsWith('dynamodb:'))).toEqual([]);
    });

    it("defaults ViewerFrameAncestors to 'none' and checks its sources", () => {
      const parameter = synth.template.toJSON().Parameters.ViewerFrameAncestors;
      expect(parameter.Default).toBe("'none'");
      const pattern = new RegExp(parameter.AllowedPattern);
      for (const ok of ["'none'", "'self' https://app.example.com", 'https://*.example.org:8443']) expect(ok).toMatch(pattern);
      for (const bad of ['*', "'unsafe-inline'", 'https://a.example.com; script-src *', '']) expect(bad).not.toMatch(pattern);
    });
  });
});

import { App, Duration, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { AuditFunction } from '../../lib/AuditFunction';
import { ofType, statementsOf, synthStack } from './synth';

type Synth = ReturnType<typeof synthStack>;

describe('AuditFunction', () => {
  describe('every function of the stack', () => {
    let synth: Synth;
    let functions: Array<[string, Synth['resources'][string]]>;

    beforeAll(() => {
      synth = synthStack();
      functions = ofType(synth.resources, 'AWS::Lambda::Function');
    });

    it('exists: one per route plus the authorizer', () => {
      expect(functions.length).toBeGreaterThanOrEqual(2);
    });

    it('runs Node.js 22 on arm64 with active tracing', () => {
      for (const [id, fn] of functions) {
        expect(fn.Properties, id).toMatchObject({ Runtime: 'nodejs22.x', Architectures: ['arm64'], TracingConfig: { Mode: 'Active' } });
      }
    });

    it('has the Powertools environment, and no run-time source-map parsing slowing cold starts', () => {
      for (const [id, fn] of functions) {
        expect(fn.Properties.Environment.Variables, id).toMatchObject({
          POWERTOOLS_SERVICE_NAME: 'audit-log',
          POWERTOOLS_METRICS_NAMESPACE: 'AuditLog',
          POWERTOOLS_LOG_LEVEL: 'INFO',
        });
        expect(fn.Properties.Environment.Variables.NODE_OPTIONS, id).toBeUndefined();
      }
    });

    it('logs to its own log group, whose retention is the LogRetentionDays parameter', () => {
      for (const [id, fn] of functions) {
        const logGroupId = fn.Properties.LoggingConfig.LogGroup.Ref as string;
        expect(synth.resources[logGroupId].Properties.RetentionInDays, id).toEqual({ Ref: 'LogRetentionDays' });
      }
    });

    it('may write only to its own log group: no AWS managed policy, no logs:* on *', () => {
      for (const [id, fn] of functions) {
        const roleId = fn.Properties.Role['Fn::GetAtt'][0] as string;
        expect(synth.resources[roleId].Properties.ManagedPolicyArns, id).toBeUndefined();
        const logStatements = statementsOf(synth.resources, id).filter((s) => s.Action.some((a) => a.startsWith('logs:')));
        expect(logStatements, id).toEqual([
          { Effect: 'Allow', Action: ['logs:CreateLogStream', 'logs:PutLogEvents'], Resource: [{ 'Fn::GetAtt': [fn.Properties.LoggingConfig.LogGroup.Ref, 'Arn'] }] },
        ]);
      }
    });
  });

  describe('defaults and props', () => {
    const build = (props: Partial<ConstructorParameters<typeof AuditFunction>[2]> = {}) => {
      const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
      const stack = new Stack(app, 'Test');
      new AuditFunction(stack, 'Fn', { entry: 'lambdas/docs/openapi.ts', ...props });
      return Template.fromStack(stack);
    };

    it('defaults to 1 GB, 10 s, service audit-log and 30 days of logs', () => {
      // Act
      const template = build();
      // Assess
      template.hasResourceProperties('AWS::Lambda::Function', {
        MemorySize: 1024,
        Timeout: 10,
        Handler: 'index.handler',
        Environment: { Variables: { POWERTOOLS_SERVICE_NAME: 'audit-log' } },
      });
      template.hasResourceProperties('AWS::Logs::LogGroup', { RetentionInDays: 30 });
    });

    it('takes memory, timeout, service name, environment and log retention from props', () => {
      const template = build({
        memorySize: 512,
        timeout: Duration.seconds(3),
        serviceName: 'other',
        environment: { FOO: 'bar' },
        logRetentionDays: 7,
      });
      template.hasResourceProperties('AWS::Lambda::Function', {
        MemorySize: 512,
        Timeout: 3,
        Environment: { Variables: { POWERTOOLS_SERVICE_NAME: 'other', FOO: 'bar' } },
      });
      template.hasResourceProperties('AWS::Logs::LogGroup', { RetentionInDays: 7 });
    });
  });
});

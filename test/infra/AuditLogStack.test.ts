import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { App, Stack, Validations } from 'aws-cdk-lib';
import { Match } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import type { IConstruct } from 'constructs';
import { beforeAll, describe, expect, it } from 'vitest';
import { AuditLogStack } from '../../lib/AuditLogStack';
import { logicalIdOf, ofType, synthStack } from './synth';

type Synth = ReturnType<typeof synthStack>;

describe('AuditLogStack', () => {
  describe('parameters and outputs', () => {
    let synth: Synth;

    beforeAll(() => {
      synth = synthStack();
    });

    it.each([
      ['RetentionDays', 90, 1, 3650],
      ['MaxRetentionDays', 365, 1, 3650],
      ['ShardCount', 4, 1, 64],
    ])('declares %s (Number, default %i, %i..%i)', (name, Default, MinValue, MaxValue) => {
      synth.template.hasParameter(name, { Type: 'Number', Default, MinValue, MaxValue, Description: Match.stringLikeRegexp('.{20,}') });
    });

    it.each([
      ['ApiThrottleRateLimit', 1000],
      ['ApiThrottleBurstLimit', 2000],
      ['LogRetentionDays', 30],
    ])('declares %s (Number, default %i)', (name, Default) => {
      synth.template.hasParameter(name, { Type: 'Number', Default, Description: Match.stringLikeRegexp('.{20,}') });
    });

    it('accepts only retention values CloudWatch Logs supports for LogRetentionDays', () => {
      synth.template.hasParameter('LogRetentionDays', { AllowedValues: Match.arrayWith(['1', '30', '365', '3653']) });
    });

    it('describes every parameter', () => {
      for (const [name, parameter] of Object.entries<any>(synth.template.toJSON().Parameters)) {
        expect(parameter.Description, name).toBeTruthy();
      }
    });

    it('outputs the API URL and the table names', () => {
      const eventsId = logicalIdOf(synth.resources, 'AWS::DynamoDB::Table', 'EventStoreEventsTable');
      const controlId = logicalIdOf(synth.resources, 'AWS::DynamoDB::Table', 'EventStoreControlTable');
      const apiId = logicalIdOf(synth.resources, 'AWS::ApiGatewayV2::Api', 'ApiHttpApi');
      synth.template.hasOutput('ApiUrl', {
        Value: { 'Fn::Join': ['', ['https://', { Ref: apiId }, '.execute-api.', { Ref: 'AWS::Region' }, '.', { Ref: 'AWS::URLSuffix' }, '/']] },
      });
      synth.template.hasOutput('EventsTableName', { Value: { Ref: eventsId } });
      synth.template.hasOutput('ControlTableName', { Value: { Ref: controlId } });
      synth.template.hasOutput('CursorSecretArn', { Value: { Ref: Match.stringLikeRegexp('^ApiCursorSecret') } });
      synth.template.hasOutput('ExportsBucketName', { Value: { Ref: Match.stringLikeRegexp('^ExportWorkflowExportsBucket') } });
      synth.template.hasOutput('ExportStateMachineArn', { Value: { Ref: Match.stringLikeRegexp('^ExportWorkflowExportStateMachine') } });
    });
  });

  describe('synthesized as bin/app.ts does (bundled, with cdk-nag)', () => {
    let app: App;
    let stack: AuditLogStack;
    let pack: AwsSolutionsChecks;
    let assemblyDir: string;
    let template: { Resources: Record<string, any> };

    beforeAll(() => {
      // Prepare
      app = new App();
      stack = new AuditLogStack(app, 'AuditLog');
      pack = new AwsSolutionsChecks(app);
      Validations.of(app).addPlugins(pack);
      // Act: synth runs the validation plugins and throws on an unacknowledged finding
      const assembly = app.synth();
      assemblyDir = assembly.directory;
      template = assembly.getStackByName('AuditLog').template;
    });

    it('has zero unacknowledged AwsSolutions findings (errors or warnings)', () => {
      const report = pack.validateScope(app);
      const findings = report.violations.map((v) => `${v.ruleName} (${v.severity}) at ${v.violatingResources.map((r) => r.constructPath).join(', ')}`);
      expect(findings).toEqual([]);
    });

    it('acknowledges findings only on resources, each with a reason', () => {
      const acknowledgments: Array<{ path: string; id: string; reason: string }> = [];
      const walk = (c: IConstruct): void => {
        for (const entry of c.node.metadata) {
          if (entry.type !== Validations.ACKNOWLEDGED_RULES_METADATA_KEY) continue;
          for (const [id, reason] of Object.entries(entry.data as Record<string, string>)) {
            acknowledgments.push({ path: c.node.path, id, reason });
          }
        }
        c.node.children.forEach(walk);
      };
      walk(app);
      expect(acknowledgments.length).toBeGreaterThan(0);
      for (const a of acknowledgments) {
        expect(a.path, a.id).not.toBe(stack.node.path);
        expect(Stack.isStack(app.node.tryFindChild(a.path)), a.path).toBe(false);
        expect(a.reason.length, `${a.path} ${a.id}`).toBeGreaterThan(40);
      }
    });

    it('bundles every function into one ESM file with a source map', () => {
      const functions = ofType(template.Resources, 'AWS::Lambda::Function');
      expect(functions.length).toBeGreaterThan(0);
      for (const [id, fn] of functions) {
        const assetHash = String(fn.Properties.Code.S3Key).replace(/\.zip$/, '');
        const assetDir = join(assemblyDir, `asset.${assetHash}`);
        expect(existsSync(join(assetDir, 'index.mjs')), id).toBe(true);
        expect(existsSync(join(assetDir, 'index.mjs.map')), id).toBe(true);
        expect(statSync(join(assetDir, 'index.mjs')).size, id).toBeGreaterThan(0);
      }
    });

    it("replaces the SDK's default credential chain with the environment provider (esbuild alias)", () => {
      for (const [id, fn] of ofType(template.Resources, 'AWS::Lambda::Function')) {
        const assetHash = String(fn.Properties.Code.S3Key).replace(/\.zip$/, '');
        const bundle = readFileSync(join(assemblyDir, `asset.${assetHash}`, 'index.mjs'), 'utf8');
        // Strings only the SSO / process providers of @aws-sdk/credential-provider-node carry.
        expect(bundle.includes('sso_start_url') || bundle.includes('credential_process'), id).toBe(false);
      }
    });
  });
});

import { App, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { EventStore } from '../../lib/EventStore';
import { ExportWorkflow } from '../../lib/ExportWorkflow';
import { functionsOf, ROUTES, routeKey } from '../../lib/catalogue';
import type { ExportTaskId } from '../../lib/ExportWorkflow';
import { ENV } from '../../lib/catalogue';

const EXPORT_TASK_IDS = functionsOf('task').filter((f) => f.trigger.workflow === 'export').map((f) => f.id);
import { functionOfRoute, logicalIdOf, ofType, statementsOf, synthStack, type Resource, type Statement } from './synth';

type Synth = ReturnType<typeof synthStack>;

/** A state of the Amazon States Language definition, loosely typed. */
type State = Record<string, any>;

/**
 * The state machine's definition as JSON: the `DefinitionString` is an `Fn::Join` of
 * literal text and `Fn::GetAtt`s of the task functions, which become `<logicalId>.Arn`.
 */
function definitionOf(stateMachine: Resource): { StartAt: string; TimeoutSeconds: number; States: Record<string, State> } {
  const [separator, parts] = stateMachine.Properties.DefinitionString['Fn::Join'] as [string, unknown[]];
  const text = parts
    .map((part) => {
      if (typeof part === 'string') return part;
      const getAtt = (part as { 'Fn::GetAtt'?: [string, string] })['Fn::GetAtt'];
      if (!getAtt) throw new Error(`Unexpected token in the definition: ${JSON.stringify(part)}`);
      return `<${getAtt[0]}.${getAtt[1]}>`;
    })
    .join(separator);
  return JSON.parse(text);
}

/** The S3 actions `statements` allow, with the resources they name (stringified). */
function s3Actions(statements: Statement[]): { actions: string[]; resources: string[] } {
  const onS3 = statements.filter((s) => s.Action.some((a) => a.startsWith('s3:') && a !== 's3:ListBucket'));
  return { actions: onS3.flatMap((s) => s.Action).sort(), resources: onS3.flatMap((s) => s.Resource.map((r) => JSON.stringify(r))) };
}

const RETRY_ALL = { ErrorEquals: ['States.ALL'], IntervalSeconds: 2, BackoffRate: 2, JitterStrategy: 'FULL' };

describe('ExportWorkflow', () => {
  let synth: Synth;
  let bucketId: string;
  let stateMachineId: string;
  let definition: ReturnType<typeof definitionOf>;
  let taskFn: Record<ExportTaskId, string>;

  beforeAll(() => {
    // Prepare
    synth = synthStack();
    bucketId = logicalIdOf(synth.resources, 'AWS::S3::Bucket', 'ExportWorkflowExportsBucket');
    stateMachineId = logicalIdOf(synth.resources, 'AWS::StepFunctions::StateMachine', 'ExportWorkflowExportStateMachine');
    definition = definitionOf(synth.resources[stateMachineId]);
    taskFn = Object.fromEntries(
      EXPORT_TASK_IDS.map((id) => [id, logicalIdOf(synth.resources, 'AWS::Lambda::Function', `ExportWorkflow${id}`)]),
    ) as Record<ExportTaskId, string>;
  });

  const exportObjects = () => JSON.stringify({ 'Fn::Join': ['', [{ 'Fn::GetAtt': [bucketId, 'Arn'] }, '/exports/*']] });

  describe('parameters', () => {
    it.each([
      ['ExportLinkTtlHours', 24, 1, 168],
      ['ExportRetentionDays', 7, 1, 3650],
    ])('declares %s (Number, default %i, %i..%i)', (name, Default, MinValue, MaxValue) => {
      synth.template.hasParameter(name, { Type: 'Number', Default, MinValue, MaxValue, Description: Match.stringLikeRegexp('.{20,}') });
    });

    it('declares ExportSignerKeySerial (Number, default 1, at least 1)', () => {
      synth.template.hasParameter('ExportSignerKeySerial', { Type: 'Number', Default: 1, MinValue: 1, Description: Match.stringLikeRegexp('rotate') });
    });

    it('requires SenderEmail at deploy time (no default) and says it must be verified in SES', () => {
      const parameter = synth.template.toJSON().Parameters.SenderEmail;
      expect(parameter).toMatchObject({ Type: 'String', Description: expect.any(String) });
      expect(parameter.Default).toBeUndefined();
      expect(parameter.Description).toMatch(/verified/);
      expect(parameter.Description).toMatch(/sandbox/);
    });

    it.each([
      ['audit@example.com', true],
      ['audit.team+exports@mail.example.co.uk', true],
      ['not-an-email', false],
      ['audit@localhost', false],
      ['two@at@example.com', false],
      ['with space@example.com', false],
    ])('accepts %s as SenderEmail: %s', (address, accepted) => {
      const pattern = new RegExp(synth.template.toJSON().Parameters.SenderEmail.AllowedPattern as string);
      expect(pattern.test(address)).toBe(accepted);
    });

    it('outputs the bucket name and the state machine ARN', () => {
      synth.template.hasOutput('ExportsBucketName', { Value: { Ref: bucketId } });
      synth.template.hasOutput('ExportStateMachineArn', { Value: { Ref: stateMachineId } });
    });
  });

  describe('bucket', () => {
    it('blocks all public access and disables ACLs', () => {
      expect(synth.resources[bucketId].Properties).toMatchObject({
        PublicAccessBlockConfiguration: { BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true },
        OwnershipControls: { Rules: [{ ObjectOwnership: 'BucketOwnerEnforced' }] },
      });
    });

    it('encrypts with S3 managed keys, so presigned GETs need no KMS grant', () => {
      expect(synth.resources[bucketId].Properties.BucketEncryption).toEqual({
        ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }],
      });
    });

    it('denies every request without TLS', () => {
      synth.template.hasResourceProperties('AWS::S3::BucketPolicy', {
        Bucket: { Ref: bucketId },
        PolicyDocument: {
          Statement: Match.arrayWith([
            Match.objectLike({
              Effect: 'Deny',
              Action: 's3:*',
              Principal: { AWS: '*' },
              Condition: { Bool: { 'aws:SecureTransport': 'false' } },
            }),
          ]),
        },
      });
    });

    it('expires export files after ExportRetentionDays and aborts orphaned multipart uploads after a day', () => {
      expect(synth.resources[bucketId].Properties.LifecycleConfiguration.Rules).toEqual([
        { Id: 'ExpireExports', Prefix: 'exports/', ExpirationInDays: { Ref: 'ExportRetentionDays' }, Status: 'Enabled' },
        { Id: 'AbortIncompleteUploads', AbortIncompleteMultipartUpload: { DaysAfterInitiation: 1 }, Status: 'Enabled' },
      ]);
    });

    it('is unversioned and retained with the stack gone (no auto-delete custom resource)', () => {
      expect(synth.resources[bucketId].Properties.VersioningConfiguration).toBeUndefined();
      expect(synth.resources[bucketId]).toMatchObject({ DeletionPolicy: 'Retain', UpdateReplacePolicy: 'Retain' });
      synth.template.resourceCountIs('Custom::S3AutoDeleteObjects', 0);
    });
  });

  describe('link signer', () => {
    let userId: string;

    beforeAll(() => {
      userId = logicalIdOf(synth.resources, 'AWS::IAM::User', 'ExportWorkflowExportLinkSigner');
    });

    it('is a user with no console access, no managed policy and no group', () => {
      expect(synth.resources[userId].Properties ?? {}).toEqual({});
      synth.template.resourceCountIs('AWS::IAM::LoginProfile', 0);
    });

    it('may only s3:GetObject under exports/', () => {
      const policies = ofType(synth.resources, 'AWS::IAM::Policy').filter(([, p]) => JSON.stringify(p.Properties.Users ?? []).includes(userId));
      expect(policies.flatMap(([, p]) => p.Properties.PolicyDocument.Statement)).toEqual([
        { Action: 's3:GetObject', Effect: 'Allow', Resource: JSON.parse(exportObjects()) },
      ]);
    });

    it('has an access key whose serial is the ExportSignerKeySerial parameter, its secret in Secrets Manager', () => {
      const keyId = logicalIdOf(synth.resources, 'AWS::IAM::AccessKey', 'ExportWorkflowExportLinkSignerKey');
      expect(synth.resources[keyId].Properties).toEqual({ Serial: { Ref: 'ExportSignerKeySerial' }, UserName: { Ref: userId } });
      synth.template.hasResourceProperties('AWS::SecretsManager::Secret', { SecretString: { 'Fn::GetAtt': [keyId, 'SecretAccessKey'] } });
    });
  });

  describe('state machine', () => {
    it('is a Standard state machine with a 24 h timeout, X-Ray tracing and logs of ALL events', () => {
      const sm = synth.resources[stateMachineId].Properties;
      expect(sm.StateMachineType ?? 'STANDARD').toBe('STANDARD');
      expect(definition.TimeoutSeconds).toBe(86400);
      expect(sm.TracingConfiguration).toEqual({ Enabled: true });
      expect(sm.LoggingConfiguration).toMatchObject({ Level: 'ALL', IncludeExecutionData: false });
      const logGroupId = sm.LoggingConfiguration.Destinations[0].CloudWatchLogsLogGroup.LogGroupArn['Fn::GetAtt'][0] as string;
      expect(synth.resources[logGroupId].Properties.RetentionInDays).toEqual({ Ref: 'LogRetentionDays' });
    });

    it('has exactly the states the local runner expects', () => {
      expect(definition.StartAt).toBe('Begin');
      expect(Object.keys(definition.States).sort()).toEqual(['Begin', 'Complete', 'Done', 'ExportFailed', 'Fail', 'MoreRows?', 'Notify', 'WriteChunk']);
    });

    it.each([
      ['Begin', 'BeginExport'],
      ['WriteChunk', 'WriteExportChunk'],
      ['Complete', 'CompleteExport'],
      ['Notify', 'NotifyExport'],
      ['Fail', 'FailExport'],
    ] as const)('invokes the %s function directly (Resource = function ARN, result unwrapped)', (state, taskId) => {
      expect(definition.States[state]).toMatchObject({ Type: 'Task', Resource: `<${taskFn[taskId]}.Arn>` });
    });

    it('begins, then writes chunks until one reports done, then completes and notifies', () => {
      const { States } = definition;
      expect(States.Begin).toMatchObject({ Next: 'WriteChunk', ResultPath: null });
      expect(States.WriteChunk).toMatchObject({ Next: 'MoreRows?', ResultPath: '$.chunk' });
      expect(States['MoreRows?']).toEqual({
        Type: 'Choice',
        Choices: [{ Variable: '$.chunk.done', BooleanEquals: true, Next: 'Complete' }],
        Default: 'WriteChunk',
      });
      expect(States.Complete).toMatchObject({ Next: 'Notify', ResultPath: null });
      expect(States.Notify).toMatchObject({ Next: 'Done', ResultPath: null });
      expect(States.Done).toEqual({ Type: 'Succeed' });
    });

    it('passes the whole state to the happy-path tasks', () => {
      for (const state of ['Begin', 'WriteChunk', 'Complete', 'Notify']) {
        expect(definition.States[state].Parameters, state).toBeUndefined();
        expect(definition.States[state].InputPath, state).toBeUndefined();
      }
    });

    it.each(['Begin', 'WriteChunk', 'Complete', 'Notify'])('%s skips retries on PermanentExportError, retries the rest with backoff, then fails the export', (state) => {
      expect(definition.States[state].Retry).toEqual([
        { ErrorEquals: ['PermanentExportError'], MaxAttempts: 0 },
        { ...RETRY_ALL, MaxAttempts: 5 },
      ]);
      expect(definition.States[state].Catch).toEqual([{ ErrorEquals: ['States.ALL'], ResultPath: '$.error', Next: 'Fail' }]);
    });

    it('hands Fail the tenant, the export id and the error, and ends the execution FAILED either way', () => {
      const { Fail, ExportFailed } = definition.States;
      expect(Fail.Parameters).toEqual({ 'tenant.$': '$.tenant', 'exportId.$': '$.exportId', 'error.$': '$.error' });
      expect(Fail).toMatchObject({ ResultPath: null, Next: 'ExportFailed' });
      expect(Fail.Retry).toEqual([{ ErrorEquals: ['PermanentExportError'], MaxAttempts: 0 }, { ...RETRY_ALL, MaxAttempts: 3 }]);
      expect(Fail.Catch).toEqual([{ ErrorEquals: ['States.ALL'], ResultPath: '$.failError', Next: 'ExportFailed' }]);
      expect(ExportFailed).toEqual({ Type: 'Fail', ErrorPath: '$.error.Error', CausePath: '$.error.Cause' });
    });

    it('uses no IsNull / IsPresent conditions (the local emulator mishandles their false form)', () => {
      expect(JSON.stringify(definition)).not.toMatch(/IsNull|IsPresent/);
    });

    it('may invoke the five task functions and nothing else', () => {
      const roleId = synth.resources[stateMachineId].Properties.RoleArn['Fn::GetAtt'][0] as string;
      const statements = ofType(synth.resources, 'AWS::IAM::Policy')
        .filter(([, p]) => JSON.stringify(p.Properties.Roles ?? []).includes(roleId))
        .flatMap(([, p]) => p.Properties.PolicyDocument.Statement as any[]);
      const invoked = statements.filter((s) => s.Action === 'lambda:InvokeFunction').map((s) => s.Resource[0]['Fn::GetAtt'][0]);
      expect(invoked.sort()).toEqual(Object.values(taskFn).sort());
      expect(statements.filter((s) => JSON.stringify(s.Action).includes('lambda:') && s.Action !== 'lambda:InvokeFunction')).toEqual([]);
    });
  });

  describe('task functions', () => {
    it.each([
      ['BeginExport', 1024, 60],
      ['WriteExportChunk', 1769, 900],
      ['CompleteExport', 1024, 60],
      ['NotifyExport', 1024, 60],
      ['FailExport', 1024, 60],
    ] as const)('sizes %s at %i MB and %i s', (taskId, MemorySize, Timeout) => {
      expect(synth.resources[taskFn[taskId]].Properties).toMatchObject({ MemorySize, Timeout });
    });

    it.each(EXPORT_TASK_IDS)('gives %s the export settings and the stack-wide configuration', (taskId) => {
      const vars = synth.resources[taskFn[taskId as ExportTaskId]].Properties.Environment.Variables;
      expect(vars).toMatchObject({
        [ENV.exportsBucket]: { Ref: bucketId },
        [ENV.exportLinkTtlHours]: { Ref: 'ExportLinkTtlHours' },
        [ENV.exportRetentionDays]: { Ref: 'ExportRetentionDays' },
        [ENV.retentionDays]: { Ref: 'RetentionDays' },
        [ENV.maxRetentionDays]: { Ref: 'MaxRetentionDays' },
        [ENV.shardCount]: { Ref: 'ShardCount' },
      });
      expect(vars[ENV.cursorSecret]).toBeUndefined();
    });

    it.each([
      ['BeginExport', ['s3:AbortMultipartUpload', 's3:PutObject']],
      ['WriteExportChunk', ['s3:DeleteObject', 's3:GetObject', 's3:PutObject']],
      ['CompleteExport', ['s3:GetObject', 's3:PutObject']],
      ['NotifyExport', []],
      ['FailExport', ['s3:AbortMultipartUpload', 's3:DeleteObject']],
    ] as const)('lets %s do exactly %j, on exports/* only', (taskId, expected) => {
      const { actions, resources } = s3Actions(statementsOf(synth.resources, taskFn[taskId]));
      expect(actions).toEqual(expected);
      for (const resource of resources) expect(resource).toBe(exportObjects());
    });

    it.each([['WriteExportChunk', true], ['CompleteExport', true], ['BeginExport', false], ['NotifyExport', false], ['FailExport', false]] as const)(
      'lets %s list the bucket: %s (so a missing object is a 404, not a 403)', (taskId, lists) => {
        const list = statementsOf(synth.resources, taskFn[taskId]).filter((s) => s.Action.includes('s3:ListBucket'));
        expect(list.length > 0).toBe(lists);
        for (const s of list) {
          expect(s.Action).toEqual(['s3:ListBucket']);
          expect(s.Resource).toEqual([{ 'Fn::GetAtt': [bucketId, 'Arn'] }]);
        }
      },
    );

    it('lets only WriteExportChunk read events, and no task write them', () => {
      const eventsId = logicalIdOf(synth.resources, 'AWS::DynamoDB::Table', 'EventStoreEventsTable');
      for (const [taskId, fnId] of Object.entries(taskFn)) {
        const onEvents = statementsOf(synth.resources, fnId).filter((s) => JSON.stringify(s.Resource).includes(`"${eventsId}"`));
        const actions = onEvents.flatMap((s) => s.Action);
        if (taskId === 'WriteExportChunk') expect(actions).toContain('dynamodb:Query');
        else expect(actions, taskId).toEqual([]);
        expect(actions.filter((a) => /Put|Write|Update|Delete/.test(a)), taskId).toEqual([]);
      }
    });

    it('lets only NotifyExport and FailExport send mail, as the sender only', () => {
      const identityId = logicalIdOf(synth.resources, 'AWS::SES::EmailIdentity', 'ExportWorkflowSenderIdentity');
      expect(synth.resources[identityId].Properties).toEqual({ EmailIdentity: { Ref: 'SenderEmail' } });
      // Created unless the CreateSenderIdentity parameter says the identity exists already.
      const condition = (synth.resources[identityId] as unknown as { Condition: string }).Condition;
      expect(synth.template.toJSON().Conditions[condition]).toEqual({ 'Fn::Equals': [{ Ref: 'CreateSenderIdentity' }, 'true'] });
      for (const [taskId, fnId] of Object.entries(taskFn)) {
        const mail = statementsOf(synth.resources, fnId).filter((s) => s.Action.some((a) => a.startsWith('ses:')));
        const vars = synth.resources[fnId].Properties.Environment.Variables;
        if (taskId === 'NotifyExport' || taskId === 'FailExport') {
          expect(mail.flatMap((s) => s.Action), taskId).toContain('ses:SendEmail');
          expect(JSON.stringify(mail.flatMap((s) => s.Resource)), taskId).not.toMatch(/"\*"|identity\/\*/);
          // The identity ARN is built from the address (the identity resource may not exist in this stack).
          expect(JSON.stringify(mail[0].Resource), taskId).toContain(':identity/",{"Ref":"SenderEmail"}');
          expect(JSON.stringify(mail), taskId).not.toContain(identityId);
          expect(vars[ENV.senderEmail], taskId).toEqual({ Ref: 'SenderEmail' });
        } else {
          expect(mail, taskId).toEqual([]);
          expect(vars[ENV.senderEmail], taskId).toBeUndefined();
        }
      }
    });

    it('gives the signer key to NotifyExport only among the tasks', () => {
      for (const [taskId, fnId] of Object.entries(taskFn)) {
        const vars = synth.resources[fnId].Properties.Environment.Variables;
        expect(vars[ENV.exportSignerKeyId] !== undefined, taskId).toBe(taskId === 'NotifyExport');
        expect(vars[ENV.exportSignerSecret] !== undefined, taskId).toBe(taskId === 'NotifyExport');
      }
    });
  });

  describe('routes', () => {
    const route = (id: string) => ROUTES.find((r) => r.id === id)!;
    const routeFn = (id: string) => functionOfRoute(synth.resources, routeKey(route(id)));

    it('lets CreateExport start executions of exactly the export state machine, and nothing else of it', () => {
      const statements = statementsOf(synth.resources, routeFn('CreateExport'));
      const states = statements.filter((s) => s.Action.some((a) => a.startsWith('states:')));
      expect(states).toEqual([{ Effect: 'Allow', Action: ['states:StartExecution'], Resource: [{ Ref: stateMachineId }] }]);
      expect(s3Actions(statements).actions).toEqual([]);
      const vars = synth.resources[routeFn('CreateExport')].Properties.Environment.Variables;
      expect(vars).toMatchObject({
        [ENV.exportStateMachine]: { Ref: stateMachineId },
        [ENV.exportsBucket]: { Ref: bucketId },
        [ENV.exportLinkTtlHours]: { Ref: 'ExportLinkTtlHours' },
        [ENV.exportRetentionDays]: { Ref: 'ExportRetentionDays' },
      });
      expect(vars[ENV.exportSignerSecret]).toBeUndefined();
    });

    it.each(['ListExports', 'GetExport'])('gives %s the signer key (as a dynamic reference) and no S3 or Step Functions permission', (id) => {
      const keyId = logicalIdOf(synth.resources, 'AWS::IAM::AccessKey', 'ExportWorkflowExportLinkSignerKey');
      const secretId = logicalIdOf(synth.resources, 'AWS::SecretsManager::Secret', 'ExportWorkflowExportLinkSignerSecret');
      const vars = synth.resources[routeFn(id)].Properties.Environment.Variables;
      expect(vars).toMatchObject({
        [ENV.exportSignerKeyId]: { Ref: keyId },
        [ENV.exportSignerSecret]: { 'Fn::Join': ['', ['{{resolve:secretsmanager:', { Ref: secretId }, ':SecretString:::}}']] },
        [ENV.exportsBucket]: { Ref: bucketId },
        [ENV.exportLinkTtlHours]: { Ref: 'ExportLinkTtlHours' },
        [ENV.exportRetentionDays]: { Ref: 'ExportRetentionDays' },
      });
      expect(vars[ENV.exportStateMachine]).toBeUndefined();
      const statements = statementsOf(synth.resources, routeFn(id));
      expect(statements.flatMap((s) => s.Action).filter((a) => /^(s3|states|secretsmanager):/.test(a))).toEqual([]);
    });

    it('gives routes without exports in their spec none of the export settings', () => {
      for (const r of ROUTES.filter((x) => !x.needs.startExport && !x.needs.presignDownloads)) {
        const vars = synth.resources[routeFn(r.id)].Properties.Environment.Variables;
        for (const name of [ENV.exportsBucket, ENV.exportStateMachine, ENV.exportSignerKeyId, ENV.exportSignerSecret]) {
          expect(vars[name], `${r.id} ${name}`).toBeUndefined();
        }
      }
    });
  });

  describe('defaults (literal props)', () => {
    it('expires files after 7 days, links after 24 h, key serial 1, and grants mail on the sender\'s domain for that address only', () => {
      // Prepare
      const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
      const stack = new Stack(app, 'Test');
      // Act
      new ExportWorkflow(stack, 'Exports', { eventStore: new EventStore(stack, 'Store'), senderEmail: 'audit@example.com' });
      const template = Template.fromStack(stack);
      // Assess
      template.hasResourceProperties('AWS::S3::Bucket', {
        LifecycleConfiguration: { Rules: Match.arrayWith([Match.objectLike({ Prefix: 'exports/', ExpirationInDays: 7 })]) },
      });
      template.hasResourceProperties('AWS::IAM::AccessKey', { Serial: 1 });
      template.hasResourceProperties('AWS::Lambda::Function', {
        Environment: { Variables: Match.objectLike({ [ENV.exportLinkTtlHours]: '24', [ENV.exportRetentionDays]: '7', [ENV.senderEmail]: 'audit@example.com' }) },
      });
      template.hasResourceProperties('AWS::IAM::Policy', {
        PolicyDocument: {
          Statement: Match.arrayWith([
            Match.objectLike({
              Action: ['ses:SendEmail', 'ses:SendRawEmail'],
              Condition: { StringEquals: { 'ses:FromAddress': 'audit@example.com' } },
              Resource: { 'Fn::Join': ['', Match.arrayWith([':identity/example.com'])] },
            }),
          ]),
        },
      });
    });
  });
});

/**
 * The local stack's export peers over the network: S3 (s3rver plus the multipart
 * operations, checks and SigV4 verification added in front of it), SES (emulator behind
 * the fault proxy), the fault control server, and Step Functions (the endpoint's JSON
 * protocol and the executor's Retry/Catch semantics with bound handlers).
 */
import { randomBytes, randomUUID } from 'node:crypto';
import {
  AbortMultipartUploadCommand, CompleteMultipartUploadCommand, CreateBucketCommand, CreateMultipartUploadCommand, DeleteBucketCommand,
  DeleteObjectCommand, GetObjectCommand, HeadBucketCommand, ListMultipartUploadsCommand, ListPartsCommand, S3Client, UploadPartCommand,
} from '@aws-sdk/client-s3';
import { SendEmailCommand, SESv2Client } from '@aws-sdk/client-sesv2';
import {
  DescribeExecutionCommand, DescribeStateMachineCommand, ListExecutionsCommand, SFNClient, StartExecutionCommand, StopExecutionCommand,
  type DescribeExecutionCommandOutput,
} from '@aws-sdk/client-sfn';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from 'vitest';
import { LOCAL_AWS } from '../../local/dynamodb.js';
import { Faults, injectFault, listFaults } from '../../local/faults.js';
import { S3RVER_KEY } from '../../local/s3.js';
import {
  runDefinition, startStepFunctions, type Definition, type ExecutionOutcome, type LocalStepFunctions, type TaskBinding,
} from '../../local/stepfunctions.js';
import { rejection } from './support.js';

const local = inject('local');
const MiB = 1024 * 1024;
const uid = () => randomUUID().slice(0, 8);

/** Polls `read` until `done` holds or `timeoutMs` passes; returns the last value. */
async function poll<T>(read: () => Promise<T>, done: (v: T) => boolean, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await read();
    if (done(v) || Date.now() > deadline) return v;
    await new Promise((r) => setTimeout(r, 25));
  }
}


/** Rules added during a test; removed after it. */
const added: Array<{ remove(): Promise<void> }> = [];
afterEach(async () => {
  await Promise.all(added.splice(0).map((f) => f.remove()));
});

describe('local S3', () => {
  const s3 = new S3Client({
    endpoint: local.s3, region: local.region, forcePathStyle: true, credentials: LOCAL_AWS.credentials, maxAttempts: 1,
    requestChecksumCalculation: 'WHEN_REQUIRED', responseChecksumValidation: 'WHEN_REQUIRED',
  });
  const signer = new S3Client({ endpoint: local.s3, region: local.region, forcePathStyle: true, credentials: S3RVER_KEY });
  const Bucket = `emulators-test-${uid()}`;
  const keys: string[] = [];
  const newKey = (name: string) => {
    const key = `it/${uid()}/${name}`;
    keys.push(key);
    return key;
  };
  const openUploads = async (Prefix: string) =>
    ((await s3.send(new ListMultipartUploadsCommand({ Bucket, Prefix }))).Uploads ?? []).map((u) => u.UploadId);

  beforeAll(async () => {
    await s3.send(new CreateBucketCommand({ Bucket }));
  });
  afterAll(async () => {
    await Promise.all(keys.map((Key) => s3.send(new DeleteObjectCommand({ Bucket, Key }))));
    await s3.send(new DeleteBucketCommand({ Bucket }));
    s3.destroy();
    signer.destroy();
  });

  it('creates the buckets of the template under local names', async () => {
    for (const name of Object.values(local.buckets ?? {})) {
      expect(name).toMatch(/^audit-log-[a-z0-9-]+$/);
      await s3.send(new HeadBucketCommand({ Bucket: name }));
    }
  });

  it('assembles a multipart upload byte for byte, with S3\'s multipart ETag', async () => {
    // Prepare
    const Key = newKey('report é+=.csv');
    const part1 = randomBytes(5 * MiB + 1);
    const part2 = Buffer.from('last,row\r\n');
    const { UploadId } = await s3.send(new CreateMultipartUploadCommand({ Bucket, Key, ContentType: 'text/csv' }));

    // Act
    const r1 = await s3.send(new UploadPartCommand({ Bucket, Key, UploadId, PartNumber: 1, Body: part1 }));
    const r2 = await s3.send(new UploadPartCommand({ Bucket, Key, UploadId, PartNumber: 2, Body: part2 }));
    const done = await s3.send(new CompleteMultipartUploadCommand({
      Bucket, Key, UploadId, MultipartUpload: { Parts: [{ PartNumber: 1, ETag: r1.ETag }, { PartNumber: 2, ETag: r2.ETag }] },
    }));
    const got = await s3.send(new GetObjectCommand({ Bucket, Key }));

    // Assess
    expect(done.ETag).toMatch(/^"[0-9a-f]{32}-2"$/);
    expect(got.ContentType).toBe('text/csv');
    expect(Buffer.from(await got.Body!.transformToByteArray()).equals(Buffer.concat([part1, part2]))).toBe(true);
    expect(await openUploads(Key)).toEqual([]);
    const again = await rejection(s3.send(new CompleteMultipartUploadCommand({ Bucket, Key, UploadId, MultipartUpload: { Parts: [{ PartNumber: 1, ETag: r1.ETag }] } })));
    expect(again.name).toBe('NoSuchUpload');
  });

  it('lists the parts and open uploads, and leaves nothing after an abort', async () => {
    // Prepare
    const Key = newKey('aborted.csv');
    const { UploadId } = await s3.send(new CreateMultipartUploadCommand({ Bucket, Key }));
    await s3.send(new UploadPartCommand({ Bucket, Key, UploadId, PartNumber: 1, Body: Buffer.from('abc') }));
    const { Parts } = await s3.send(new ListPartsCommand({ Bucket, Key, UploadId }));
    expect(Parts?.map((p) => [p.PartNumber, p.Size])).toEqual([[1, 3]]);
    expect(await openUploads(Key)).toEqual([UploadId]);

    // Act
    await s3.send(new AbortMultipartUploadCommand({ Bucket, Key, UploadId }));

    // Assess
    expect(await openUploads(Key)).toEqual([]);
    expect((await rejection(s3.send(new UploadPartCommand({ Bucket, Key, UploadId, PartNumber: 2, Body: Buffer.from('x') })))).name).toBe('NoSuchUpload');
    expect((await rejection(s3.send(new AbortMultipartUploadCommand({ Bucket, Key, UploadId })))).name).toBe('NoSuchUpload');
  });

  it('rejects a completion with a part under 5 MiB before the last, or a wrong ETag, like S3', async () => {
    // Prepare
    const Key = newKey('small.csv');
    const { UploadId } = await s3.send(new CreateMultipartUploadCommand({ Bucket, Key }));
    const r1 = await s3.send(new UploadPartCommand({ Bucket, Key, UploadId, PartNumber: 1, Body: Buffer.from('small') }));
    const r2 = await s3.send(new UploadPartCommand({ Bucket, Key, UploadId, PartNumber: 2, Body: Buffer.from('tail') }));
    const complete = (Parts: Array<{ PartNumber: number; ETag?: string }>) =>
      rejection(s3.send(new CompleteMultipartUploadCommand({ Bucket, Key, UploadId, MultipartUpload: { Parts } })));

    // Act + Assess
    expect((await complete([{ PartNumber: 1, ETag: r1.ETag }, { PartNumber: 2, ETag: r2.ETag }])).name).toBe('EntityTooSmall');
    expect((await complete([{ PartNumber: 1, ETag: '"00000000000000000000000000000000"' }])).name).toBe('InvalidPart');
    expect((await complete([{ PartNumber: 2, ETag: r2.ETag }, { PartNumber: 1, ETag: r1.ETag }])).name).toBe('InvalidPartOrder');
    expect(await openUploads(Key)).toEqual([UploadId]); // a failed completion keeps the upload
    await s3.send(new AbortMultipartUploadCommand({ Bucket, Key, UploadId }));
  });

  it('serves presigned GETs signed with the signer key until they expire, and verifies signatures', async () => {
    // Prepare
    const Key = newKey('linked.csv');
    const body = randomBytes(1000);
    const { UploadId } = await s3.send(new CreateMultipartUploadCommand({ Bucket, Key }));
    const r1 = await s3.send(new UploadPartCommand({ Bucket, Key, UploadId, PartNumber: 1, Body: body }));
    await s3.send(new CompleteMultipartUploadCommand({ Bucket, Key, UploadId, MultipartUpload: { Parts: [{ PartNumber: 1, ETag: r1.ETag }] } }));
    const get = new GetObjectCommand({ Bucket, Key, ResponseContentDisposition: 'attachment; filename="audit log.csv"' });

    // Act
    const valid = await getSignedUrl(signer, get, { expiresIn: 3600 });
    const expired = await getSignedUrl(signer, get, { expiresIn: 60, signingDate: new Date(Date.now() - 120_000) });
    const ok = await fetch(valid);
    const late = await fetch(expired);
    const tampered = await fetch(valid.replace(/X-Amz-Signature=[0-9a-f]/, 'X-Amz-Signature=x'));
    const unsigned = await fetch(`${local.s3}/${Bucket}/${Key}`);
    const wrongSecret = await rejection(new S3Client({ endpoint: local.s3, region: local.region, forcePathStyle: true, maxAttempts: 1, credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'not-it' } })
      .send(new GetObjectCommand({ Bucket, Key })));

    // Assess
    expect(ok.status).toBe(200);
    expect(ok.headers.get('content-disposition')).toBe('attachment; filename="audit log.csv"');
    expect(Buffer.from(await ok.arrayBuffer()).equals(body)).toBe(true);
    expect(late.status).toBe(403);
    expect(await late.text()).toContain('<Code>AccessDenied</Code>');
    expect(tampered.status).toBe(403);
    expect(await tampered.text()).toContain('<Code>SignatureDoesNotMatch</Code>');
    expect(unsigned.status).toBe(403);
    expect(wrongSecret.name).toBe('SignatureDoesNotMatch');
  });

  it('fails the matching requests of an s3-fail fault with S3\'s error, as often as asked', async () => {
    // Prepare
    const Key = newKey('faulty.csv');
    const { UploadId } = await s3.send(new CreateMultipartUploadCommand({ Bucket, Key }));
    const fault = await injectFault(local.faults!, { kind: 's3-fail', keyContains: Key, operation: 'UploadPart', times: 1 });
    added.push(fault);
    const upload = () => s3.send(new UploadPartCommand({ Bucket, Key, UploadId, PartNumber: 1, Body: Buffer.from('x') }));

    // Act
    const failed = await rejection(upload());
    const retried = await upload();

    // Assess
    expect(failed.name).toBe('InternalError');
    expect(failed.$metadata?.httpStatusCode).toBe(500);
    expect(retried.ETag).toBeTruthy();
    expect((await listFaults(local.faults!)).find((f) => f.id === fault.id)?.hits).toBe(1);
    await s3.send(new AbortMultipartUploadCommand({ Bucket, Key, UploadId }));
  });
});

describe('local SES', () => {
  const ses = new SESv2Client({ endpoint: local.ses, region: local.region, credentials: LOCAL_AWS.credentials, maxAttempts: 1 });
  const send = (to: string, subject: string) => ses.send(new SendEmailCommand({
    FromEmailAddress: 'exports@audit-log.local',
    Destination: { ToAddresses: [to] },
    Content: { Simple: { Subject: { Data: subject }, Body: { Text: { Data: 'body' }, Html: { Data: '<p>body</p>' } } } },
  }));
  const mailsTo = async (to: string) => {
    const store = (await (await fetch(local.mailbox!)).json()) as { emails: Array<{ destination: { to: string[] }; subject: string }> };
    return store.emails.filter((m) => m.destination.to.includes(to));
  };
  afterAll(() => ses.destroy());

  it('delivers SendEmail to the mailbox', async () => {
    // Prepare
    const to = `ops-${uid()}@example.com`;

    // Act
    const { MessageId } = await send(to, 'Export ready');

    // Assess
    expect(MessageId).toBeTruthy();
    const mails = await poll(() => mailsTo(to), (m) => m.length > 0);
    expect(mails.map((m) => m.subject)).toEqual(['Export ready']);
  });

  it('rejects mail to the recipient of an ses-reject fault with MessageRejected, and stores none', async () => {
    // Prepare
    const to = `bounce-${uid()}@example.com`;
    added.push(await injectFault(local.faults!, { kind: 'ses-reject', recipient: to }));

    // Act
    const err = await rejection(send(`Bounce <${to.toUpperCase()}>`, 'never'));

    // Assess
    expect(err.name).toBe('MessageRejected');
    expect(err.$metadata?.httpStatusCode).toBe(400);
    expect(err.message).toContain(to);
    expect(await mailsTo(to)).toEqual([]);
  });
});

describe('fault control server', () => {
  it('validates rules, lists them with hit counts and removes them', async () => {
    // Act
    const bad = await fetch(`${local.faults}/faults`, { method: 'POST', body: JSON.stringify({ kind: 'nope' }) });
    const fault = await injectFault(local.faults!, { kind: 'task-crash', task: 'WriteExportChunk', exportId: `x-${uid()}`, when: 'after', times: 1 });
    const listed = (await listFaults(local.faults!)).find((f) => f.id === fault.id);
    await fault.remove();
    const unknown = await fetch(`${local.faults}/faults/${fault.id}`, { method: 'DELETE' });

    // Assess
    expect(bad.status).toBe(400);
    expect(listed).toMatchObject({ kind: 'task-crash', task: 'WriteExportChunk', when: 'after', hits: 0 });
    expect(unknown.status).toBe(404);
  });
});

describe.skipIf(!local.stateMachines?.export)('the export state machine of the template, on the local endpoint', () => {
  const sfn = new SFNClient({ endpoint: local.stepFunctions, region: local.region, credentials: LOCAL_AWS.credentials, maxAttempts: 1 });
  const stateMachineArn = local.stateMachines?.export ?? '';
  afterAll(() => sfn.destroy());

  it('serves the synthesized definition with the contract\'s state names', async () => {
    const { definition } = await sfn.send(new DescribeStateMachineCommand({ stateMachineArn }));
    expect(Object.keys(JSON.parse(definition!).States)).toEqual(expect.arrayContaining(['Begin', 'WriteChunk', 'MoreRows?', 'Complete', 'Notify', 'Fail', 'ExportFailed', 'Done']));
  });

  it('runs the real task handlers: an unknown export fails permanently, with Lambda\'s error as Cause', async () => {
    // Prepare
    const name = `missing-${uid()}`;

    // Act
    const { executionArn } = await sfn.send(new StartExecutionCommand({ stateMachineArn, name, input: JSON.stringify({ tenant: `t-${uid()}`, exportId: name }) }));
    const done = await poll(() => sfn.send(new DescribeExecutionCommand({ executionArn })), (d) => d.status !== 'RUNNING');

    // Assess
    expect(done).toMatchObject({ status: 'FAILED', name, stateMachineArn, error: 'PermanentExportError' });
    expect(JSON.parse(done.cause!)).toMatchObject({ errorType: 'PermanentExportError', errorMessage: expect.stringContaining(name) });
    const duplicate = await rejection(sfn.send(new StartExecutionCommand({ stateMachineArn, name, input: '{}' })));
    expect(duplicate.name).toBe('ExecutionAlreadyExists');
    const { executions } = await sfn.send(new ListExecutionsCommand({ stateMachineArn, statusFilter: 'FAILED' }));
    expect(executions?.map((e) => e.executionArn)).toContain(executionArn);
  });
});

/** A definition shaped like the export workflow's, with one Task bound to an inline function. */
const WORK_ARN = 'arn:aws:lambda:us-east-1:000000000000:function:Work';
const definition: Definition = {
  StartAt: 'Work',
  States: {
    Work: {
      Type: 'Task', Resource: WORK_ARN, ResultPath: '$.result',
      Retry: [
        { ErrorEquals: ['PermanentExportError'], MaxAttempts: 0 },
        { ErrorEquals: ['States.ALL'], IntervalSeconds: 2, BackoffRate: 2, MaxAttempts: 5, JitterStrategy: 'FULL' },
      ],
      Catch: [{ ErrorEquals: ['States.ALL'], ResultPath: '$.error', Next: 'Failed' }],
      Next: 'HasResult?',
    },
    'HasResult?': { Type: 'Choice', Choices: [{ Variable: '$.result', IsNull: false, Next: 'Done' }], Default: 'Nothing' },
    Done: { Type: 'Succeed' },
    Nothing: { Type: 'Fail', Error: 'NoResult', Cause: 'the task returned null' },
    Failed: { Type: 'Fail', ErrorPath: '$.error.Error', CausePath: '$.error.Cause' },
  },
};

/** Binds `Work` to `fn`, counting its calls. */
function work(fn: (event: any) => unknown, timeoutSeconds = 3): { bindings: Record<string, TaskBinding>; calls: () => number } {
  let calls = 0;
  const binding: TaskBinding = {
    task: 'Work',
    fn: { name: 'Work', timeoutSeconds, memoryMb: 128 },
    handler: () => async (event: unknown) => {
      calls++;
      return fn(event);
    },
  };
  return { bindings: { [WORK_ARN]: binding }, calls: () => calls };
}

const failing = (name: string, message: string) => () => {
  const e = new Error(message);
  e.name = name;
  throw e;
};
const run = (bindings: Record<string, TaskBinding>, input: unknown, faults?: Faults) =>
  runDefinition(definition, bindings, input, { retryIntervalMs: 5, faults }).outcome;
type Failed = Extract<ExecutionOutcome, { error: string }>;

describe('Step Functions executor (aws-local-stepfunctions with bound handlers)', () => {
  it('passes the task input as the event and its result on', async () => {
    const { bindings } = work((event) => ({ rows: 3, got: event }));
    const outcome = await run(bindings, { tenant: 't', exportId: 'e1' });
    expect(outcome).toEqual({ status: 'SUCCEEDED', output: { tenant: 't', exportId: 'e1', result: { rows: 3, got: { tenant: 't', exportId: 'e1' } } } });
  });

  it('does not retry a PermanentExportError and catches it as {Error, Cause} with Lambda\'s error payload', async () => {
    // Prepare
    const { bindings, calls } = work(failing('PermanentExportError', 'Export e2 does not exist.'));

    // Act
    const outcome = (await run(bindings, { exportId: 'e2' })) as Failed;

    // Assess
    expect(calls()).toBe(1);
    expect(outcome.status).toBe('FAILED');
    expect(outcome.error).toBe('PermanentExportError');
    expect(JSON.parse(outcome.cause)).toMatchObject({ errorType: 'PermanentExportError', errorMessage: 'Export e2 does not exist.', trace: expect.any(Array) });
  });

  it('retries any other error (States.ALL) until it succeeds, and gives up after MaxAttempts', async () => {
    // Prepare
    let n = 0;
    const flaky = work(() => {
      if (++n < 3) failing('ExportDependencyError', 'S3 could not store part 1.')();
      return { ok: true };
    });
    const broken = work(failing('TypeError', 'x is undefined'));

    // Act
    const recovered = await run(flaky.bindings, {});
    const exhausted = (await run(broken.bindings, {})) as Failed;

    // Assess
    expect(recovered.status).toBe('SUCCEEDED');
    expect(flaky.calls()).toBe(3);
    expect(broken.calls()).toBe(6); // 1 + MaxAttempts 5
    expect(exhausted.error).toBe('TypeError');
  });

  it('fixes IsNull: false in Choice rules (the library never matches it)', async () => {
    const outcome = (await run(work(() => null).bindings, {})) as Failed;
    expect(outcome).toMatchObject({ status: 'FAILED', error: 'NoResult' });
  });

  it("crashes a task 'after' its handler ran (side effects done, result lost) as Lambda.Unknown, then retries", async () => {
    // Prepare
    const faults = new Faults();
    faults.add({ kind: 'task-crash', task: 'Work', exportId: 'e3', when: 'after', times: 1 });
    faults.add({ kind: 'task-crash', task: 'Work', exportId: 'e4', when: 'after' });
    const once = work(() => ({ ok: true }));
    const always = work(() => ({ ok: true }));

    // Act
    const recovered = await run(once.bindings, { exportId: 'e3' }, faults);
    const crashed = (await run(always.bindings, { exportId: 'e4' }, faults)) as Failed;

    // Assess
    expect(recovered.status).toBe('SUCCEEDED');
    expect(once.calls()).toBe(2);
    expect(always.calls()).toBe(6);
    expect(crashed.error).toBe('Lambda.Unknown');
    expect(crashed.cause).toMatch(/fault injected/i);
  });

  it("crashes a task 'before' its handler runs", async () => {
    const faults = new Faults();
    faults.add({ kind: 'task-crash', task: 'Work', when: 'before', times: 2 });
    const w = work(() => ({ ok: true }));
    const outcome = await run(w.bindings, { exportId: 'e5' }, faults);
    expect(outcome.status).toBe('SUCCEEDED');
    expect(w.calls()).toBe(1);
    expect(faults.list()[0].hits).toBe(2);
  });

  it('fails a handler still running at its function timeout with Sandbox.Timedout', async () => {
    const w = work(() => new Promise((r) => setTimeout(() => r({ late: true }), 1500)), 1);
    const { Retry: _, ...noRetry } = definition.States.Work;
    const outcome = (await runDefinition({ ...definition, States: { ...definition.States, Work: noRetry } }, w.bindings, {}).outcome) as Failed;
    expect(outcome.error).toBe('Sandbox.Timedout');
    expect(JSON.parse(outcome.cause).errorMessage).toMatch(/Task timed out after 1\.00 seconds/);
  });
});

describe('Step Functions endpoint (AWS JSON 1.0 protocol)', () => {
  const machineArn = 'arn:aws:states:us-east-1:000000000000:stateMachine:Test';
  let endpoint: LocalStepFunctions;
  let sfn: SFNClient;
  let release: () => void = () => undefined;
  beforeAll(async () => {
    const gate = work(async (event) => {
      if (event.wait) await new Promise<void>((r) => { release = r; });
      return { echoed: event.n };
    });
    endpoint = await startStepFunctions({ machines: [{ key: 'test', arn: machineArn, definition, bindings: gate.bindings }], retryIntervalMs: 5 });
    sfn = new SFNClient({ endpoint: endpoint.endpoint, region: 'us-east-1', credentials: LOCAL_AWS.credentials, maxAttempts: 1 });
  });
  afterAll(async () => {
    release();
    sfn.destroy();
    await endpoint.stop();
  });
  const describeExecution = (executionArn: string) => sfn.send(new DescribeExecutionCommand({ executionArn }));
  const settled = (executionArn: string) => poll(() => describeExecution(executionArn), (d: DescribeExecutionCommandOutput) => d.status !== 'RUNNING');

  it('starts, describes and lists executions', async () => {
    // Act
    const started = await sfn.send(new StartExecutionCommand({ stateMachineArn: machineArn, name: 'exp-1', input: '{"n":1}' }));
    const done = await settled(started.executionArn!);
    const { executions } = await sfn.send(new ListExecutionsCommand({ stateMachineArn: machineArn }));

    // Assess
    expect(started.executionArn).toBe('arn:aws:states:us-east-1:000000000000:execution:Test:exp-1');
    expect(started.startDate).toBeInstanceOf(Date);
    expect(done).toMatchObject({ status: 'SUCCEEDED', name: 'exp-1', input: '{"n":1}' });
    expect(JSON.parse(done.output!)).toEqual({ n: 1, result: { echoed: 1 } });
    expect(done.stopDate!.getTime()).toBeGreaterThanOrEqual(done.startDate!.getTime());
    expect(executions?.map((e) => e.name)).toContain('exp-1');
  });

  it('answers ExecutionAlreadyExists for a reused name, but repeats a running start with the same input', async () => {
    // Prepare
    const input = '{"n":2,"wait":true}';
    const first = await sfn.send(new StartExecutionCommand({ stateMachineArn: machineArn, name: 'exp-2', input }));

    // Act
    const repeated = await sfn.send(new StartExecutionCommand({ stateMachineArn: machineArn, name: 'exp-2', input }));
    const different = await rejection(sfn.send(new StartExecutionCommand({ stateMachineArn: machineArn, name: 'exp-2', input: '{"n":3}' })));
    release();
    await settled(first.executionArn!);
    const afterEnd = await rejection(sfn.send(new StartExecutionCommand({ stateMachineArn: machineArn, name: 'exp-2', input })));

    // Assess
    expect(repeated.executionArn).toBe(first.executionArn);
    expect(different.name).toBe('ExecutionAlreadyExists');
    expect(different.$metadata?.httpStatusCode).toBe(400);
    expect(afterEnd.name).toBe('ExecutionAlreadyExists');
  });

  it('stops a running execution', async () => {
    const { executionArn } = await sfn.send(new StartExecutionCommand({ stateMachineArn: machineArn, input: '{"n":4,"wait":true}' }));
    await sfn.send(new StopExecutionCommand({ executionArn, error: 'Cancelled', cause: 'by the test' }));
    expect(await describeExecution(executionArn!)).toMatchObject({ status: 'ABORTED', error: 'Cancelled', cause: 'by the test' });
    release();
  });

  it('answers AWS\'s errors for unknown state machines and executions, and bad names or input', async () => {
    const unknownMachine = await rejection(sfn.send(new StartExecutionCommand({ stateMachineArn: `${machineArn}Nope` })));
    const unknownExecution = await rejection(describeExecution(`${machineArn.replace(':stateMachine:', ':execution:')}:nope`));
    const badName = await rejection(sfn.send(new StartExecutionCommand({ stateMachineArn: machineArn, name: 'a b' })));
    const badInput = await rejection(sfn.send(new StartExecutionCommand({ stateMachineArn: machineArn, input: '{' })));
    expect([unknownMachine.name, unknownExecution.name, badName.name, badInput.name])
      .toEqual(['StateMachineDoesNotExist', 'ExecutionDoesNotExist', 'InvalidName', 'InvalidExecutionInput']);
  });
});

/**
 * The export workflow's tasks, driven one by one in this worker against the real
 * emulators (DynamoDB Local, s3rver, the SES emulator): what the state machine
 * relies on but runs too fast to observe. Progress is committed per chunk and
 * visible over HTTP while the export runs; a duplicated or retried chunk commits
 * once and re-reads the same rows; rows too few for a part wait in exactly one
 * carry-over object; Complete and Fail leave nothing temporary behind.
 *
 * The events are ingested over HTTP; the export records are created directly (no
 * execution is started), like `requestExport` builds them, with table adapters of the
 * local stack built from its endpoints. The handlers build theirs from their
 * configuration at import, from the environment the global setup applied and this
 * worker inherited (checked before they are imported). Chunks stop at 250 rows
 * (EXPORT_CHUNK_MAX_ROWS), so 700 events take three chunks and two carry-overs.
 * The only stand-in is a pass-through gate on carry-over reads that lets a test
 * interleave two attempts of one chunk in a chosen order.
 */
import { ListMultipartUploadsCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { parse } from 'csv-parse/sync';
import { ulid } from 'ulidx';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { injectFault } from '../../local/faults.js';
import { lambdaContext } from '../../local/http-api.js';
import { S3RVER_KEY } from '../../local/s3.js';
import type { ExportRecord } from '../../lambdas/core/exports.js';
import {
  adminOfNewTenant, type Client, event, HOUR, ingest, type Json, listIds, local, localStores, poll, uid,
} from '../e2e/helpers.js';

/** Variables the export tasks read at import; the global setup sets them for the whole run. */
const HANDLER_ENV = [
  'CONTROL_TABLE', 'EVENTS_TABLE', 'EXPORTS_BUCKET', 'SENDER_EMAIL', 'EXPORT_SIGNER_KEY_ID', 'EXPORT_SIGNER_SECRET',
  'EXPORT_LINK_TTL_HOURS', 'EXPORT_RETENTION_DAYS', 'EXPORT_CHUNK_MAX_ROWS', 'AWS_ENDPOINT_URL_S3', 'AWS_ENDPOINT_URL_SESV2',
  'AWS_S3_FORCE_PATH_STYLE', 'AWS_REQUEST_CHECKSUM_CALCULATION',
];
/**
 * A gate on carry-over reads, to interleave two attempts of one chunk deterministically:
 * the next read of `key` waits for `release` (the real read runs after it). Unset, reads pass straight through.
 */
const carryGate = vi.hoisted(() => ({ next: undefined as undefined | { key: string; reached(): void; release: Promise<void> } }));
vi.mock('../../lambdas/adapters/export-files.js', async (importOriginal) => {
  const real = await importOriginal<typeof import('../../lambdas/adapters/export-files.js')>();
  return {
    ...real,
    createExportFiles: (...args: Parameters<typeof real.createExportFiles>) => {
      const files = real.createExportFiles(...args);
      return {
        ...files,
        getCarry: async (key: string) => {
          const gate = carryGate.next;
          if (gate?.key === key) {
            carryGate.next = undefined;
            gate.reached();
            await gate.release;
          }
          return files.getCarry(key);
        },
      };
    },
  };
});

const missing = HANDLER_ENV.filter((name) => !process.env[name]);
if (missing.length) throw new Error(`the global setup's handler environment is missing in this worker: ${missing.join(', ')}`);

const { exportKey, freezeWindow } = await import('../../lambdas/core/exports.js');
const { effectiveSettings } = await import('../../lambdas/settings/effective-settings.js');
const stores = localStores();
const { createExport, getExport } = stores.exportStore;
const { handler: begin } = await import('../../lambdas/exports/begin.js');
const { handler: writeChunk } = await import('../../lambdas/exports/write-chunk.js');
const { handler: complete } = await import('../../lambdas/exports/complete.js');
const { handler: notify } = await import('../../lambdas/exports/notify.js');
const { handler: fail } = await import('../../lambdas/exports/fail.js');

const EVENTS = 700;
const CHUNK_ROWS = 250;

const s3 = new S3Client({
  endpoint: local.s3, region: local.region, forcePathStyle: true, credentials: S3RVER_KEY, maxAttempts: 1,
  requestChecksumCalculation: 'WHEN_REQUIRED', responseChecksumValidation: 'WHEN_REQUIRED',
});
const Bucket = local.buckets!.exports;

/** A Lambda context of a 15-minute function (WriteChunk stops reading 90 s before its deadline). */
const context = (name: string) => lambdaContext({ name, timeoutSeconds: 900, memoryMb: 1024 }, Date.now() + 900_000);

/** The error a promise rejects with (fails the test when it resolves). */
async function rejection(p: Promise<unknown>): Promise<Error> {
  try {
    await p;
  } catch (err) {
    return err as Error;
  }
  throw new Error('expected the task to fail');
}

/** Objects and open uploads under an export's file key: the file, its carry-overs. */
async function leftovers(key: string): Promise<{ file: boolean; carries: string[]; uploads: string[] }> {
  const [objects, uploads] = await Promise.all([
    s3.send(new ListObjectsV2Command({ Bucket, Prefix: key })),
    s3.send(new ListMultipartUploadsCommand({ Bucket, Prefix: key })),
  ]);
  const keys = (objects.Contents ?? []).map((o) => o.Key!);
  return { file: keys.includes(key), carries: keys.filter((k) => k.startsWith(`${key}.carry/`)), uploads: (uploads.Uploads ?? []).map((u) => u.UploadId!) };
}

/** Mails the SES emulator holds for `to`. */
async function mailsTo(to: string): Promise<Json[]> {
  const store = (await (await fetch(local.mailbox!)).json()) as { emails: Json[] };
  return store.emails.filter((m) => m.destination.to.includes(to));
}

/** Fault rules added during a test; removed after it. */
const faults: Array<{ remove(): Promise<void> }> = [];
afterEach(async () => {
  carryGate.next = undefined;
  await Promise.all(faults.splice(0).map((f) => f.remove()));
});
afterAll(() => s3.destroy());

let tenant: string;
let admin: Client;
let tokenId: string;
let ingested: string[];

beforeAll(async () => {
  ({ tenant, admin, tokenId } = await adminOfNewTenant());
  const now = Date.now();
  const events = Array.from({ length: EVENTS }, (_, i) => event({
    id: uid(`c${i}`),
    occurredAt: new Date(now - HOUR - i * 7_000).toISOString(),
    action: ['project.updated', 'form.deployed'][i % 2],
    message: i % 50 === 0 ? 'comma, "quoted", and\nnewline' : undefined,
  }));
  await ingest(admin, events);
  ingested = events.map((e) => e.id as string);
});

/** An export of all the tenant's events, stored `queued` the way `requestExport` stores it, with no execution. */
async function newExport(): Promise<{ input: { tenant: string; exportId: string }; key: string; email: string; createdAt: string }> {
  const id = ulid().toLowerCase();
  const createdAt = new Date().toISOString();
  const email = `ops-${uid()}@example.com`;
  const record: ExportRecord = {
    id, tenant, status: 'queued', format: 'csv', filters: {}, window: freezeWindow({}, createdAt),
    retentionDays: (await effectiveSettings(stores, tenant)).retentionDays, email, requestedBy: tokenId, createdAt,
    key: exportKey(tenant, id), seq: 0, part: 1, rowCount: 0, bytes: 0,
  };
  await createExport(record);
  return { input: { tenant, exportId: id }, key: record.key, email, createdAt };
}

const runBegin = (input: { tenant: string; exportId: string }) => begin(input, context('BeginExport'));
const runChunk = (input: { tenant: string; exportId: string }) => writeChunk(input, context('WriteExportChunk'));

/** The export's progress fields (what a chunk commits). */
async function progress(input: { tenant: string; exportId: string }) {
  const r = (await getExport(input.tenant, input.exportId))!;
  return { status: r.status, seq: r.seq, part: r.part, after: r.after, rowCount: r.rowCount, bytes: r.bytes, carry: r.carry };
}

/** Runs WriteChunk until it reports done; returns the rowCount of every call. */
async function chunksToEnd(input: { tenant: string; exportId: string }, onChunk?: (r: { done: boolean; rowCount: number }) => Promise<void>): Promise<number[]> {
  const counts: number[] = [];
  for (let n = 0; n < 20; n++) {
    const r = await runChunk(input);
    counts.push(r.rowCount);
    await onChunk?.(r);
    if (r.done) return counts;
  }
  throw new Error('WriteChunk never reported done');
}

/** Complete, then Notify; returns the export as GET /v1/exports/{id} shows it. */
async function finish(input: { tenant: string; exportId: string }): Promise<Json> {
  expect(await complete(input, context('CompleteExport'))).toEqual({});
  expect(await notify(input, context('NotifyExport'))).toEqual({});
  const res = await admin.get(`/v1/exports/${input.exportId}`);
  expect(res.status, res.text).toBe(200);
  return res.body;
}

/** Ids in the CSV behind `url` (BOM and header skipped), in file order. */
async function csvIds(url: string): Promise<string[]> {
  const res = await fetch(url);
  expect(res.status, url).toBe(200);
  const text = (await res.text()).replace(/^\uFEFF/, '');
  const [header, ...rows] = parse(text) as string[][];
  expect(header![0]).toBe('id');
  return rows.map((r) => r[0]!);
}

/** What the file must hold: every event up to the frozen `to`, oldest first, once each (all of `ingested` among them). */
async function expectedIds(createdAt: string): Promise<string[]> {
  const ids = (await listIds(admin, { to: createdAt, limit: 200 })).reverse();
  expect(ids).toEqual(expect.arrayContaining(ingested));
  expect(new Set(ids).size).toBe(ids.length);
  return ids;
}

describe('an export driven task by task', () => {
  it('persists each chunk\'s progress, visible over HTTP while running, and ends with every event once', async () => {
    // Prepare
    const x = await newExport();
    const expected = await expectedIds(x.createdAt);
    expect(expected.length).toBeGreaterThan(2 * CHUNK_ROWS);

    // Act: Begin and one chunk
    expect(await runBegin(x.input)).toEqual({});
    const begun = (await admin.get(`/v1/exports/${x.input.exportId}`)).body;
    const first = await runChunk(x.input);
    const running = await admin.get(`/v1/exports/${x.input.exportId}`);

    // Assess: the chunk stopped at the row budget and its progress is what GET shows
    expect(begun).toMatchObject({ status: 'running', rowCount: 0, startedAt: expect.any(String), downloadUrl: null });
    expect(first).toEqual({ done: false, rowCount: CHUNK_ROWS });
    expect(running.status, running.text).toBe(200);
    expect(running.body).toMatchObject({ id: x.input.exportId, status: 'running', rowCount: CHUNK_ROWS, downloadUrl: null, completedAt: null, error: null });
    expect(await progress(x.input)).toMatchObject({ seq: 1, part: 1, rowCount: CHUNK_ROWS, after: expect.any(String) });

    // Act: the rest, each chunk's progress visible on the way
    const seen: number[] = [];
    const counts = await chunksToEnd(x.input, async (r) => {
      if (!r.done) seen.push((await admin.get(`/v1/exports/${x.input.exportId}`)).body.rowCount);
    });
    const done = await finish(x.input);

    // Assess
    expect(counts).toEqual([2 * CHUNK_ROWS, expected.length]);
    expect(seen).toEqual([2 * CHUNK_ROWS]);
    expect(done).toMatchObject({ status: 'succeeded', rowCount: expected.length, downloadUrl: expect.stringMatching(/^http/), error: null });
    expect(await csvIds(done.downloadUrl)).toEqual(expected);
    const mails = await poll(() => mailsTo(x.email), (m) => m.length > 0);
    expect(mails).toHaveLength(1);
    expect(mails[0].subject).toContain(`${expected.length.toLocaleString('en-US')} events`);
  });

  it('keeps the rows of an unfinished part in exactly one carry-over object, and Complete leaves only the file', async () => {
    // Prepare
    const x = await newExport();
    await runBegin(x.input);
    expect((await leftovers(x.key)).uploads).toHaveLength(1);

    // Act
    const between: Array<{ seq: number; carries: string[]; carry?: ExportRecord['carry'] }> = [];
    await chunksToEnd(x.input, async (r) => {
      if (r.done) return;
      const p = await progress(x.input);
      between.push({ seq: p.seq, carries: (await leftovers(x.key)).carries, carry: p.carry });
    });
    const beforeComplete = await leftovers(x.key);
    await complete(x.input, context('CompleteExport'));
    const after = await leftovers(x.key);
    const record = (await getExport(tenant, x.input.exportId))!;

    // Assess: one carry-over per non-final chunk, the one the record points to, with all rows of the unfinished part
    expect(between).toEqual([1, 2].map((seq) => ({
      seq, carries: [`${x.key}.carry/${seq}`], carry: { key: `${x.key}.carry/${seq}`, rows: seq * CHUNK_ROWS, bytes: expect.any(Number) },
    })));
    // The final chunk uploaded the carried rows with its own as the only part and removed the carry-over.
    expect(beforeComplete).toMatchObject({ file: false, carries: [] });
    expect(after).toEqual({ file: true, carries: [], uploads: [] });
    expect(record.carry).toBeUndefined();
    expect(record.uploadId).toBeUndefined();
    expect(record.part).toBe(2);
  });

  it('commits a chunk run twice at once (a retry while the timed-out attempt still runs) only once', async () => {
    // Prepare: a committed first chunk
    const x = await newExport();
    const expected = await expectedIds(x.createdAt);
    await runBegin(x.input);
    await runChunk(x.input);
    const before = await progress(x.input);

    // Act
    const results = await Promise.all([runChunk(x.input), runChunk(x.input)]);
    const after = await progress(x.input);

    // Assess: one advanced, the other found the chunk committed and reported the old count
    expect(results).toEqual(expect.arrayContaining([{ done: false, rowCount: 2 * CHUNK_ROWS }, { done: false, rowCount: CHUNK_ROWS }]));
    expect(after).toMatchObject({ seq: before.seq + 1, rowCount: before.rowCount + CHUNK_ROWS, carry: { key: `${x.key}.carry/2`, rows: 2 * CHUNK_ROWS } });
    expect((await leftovers(x.key)).carries).toEqual([`${x.key}.carry/2`]);

    // Act: on to the end
    await chunksToEnd(x.input);
    const done = await finish(x.input);

    // Assess: every row exactly once
    expect(done).toMatchObject({ status: 'succeeded', rowCount: expected.length });
    expect(await csvIds(done.downloadUrl)).toEqual(expected);
    expect(await leftovers(x.key)).toEqual({ file: true, carries: [], uploads: [] });
  });

  it('moves nothing when a chunk fails after reading its rows, and its retry commits what a clean run does', async () => {
    // Prepare: one committed chunk; the next carry-over write, then the final part upload, fail through the SDK's 5 attempts.
    const x = await newExport();
    const expected = await expectedIds(x.createdAt);
    await runBegin(x.input);
    await runChunk(x.input);
    const snapshot1 = await progress(x.input);
    const carryFault = await injectFault(local.faults!, { kind: 's3-fail', keyContains: `${x.key}.carry/2`, operation: 'PutObject', times: 5 });
    faults.push(carryFault);

    // Act
    const carryError = await rejection(runChunk(x.input));
    const afterCarryError = await progress(x.input);
    const retried = await runChunk(x.input);
    const snapshot2 = await progress(x.input);
    faults.push(await injectFault(local.faults!, { kind: 's3-fail', keyContains: x.key, operation: 'UploadPart', times: 5 }));
    const partError = await rejection(runChunk(x.input));
    const afterPartError = await progress(x.input);
    const carriesAfterPartError = (await leftovers(x.key)).carries;
    const last = await runChunk(x.input);

    // Assess: the failed attempts changed nothing; the retries committed the clean run's counts
    expect(carryError).toMatchObject({ name: 'ExportDependencyError', message: 'S3 could not keep rows for the next chunk (InternalError).' });
    expect(afterCarryError).toEqual(snapshot1);
    expect(retried).toEqual({ done: false, rowCount: 2 * CHUNK_ROWS });
    expect(snapshot2).toMatchObject({ seq: 2, rowCount: 2 * CHUNK_ROWS, carry: { key: `${x.key}.carry/2`, rows: 2 * CHUNK_ROWS } });
    expect(snapshot2.after! > snapshot1.after!).toBe(true);
    expect(partError).toMatchObject({ name: 'ExportDependencyError', message: 'S3 could not store part 1 of the file (InternalError).' });
    expect(afterPartError).toEqual(snapshot2);
    expect(carriesAfterPartError).toEqual([`${x.key}.carry/2`]);
    expect(last).toEqual({ done: true, rowCount: expected.length });
    const done = await finish(x.input);
    expect(await csvIds(done.downloadUrl)).toEqual(expected);
    expect(await leftovers(x.key)).toEqual({ file: true, carries: [], uploads: [] });
  });

  it('Fail aborts the upload, deletes the carry-over and the file, mails why and marks the export failed', async () => {
    // Prepare: two chunks in, so an upload is open and a carry-over exists
    const x = await newExport();
    await runBegin(x.input);
    await runChunk(x.input);
    await runChunk(x.input);
    const before = await leftovers(x.key);
    const reason = 'S3 could not store part 1 of the file (InternalError).';

    // Act
    const result = await fail({
      ...x.input,
      error: { Error: 'ExportDependencyError', Cause: JSON.stringify({ errorType: 'ExportDependencyError', errorMessage: reason }) },
    }, context('FailExport'));
    const view = await admin.get(`/v1/exports/${x.input.exportId}`);

    // Assess
    expect(before).toEqual({ file: false, carries: [`${x.key}.carry/2`], uploads: [expect.any(String)] });
    expect(result).toEqual({});
    expect(view.body).toMatchObject({ status: 'failed', error: reason, rowCount: 2 * CHUNK_ROWS, downloadUrl: null, completedAt: expect.any(String) });
    const record = (await getExport(tenant, x.input.exportId))!;
    expect(record).toMatchObject({ status: 'failed', error: reason, mail: { status: 'sent', messageId: expect.any(String) } });
    expect(record.uploadId).toBeUndefined();
    expect(record.carry).toBeUndefined();
    expect(await leftovers(x.key)).toEqual({ file: false, carries: [], uploads: [] });
    const mails = await poll(() => mailsTo(x.email), (m) => m.length > 0);
    expect(mails).toHaveLength(1);
    expect(mails[0].subject).toBe('Audit log export failed');
    expect(mails[0].body.text).toContain(reason);
    expect(mails[0].body.html).toContain(reason);
    // A late chunk of the failed export (a stale attempt) commits nothing.
    expect((await rejection(runChunk(x.input))).name).toBe('PermanentExportError');
    expect(await leftovers(x.key)).toEqual({ file: false, carries: [], uploads: [] });
  });
  // An attempt that loaded the record before a duplicate attempt committed the same chunk finds its carry-over gone.
  it('a duplicate attempt that reads its carry-over after the other attempt committed does not fail the export', async () => {
    // Prepare: a committed first chunk; attempt B loads the record, then waits before reading carry/1
    const x = await newExport();
    const expected = await expectedIds(x.createdAt);
    await runBegin(x.input);
    await runChunk(x.input);
    let reached!: () => void;
    let release!: () => void;
    const bReady = new Promise<void>((r) => { reached = r; });
    carryGate.next = { key: `${x.key}.carry/1`, reached, release: new Promise<void>((r) => { release = r; }) };
    const b = runChunk(x.input).then((value) => ({ value }), (error: Error) => ({ error }));
    await bReady;

    // Act: attempt A commits the chunk (and deletes carry/1), then B goes on
    const a = await runChunk(x.input);
    release();
    const bOutcome = await b;

    // Assess
    expect(a).toEqual({ done: false, rowCount: 2 * CHUNK_ROWS });
    expect(bOutcome).toEqual({ value: { done: false, rowCount: CHUNK_ROWS } });
    expect(await progress(x.input)).toMatchObject({ seq: 2, rowCount: 2 * CHUNK_ROWS });
    await chunksToEnd(x.input);
    expect(await csvIds((await finish(x.input)).downloadUrl)).toEqual(expected);
  });
});

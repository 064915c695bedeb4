/**
 * CSV exports end to end, through the local stack's real peers: the HTTP API,
 * the CDK-synthesized state machine run by aws-local-stepfunctions, s3rver and
 * the SES emulator. Each export is requested over HTTP, awaited, its email read
 * from the SES mailbox, its link followed, and the CSV parsed and compared row
 * by row with `GET /v1/events` for the same filters. Failure paths use the
 * local fault injector (SES rejecting, S3 failing, a chunk crashing) and check
 * the status, the mail, and that no upload or temporary file is left behind.
 *
 * The global setup runs chunks of at most 250 rows (EXPORT_CHUNK_MAX_ROWS), so
 * a few hundred events already take several chunks and carry-overs.
 */
import { ListMultipartUploadsCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { parse } from 'csv-parse/sync';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  adminOfNewTenant, client, type Client, DAY, event, expectError, expectValidation, HOUR, ingest, issueToken, type Json, local, MINUTE,
  paginate, poll, type Query, uid,
} from './helpers.js';

const COLUMNS = [
  'id', 'occurredAt', 'receivedAt', 'actorType', 'actorId', 'actorName', 'actorEmail', 'action', 'category',
  'resourceType', 'resourceId', 'resourceName', 'project', 'result', 'severity', 'ip', 'userAgent',
  'browser', 'os', 'device', 'message', 'changedFields', 'changes', 'metadata',
];

/** What a spreadsheet-safe cell looks like (the contract's rule, written independently of the implementation). */
const safe = (cell: string): string => (/^[=+\-@\t\r]/.test(cell) ? `'${cell}` : cell);

/** The expected CSV cells of an event as `GET /v1/events` returns it. */
function expectedRow(e: Json): string[] {
  return [
    e.id, e.occurredAt, e.receivedAt, e.actor.type, e.actor.id, e.actor.name ?? '', e.actor.email ?? '', e.action, e.category,
    e.resource?.type ?? '', e.resource?.id ?? '', e.resource?.name ?? '', e.project ?? '', e.result, e.severity, e.ip ?? '', e.userAgent ?? '',
    e.client?.browser ?? '', e.client?.os ?? '', e.client?.device ?? '', e.message, (e.changes?.fields ?? []).join(';'),
    e.changes ? JSON.stringify({ before: e.changes.before, after: e.changes.after }) : '', e.metadata ? JSON.stringify(e.metadata) : '',
  ].map((cell) => safe(String(cell)));
}

const s3 = new S3Client({
  endpoint: local.s3, region: local.region, forcePathStyle: true,
  credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
  requestChecksumCalculation: 'WHEN_REQUIRED', responseChecksumValidation: 'WHEN_REQUIRED',
});
const Bucket = local.buckets!.exports;

/** Mails the SES emulator holds for `to`. */
async function mailsTo(to: string): Promise<Json[]> {
  const res = await fetch(local.mailbox!);
  const store = (await res.json()) as { emails: Json[] };
  return store.emails.filter((m) => m.destination.to.includes(to));
}

/** Adds a fault rule; removed after each test. */
const faults: string[] = [];
async function addFault(rule: Record<string, unknown>): Promise<string> {
  const res = await fetch(`${local.faults}/faults`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(rule) });
  expect(res.status, await res.clone().text()).toBeLessThan(300);
  const { id } = (await res.json()) as { id: string };
  faults.push(id);
  return id;
}
async function faultHits(id: string): Promise<number> {
  const list = (await (await fetch(`${local.faults}/faults`)).json()) as Json;
  const rules: Json[] = Array.isArray(list) ? list : list.faults;
  return rules.find((r) => r.id === id)?.hits ?? 0;
}
afterEach(async () => {
  await Promise.all(faults.splice(0).map((id) => fetch(`${local.faults}/faults/${id}`, { method: 'DELETE' })));
});

/** Requests an export and returns its id (asserting the 202). */
async function requestExport(api: Client, filters: Json, email: string): Promise<string> {
  const res = await api.post('/v1/exports', { filters, email, format: 'csv' });
  expect(res.status, res.text).toBe(202);
  expect(res.body).toMatchObject({ id: expect.stringMatching(/^[0-9a-z]{26}$/), status: 'queued' });
  expect(res.headers.get('location')).toBe(`/v1/exports/${res.body.id}`);
  return res.body.id;
}

/** Polls the export until it is succeeded or failed. */
async function settle(api: Client, id: string): Promise<Json> {
  const res = await poll(() => api.get(`/v1/exports/${id}`), (r) => ['succeeded', 'failed'].includes(r.body?.status), 60_000, 100);
  expect(res.status, res.text).toBe(200);
  expect(['succeeded', 'failed'], res.text).toContain(res.body.status);
  return res.body;
}

/** Downloads a link and parses the CSV (BOM checked and stripped). */
async function download(url: string): Promise<{ header: string[]; rows: string[][]; res: Response; bytes: number }> {
  const res = await fetch(url);
  expect(res.status, url).toBe(200);
  const buf = Buffer.from(await res.arrayBuffer());
  expect([...buf.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
  const text = buf.subarray(3).toString('utf8');
  expect(text.endsWith('\r\n')).toBe(true);
  const [header, ...rows] = parse(text, { relax_column_count: false }) as string[][];
  return { header: header!, rows, res, bytes: buf.length };
}

/** Objects and uploads left under an export's key. */
async function leftovers(tenant: string, id: string): Promise<{ objects: string[]; uploads: string[] }> {
  const Prefix = `exports/${tenant}/${id}`;
  const [objects, uploads] = await Promise.all([
    s3.send(new ListObjectsV2Command({ Bucket, Prefix })),
    s3.send(new ListMultipartUploadsCommand({ Bucket, Prefix })),
  ]);
  return { objects: (objects.Contents ?? []).map((o) => o.Key!), uploads: (uploads.Uploads ?? []).map((u) => u.Key!) };
}

/** Events oldest first, as an export orders them. */
async function eventsOldestFirst(api: Client, query: Query): Promise<Json[]> {
  return (await paginate(api, '/v1/events', { ...query, limit: 200 })).items.reverse();
}

const HOSTILE = ['=HYPERLINK("http://evil.example","x")', '+1+1', '-2+3', '@SUM(A1)', '\tTabbed', 'comma, "quoted", and\nnewline', 'Zoë Ødegård 李雷 🚀'];

let tenant: string;
let api: Client;
let stored: number;

beforeAll(async () => {
  ({ tenant, admin: api } = await adminOfNewTenant());
  const now = Date.now();
  const events = Array.from({ length: 640 }, (_, i) => event({
    id: uid(`x${i}`),
    occurredAt: new Date(now - 2 * HOUR - i * 17 * MINUTE).toISOString(),
    action: ['project.updated', 'project.created', 'form.deployed', 'auth.signed_in'][i % 4],
    actor: i % 3 === 0
      ? { type: 'user', id: 'u_zoe', name: i % 2 ? 'Zoë Ødegård' : HOSTILE[i % HOSTILE.length], email: 'zoe@example.com' }
      : { type: 'service', id: `svc_${i % 5}`, name: 'CI, "deploy" bot' },
    resource: i % 2 ? { type: 'project', id: `p_${i % 7}`, name: HOSTILE[(i + 3) % HOSTILE.length] } : undefined,
    project: i % 5 === 0 ? 'p_main' : undefined,
    result: i % 9 === 0 ? 'failure' : 'success',
    ip: i % 4 === 0 ? '203.0.113.9' : undefined,
    userAgent: i % 4 === 0 ? 'Mozilla/5.0 (X11; Ubuntu; Linux x86_64; rv:132.0) Gecko/20100101 Firefox/132.0' : undefined,
    message: i % 6 === 0 ? HOSTILE[i % HOSTILE.length] : undefined,
    changes: i % 8 === 0 ? { before: { name: 'Old, "name"' }, after: { name: '=cmd|calc', extra: [1, 2] } } : undefined,
    metadata: i % 10 === 0 ? { note: 'line1\nline2', n: i } : undefined,
  }));
  await ingest(api, events);
  stored = events.length;
});

describe('a successful export', () => {
  it('builds exactly the events GET /v1/events returns, oldest first, mails a working link, and reports its progress', async () => {
    // Prepare: an indexed filter (actor) plus a range, over several chunks.
    const filters = { actor: 'u_zoe', range: '30d' };
    const expected = await eventsOldestFirst(api, filters);
    expect(expected.length).toBeGreaterThan(200);
    const email = `ops-${uid()}@example.com`;

    // Act
    const id = await requestExport(api, filters, email);
    const seen = await poll(() => api.get(`/v1/exports/${id}`), (r) => r.body.status !== 'queued', 20_000, 20);
    const done = await settle(api, id);

    // Assess: the status
    expect(['running', 'succeeded']).toContain(seen.body.status);
    expect(done).toMatchObject({
      id, status: 'succeeded', format: 'csv', rowCount: expected.length, error: null, email,
      filters, downloadUrl: expect.stringMatching(/^http/), createdAt: expect.any(String), completedAt: expect.any(String),
    });
    expect(done.bytes).toBeGreaterThan(expected.length * 100);
    // The mail: what was exported, and a link that works
    const mails = await poll(() => mailsTo(email), (m) => m.length > 0, 10_000);
    expect(mails).toHaveLength(1);
    const mail = JSON.stringify(mails[0]);
    expect(mails[0].subject).toContain(`${expected.length.toLocaleString('en-US')} events`);
    expect(mail).toContain('actor u_zoe');
    const link = /https?:\/\/\S+/.exec(mails[0].body.text)![0];
    const csv = await download(link);
    expect(csv.res.headers.get('content-type')).toContain('text/csv');
    expect(csv.res.headers.get('content-disposition')).toContain('attachment');
    expect(csv.bytes).toBe(done.bytes);
    // The CSV: contract columns, the same rows in the same (oldest first) order, spreadsheet-safe cells
    expect(csv.header).toEqual(COLUMNS);
    expect(csv.rows.map((r) => r[0])).toEqual(expected.map((e) => e.id));
    expect(csv.rows).toEqual(expected.map(expectedRow));
    expect(csv.rows.some((r) => r[5] === 'Zoë Ødegård')).toBe(true);
    expect(csv.rows.some((r) => r[5] === `'=HYPERLINK("http://evil.example","x")`)).toBe(true);
    // The link is signed with the long-lived signer key (no session token) for ExportLinkTtlHours (24 h).
    const url = new URL(link);
    expect(url.searchParams.get('X-Amz-Expires')).toBe(String(24 * 3600));
    expect(url.searchParams.has('X-Amz-Security-Token')).toBe(false);
    // GET hands out a fresh link to the same file; nothing temporary is left.
    expect((await download(done.downloadUrl)).rows).toEqual(csv.rows);
    expect(await leftovers(tenant, id)).toEqual({ objects: [`exports/${tenant}/${id}.csv`], uploads: [] });
  });

  it('merges the timeline shards when no indexed filter applies, with non-indexed filters and search', async () => {
    const filters = { result: 'success', action: ['project.*', 'form.deployed'], from: new Date(Date.now() - 5 * DAY).toISOString() };
    const expected = await eventsOldestFirst(api, filters);
    expect(expected.length).toBeGreaterThan(250);
    const id = await requestExport(api, filters, `ops-${uid()}@example.com`);
    const done = await settle(api, id);
    expect(done).toMatchObject({ status: 'succeeded', rowCount: expected.length });
    const csv = await download(done.downloadUrl);
    expect(csv.rows).toEqual(expected.map(expectedRow));
  });

  it('assembles a file of several multipart parts (over 5 MiB) byte-exact, from chunks and carry-overs', async () => {
    // Prepare: ~9 MB of CSV in a tenant of its own (events with 12 KB of metadata, sent 50 per request)
    const { admin } = await adminOfNewTenant();
    const big = Array.from({ length: 720 }, (_, i) => event({
      id: uid(`big${i}`),
      occurredAt: new Date(Date.now() - HOUR - i * MINUTE).toISOString(),
      metadata: { blob: `${'Zoë, "quoted"; '.repeat(800)}${i}` },
    }));
    for (let i = 0; i < big.length; i += 50) expect((await admin.post('/v1/events', { events: big.slice(i, i + 50) })).status).toBe(201);
    const expected = await eventsOldestFirst(admin, {});

    // Act
    const id = await requestExport(admin, {}, `ops-${uid()}@example.com`);
    const done = await settle(admin, id);

    // Assess: more than one 5 MiB part, every row once, in order
    expect(done).toMatchObject({ status: 'succeeded', rowCount: expected.length });
    expect(done.bytes).toBeGreaterThan(2 * 5 * 1024 * 1024);
    const csv = await download(done.downloadUrl);
    expect(csv.bytes).toBe(done.bytes);
    expect(csv.rows).toEqual(expected.map(expectedRow));
  });

  it('exports an empty selection as a header-only file', async () => {
    const id = await requestExport(api, { actor: 'nobody-at-all' }, `ops-${uid()}@example.com`);
    const done = await settle(api, id);
    expect(done).toMatchObject({ status: 'succeeded', rowCount: 0 });
    const csv = await download(done.downloadUrl);
    expect(csv.header).toEqual(COLUMNS);
    expect(csv.rows).toEqual([]);
  });

  it('records the request in the tenant\'s own audit log', async () => {
    const id = await requestExport(api, { project: 'p_main' }, `ops-${uid()}@example.com`);
    await settle(api, id);
    const audit = await api.get('/v1/events', { action: 'audit_export.requested', resourceId: id });
    expect(audit.body.events).toHaveLength(1);
    expect(audit.body.events[0]).toMatchObject({ actor: { type: 'api_token' }, resource: { type: 'audit_export', id }, metadata: { filters: { project: 'p_main' } } });
  });
});

describe('the exports API', () => {
  it('validates the request and names every bad field', async () => {
    expect(expectValidation(await api.post('/v1/exports', { filters: {} }))).toEqual(['email']);
    expect(expectValidation(await api.post('/v1/exports', { email: 'not-an-email' }))).toEqual(['email']);
    expect(expectValidation(await api.post('/v1/exports', { email: 'a@example.com', format: 'xlsx' }))).toEqual(['format']);
    expect(expectValidation(await api.post('/v1/exports', { email: 'a@example.com', filters: { bogus: 1, limit: 5 } })).sort()).toEqual(['filters.bogus', 'filters.limit']);
    expect(expectValidation(await api.post('/v1/exports', { email: 'a@example.com', filters: { range: '7d', from: '2026-01-01T00:00:00Z' } }))).toEqual(['filters.range']);
    expect(expectValidation(await api.post('/v1/exports', { email: 'a@example.com', extra: true }))).toEqual(['extra']);
    expect(expectValidation(await api.post('/v1/exports', { email: 'a@example.com', filters: { severity: 'loud' } }))).toEqual(['filters.severity']);
    expect((await api.get('/v1/exports', { limit: 0 })).status).toBe(400);
  });

  it('needs exports:write, and keeps every tenant to its own exports', async () => {
    const reader = client((await issueToken(tenant, ['events:read'])).token);
    expectError(await reader.post('/v1/exports', { email: 'a@example.com' }), 403, 'forbidden');
    expectError(await reader.get('/v1/exports'), 403, 'forbidden');
    const writer = client((await issueToken(tenant, ['exports:write'])).token);
    const id = await requestExport(writer, { range: '24h' }, `ops-${uid()}@example.com`);
    expect((await writer.get(`/v1/exports/${id}`)).status).toBe(200);

    const { admin: stranger } = await adminOfNewTenant();
    expectError(await stranger.get(`/v1/exports/${id}`), 404, 'not_found');
    expect((await stranger.get('/v1/exports')).body.exports).toEqual([]);
    expectError(await stranger.get('/v1/exports/not-an-id'), 404, 'not_found');
    expectError(await client('alog_bogus').get('/v1/exports'), 401, 'unauthorized');
    await settle(writer, id);
  });

  it('lists the tenant\'s exports newest first, page by page', async () => {
    const { admin } = await adminOfNewTenant();
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) ids.push(await requestExport(admin, { range: '24h' }, `ops-${uid()}@example.com`));
    const { items, pages } = await paginate(admin, '/v1/exports', { limit: 2 }, 'exports');
    expect(items.map((e: Json) => e.id)).toEqual([...ids].reverse());
    expect(pages).toBe(2);
    await Promise.all(ids.map((id) => settle(admin, id)));
  });
});

describe('failures end in the right status, a mail, and nothing left behind', () => {
  it('SES rejecting the ready mail fails the export and says why', async () => {
    const email = `bounce-${uid()}@example.com`;
    const fault = await addFault({ kind: 'ses-reject', recipient: email });
    const id = await requestExport(api, { actor: 'u_zoe' }, email);
    const done = await settle(api, id);
    expect(done.status).toBe('failed');
    expect(done.error).toMatch(/email/i);
    expect(done.error).toContain('MessageRejected');
    expect(done.downloadUrl).toBeNull();
    expect(await faultHits(fault)).toBeGreaterThanOrEqual(2); // the ready mail, then the failure notice
    expect(await mailsTo(email)).toEqual([]);
    expect(await leftovers(tenant, id)).toEqual({ objects: [], uploads: [] });
  });

  it('S3 failing mid-upload (every retry) aborts the upload, fails the export and mails the failure', async () => {
    const email = `ops-${uid()}@example.com`;
    await addFault({ kind: 's3-fail', keyContains: `exports/${tenant}/`, operation: 'UploadPart', status: 500, code: 'InternalError' });
    const id = await requestExport(api, {}, email);
    const done = await settle(api, id);
    expect(done.status).toBe('failed');
    expect(done.error).toMatch(/S3 could not store part \d+ of the file \(InternalError\)/);
    const mails = await poll(() => mailsTo(email), (m) => m.length > 0, 10_000);
    expect(mails).toHaveLength(1);
    expect(mails[0].subject).toMatch(/failed/i);
    expect(JSON.stringify(mails[0])).toContain('InternalError');
    expect(await leftovers(tenant, id)).toEqual({ objects: [], uploads: [] });
  });

  it('S3 failing once is retried and the file is still exact', async () => {
    await addFault({ kind: 's3-fail', keyContains: `exports/${tenant}/`, operation: 'UploadPart', times: 1 });
    const filters = { actor: 'svc_1' };
    const expected = await eventsOldestFirst(api, filters);
    const id = await requestExport(api, filters, `ops-${uid()}@example.com`);
    const done = await settle(api, id);
    expect(done).toMatchObject({ status: 'succeeded', rowCount: expected.length });
    expect((await download(done.downloadUrl)).rows).toEqual(expected.map(expectedRow));
  });

  it('a chunk crashing once after doing its work neither duplicates nor skips rows', async () => {
    const fault = await addFault({ kind: 'task-crash', task: 'WriteExportChunk', tenant, when: 'after', times: 1 });
    const filters = { range: '30d' };
    const expected = await eventsOldestFirst(api, filters);
    expect(expected.length).toBeGreaterThanOrEqual(stored);
    const id = await requestExport(api, filters, `ops-${uid()}@example.com`);
    const done = await settle(api, id);
    expect(await faultHits(fault)).toBe(1);
    expect(done).toMatchObject({ status: 'succeeded', rowCount: expected.length });
    const csv = await download(done.downloadUrl);
    expect(new Set(csv.rows.map((r) => r[0])).size).toBe(csv.rows.length);
    expect(csv.rows).toEqual(expected.map(expectedRow));
  });
});

/**
 * A local S3: s3rver 3.7 in this process, on a temporary directory, with what the
 * export workflow needs and s3rver lacks put in front of it as Koa middleware:
 *
 * - SigV4 verification of every request (header and presigned-URL auth); s3rver checks
 *   only that the access key exists and that a presigned URL has not expired.
 *   Anonymous requests get 403, like a private bucket.
 * - AbortMultipartUpload, ListParts and ListMultipartUploads, on s3rver's own store layout.
 * - S3's checks on UploadPart/CompleteMultipartUpload: NoSuchUpload for unknown or
 *   finished uploads, InvalidPart, InvalidPartOrder, EntityTooSmall (parts < 5 MiB),
 *   and the multipart ETag (`"<md5 of part md5s>-<n>"`).
 * - `s3-fail` fault rules (see local/faults.ts).
 *
 * Path-style addressing only (`http://127.0.0.1:<port>/<bucket>/<key>`).
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { readFile, readdir, rm, stat, writeFile } from 'node:fs/promises';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ENV } from '../lib/catalogue.js';
import { LOCAL_AWS } from './dynamodb.js';
import type { Faults, S3Operation } from './faults.js';
import { resourcesOfType, shortLogicalId, type CfnTemplate } from './template.js';

/** s3rver's built-in key pair. Locally it is also the "export signer" key of download links. */
export const S3RVER_KEY = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' } as const;

/** S3's minimum size of every part but the last. */
export const MIN_PART_BYTES = 5 * 1024 * 1024;

/** The local name of a bucket resource: `audit-log-<short logical id in kebab case>` (S3 naming rules). */
export function localBucketName(logicalId: string): string {
  const kebab = shortLogicalId(logicalId).replace(/([a-z0-9])([A-Z])/g, '$1-$2').replace(/([A-Z])([A-Z][a-z])/g, '$1-$2').toLowerCase();
  return `audit-log-${kebab}`.replace(/[^a-z0-9.-]/g, '-').slice(0, 63).replace(/[-.]+$/, '');
}

/**
 * Local bucket names by key: the bucket that a function's `EXPORTS_BUCKET` variable
 * references is `exports`; any other bucket goes under its short logical id.
 */
export function localBuckets(template: CfnTemplate): Record<string, string> {
  const exportsRef = new Set<string>();
  for (const [, fn] of resourcesOfType(template, 'AWS::Lambda::Function')) {
    const ref = fn.Properties?.Environment?.Variables?.[ENV.exportsBucket]?.Ref;
    if (typeof ref === 'string') exportsRef.add(ref);
  }
  const out: Record<string, string> = {};
  for (const [id] of resourcesOfType(template, 'AWS::S3::Bucket')) {
    out[exportsRef.has(id) ? 'exports' : shortLogicalId(id)] = localBucketName(id);
  }
  return out;
}

/** Options of {@link startS3}. */
export interface S3Options {
  /** Buckets to create at start. */
  readonly buckets?: readonly string[];
  /** Fault rules consulted on every request. */
  readonly faults?: Faults;
  /**
   * Access keys accepted (id → secret). @default the local stack's key (LOCAL_AWS) and
   * s3rver's own (S3RVER/S3RVER)
   */
  readonly keys?: Readonly<Record<string, string>>;
  /** @default 0 (a free port) */
  readonly port?: number;
  /**
   * Directory that keeps the buckets and objects, created if absent, left in place on stop.
   * @default a temporary directory, removed on stop
   */
  readonly directory?: string;
}

/** A running local S3. */
export interface LocalS3 {
  /** `http://127.0.0.1:<port>` */
  readonly endpoint: string;
  /** Creates buckets (idempotent). */
  createBuckets(names: readonly string[]): Promise<void>;
  /** Stops the server and removes its directory (unless it was given). Safe to call twice. */
  stop(): Promise<void>;
}

/** The parts of s3rver's FilesystemStore used here. */
interface FilesystemStore {
  getResourcePath(bucket: string, key: string | undefined, resource: string): string;
  getBucket(bucket: string): Promise<unknown>;
  putBucket(bucket: string): Promise<unknown>;
  putObjectMultipart(bucket: string, uploadId: string, parts: Array<{ number: number; etag: string }>): Promise<{ md5: string; size: number }>;
}

/** The parts of a Koa context used here. */
interface KoaContext {
  readonly req: IncomingMessage;
  readonly res: ServerResponse;
  readonly method: string;
  readonly query: Record<string, string | string[] | undefined>;
  status: number;
  body: unknown;
  type: string;
  set(field: string, value: string): void;
}
type Middleware = (ctx: KoaContext, next: () => Promise<void>) => Promise<void>;

interface S3rverInstance {
  readonly store: FilesystemStore;
  readonly middleware: Middleware[];
  readonly httpServer?: Server;
  run(): Promise<{ port: number }>;
  close(): Promise<void>;
}
type S3rverClass = new (options: Record<string, unknown>) => S3rverInstance;

const require = createRequire(import.meta.url);

/** Starts s3rver on 127.0.0.1 with the middleware described in the module comment. */
export async function startS3(opts: S3Options = {}): Promise<LocalS3> {
  const S3rver = require('s3rver') as S3rverClass;
  const { DUMMY_ACCOUNT } = require('s3rver/lib/models/account.js') as { DUMMY_ACCOUNT: { createKeyPair(id: string, secret: string): void } };
  const keys: Record<string, string> = opts.keys
    ? { ...opts.keys }
    : { [LOCAL_AWS.credentials.accessKeyId]: LOCAL_AWS.credentials.secretAccessKey, [S3RVER_KEY.accessKeyId]: S3RVER_KEY.secretAccessKey };
  // s3rver's own authentication looks the key id up in its (process-wide) registry.
  for (const [id, secret] of Object.entries(keys)) DUMMY_ACCOUNT.createKeyPair(id, secret);

  if (opts.directory) mkdirSync(opts.directory, { recursive: true });
  const directory = opts.directory ?? mkdtempSync(join(tmpdir(), 'audit-log-s3-'));
  const server = new S3rver({
    address: '127.0.0.1',
    port: opts.port ?? 0,
    silent: true,
    directory,
    vhostBuckets: false,
    configureBuckets: (opts.buckets ?? []).map((name) => ({ name })),
  });
  server.middleware.unshift(localS3Middleware(server.store, keys, opts.faults));
  const removeDirectory = () => { if (!opts.directory) rmSync(directory, { recursive: true, force: true }); };
  process.once('exit', removeDirectory);
  let stopped = false;
  try {
    const { port } = await server.run();
    return {
      endpoint: `http://127.0.0.1:${port}`,
      async createBuckets(names) {
        await Promise.all(names.map((name) => server.store.putBucket(name)));
      },
      async stop() {
        if (stopped) return;
        stopped = true;
        const closing = server.close().catch(() => undefined);
        server.httpServer?.closeAllConnections(); // SDK clients keep connections alive
        await closing;
        process.removeListener('exit', removeDirectory);
        removeDirectory();
      },
    };
  } catch (err) {
    process.removeListener('exit', removeDirectory);
    removeDirectory();
    throw err;
  }
}

/** An S3 error response. */
interface S3ErrorSpec {
  readonly status: number;
  readonly code: string;
  readonly message: string;
  readonly extra?: Record<string, string>;
}

const err = (status: number, code: string, message: string, extra?: Record<string, string>): S3ErrorSpec => ({ status, code, message, extra });
const noSuchUpload = (uploadId: string) =>
  err(404, 'NoSuchUpload', 'The specified upload does not exist. The upload ID may be invalid, or the upload may have been aborted or completed.', { UploadId: uploadId });

const xmlEscape = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&apos;');
const xmlUnescape = (s: string) => s.replace(/&quot;/g, '"').replace(/&apos;/g, "'").replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
const tag = (name: string, value: string | number | boolean) => `<${name}>${xmlEscape(String(value))}</${name}>`;
const XML_HEAD = '<?xml version="1.0" encoding="UTF-8"?>\n';
const S3_NS = 'http://s3.amazonaws.com/doc/2006-03-01/';
const OWNER = `${tag('ID', '123456789000')}${tag('DisplayName', 'S3rver')}`;

function sendXml(ctx: KoaContext, status: number, xml: string): void {
  ctx.status = status;
  ctx.type = 'application/xml';
  ctx.body = XML_HEAD + xml;
}

function sendError(ctx: KoaContext, e: S3ErrorSpec): void {
  const extra = Object.entries(e.extra ?? {}).map(([k, v]) => tag(k, v)).join('');
  sendXml(ctx, e.status, `<Error>${tag('Code', e.code)}${tag('Message', e.message)}${extra}${tag('RequestId', 'local')}</Error>`);
}

/** Reads (and so drains) the request body. */
async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** Bucket and key of a path-style request, decoded. */
function bucketAndKey(rawPath: string): { bucket: string; key: string } {
  const [, bucket = '', ...rest] = rawPath.split('/');
  const dec = (s: string) => { try { return decodeURIComponent(s); } catch { return s; } };
  return { bucket: dec(bucket), key: dec(rest.join('/')) };
}

/** The S3 API operation a path-style request is. */
export function s3Operation(method: string, key: string, query: Record<string, unknown>, headers: IncomingMessage['headers']): S3Operation {
  const has = (q: string) => q in query;
  const copy = 'x-amz-copy-source' in headers;
  if (!key) {
    if (method === 'GET' && has('uploads')) return 'ListMultipartUploads';
    if (method === 'GET') return query['list-type'] === '2' ? 'ListObjectsV2' : 'ListObjects';
    if (method === 'POST' && has('delete')) return 'DeleteObjects';
    if (method === 'PUT') return 'CreateBucket';
    if (method === 'HEAD') return 'HeadBucket';
    if (method === 'DELETE') return 'DeleteBucket';
    return 'Other';
  }
  switch (method) {
    case 'PUT': return has('uploadId') ? (copy ? 'UploadPartCopy' : 'UploadPart') : copy ? 'CopyObject' : has('tagging') || has('acl') ? 'Other' : 'PutObject';
    case 'POST': return has('uploads') ? 'CreateMultipartUpload' : has('uploadId') ? 'CompleteMultipartUpload' : 'Other';
    case 'DELETE': return has('uploadId') ? 'AbortMultipartUpload' : 'DeleteObject';
    case 'GET': return has('uploadId') ? 'ListParts' : has('tagging') || has('acl') ? 'Other' : 'GetObject';
    case 'HEAD': return 'HeadObject';
    default: return 'Other';
  }
}

const DEFAULT_MESSAGES: Record<string, string> = {
  InternalError: 'We encountered an internal error. Please try again.',
  SlowDown: 'Please reduce your request rate.',
  ServiceUnavailable: 'Service is unable to handle request.',
  AccessDenied: 'Access Denied',
};

function localS3Middleware(store: FilesystemStore, keys: Record<string, string>, faults: Faults | undefined): Middleware {
  const uploadsDir = (bucket: string) => store.getResourcePath(bucket, undefined, 'uploads');
  /** The upload's directory if `uploadId` is an open upload of `bucket`/`key`. */
  const openUpload = async (bucket: string, key: string, uploadId: string): Promise<string | undefined> => {
    if (!/^[0-9a-f]{1,64}$/i.test(uploadId)) return undefined;
    const dir = join(uploadsDir(bucket), uploadId);
    const uploadKey = await readFile(join(dir, 'key'), 'utf8').catch(() => undefined);
    return uploadKey === key ? dir : undefined;
  };

  return async function localS3(ctx, next) {
    const { req } = ctx;
    const url = req.url ?? '/';
    const q = url.indexOf('?');
    const rawPath = q < 0 ? url : url.slice(0, q);
    const rawQuery = q < 0 ? '' : url.slice(q + 1);
    const { bucket, key } = bucketAndKey(rawPath);
    const method = ctx.method;
    if (method === 'OPTIONS') return next(); // CORS preflights are unauthenticated

    const fail = async (e: S3ErrorSpec) => {
      await readBody(req).catch(() => undefined);
      sendError(ctx, e);
    };

    const authError = verifySigV4({ method, rawPath, rawQuery, headers: req.headers }, keys, Date.now());
    if (authError) return fail(authError);

    const operation = s3Operation(method, key, ctx.query, req.headers);
    const subject = key || String(ctx.query.prefix ?? '');
    const fault = faults?.take('s3-fail', (r) =>
      (r.operation === undefined || r.operation === operation) && (r.keyContains === undefined || subject.includes(r.keyContains)));
    if (fault) {
      const code = fault.code ?? 'InternalError';
      return fail(err(fault.status ?? 500, code, fault.message ?? DEFAULT_MESSAGES[code] ?? `Injected fault (${operation})`));
    }

    const sha = String(req.headers['x-amz-content-sha256'] ?? '');
    if (sha.startsWith('STREAMING-') || /aws-chunked/i.test(String(req.headers['content-encoding'] ?? ''))) {
      // s3rver would store the chunk framing as object data. The runner sets
      // AWS_REQUEST_CHECKSUM_CALCULATION=WHEN_REQUIRED so the SDK never sends it.
      return fail(err(501, 'NotImplemented', 'aws-chunked request bodies are not supported by the local S3; set AWS_REQUEST_CHECKSUM_CALCULATION=WHEN_REQUIRED'));
    }

    if (!['ListMultipartUploads', 'ListParts', 'AbortMultipartUpload', 'UploadPart', 'CompleteMultipartUpload'].includes(operation)) return next();
    if (!(await store.getBucket(bucket))) return fail(err(404, 'NoSuchBucket', 'The specified bucket does not exist', { BucketName: bucket }));

    if (operation === 'ListMultipartUploads') return listMultipartUploads(ctx, bucket, uploadsDir(bucket));

    const uploadId = String(ctx.query.uploadId ?? '');
    const dir = await openUpload(bucket, key, uploadId);
    if (!dir) return fail(noSuchUpload(uploadId));
    switch (operation) {
      case 'UploadPart': {
        const n = Number(ctx.query.partNumber);
        if (!(Number.isInteger(n) && n >= 1 && n <= 10_000)) {
          return fail(err(400, 'InvalidArgument', 'Part number must be an integer between 1 and 10000, inclusive', { ArgumentName: 'partNumber', ArgumentValue: String(ctx.query.partNumber) }));
        }
        return next();
      }
      case 'AbortMultipartUpload':
        await rm(dir, { recursive: true, force: true });
        ctx.status = 204;
        ctx.body = null;
        return;
      case 'ListParts':
        return listParts(ctx, bucket, key, uploadId, dir);
      case 'CompleteMultipartUpload': {
        const body = (await readBody(req)).toString('utf8');
        const result = await completeMultipartUpload(store, bucket, key, uploadId, dir, body);
        if ('code' in result) return sendError(ctx, result);
        const location = `http://${req.headers.host}${rawPath}`;
        return sendXml(ctx, 200, `<CompleteMultipartUploadResult xmlns="${S3_NS}">${tag('Location', location)}${tag('Bucket', bucket)}${tag('Key', key)}${tag('ETag', `"${result.etag}"`)}</CompleteMultipartUploadResult>`);
      }
    }
  };
}

interface PartInfo { readonly number: number; readonly etag: string; readonly size: number; readonly lastModified: Date }

/** The parts uploaded so far, by part number. */
async function uploadedParts(dir: string): Promise<PartInfo[]> {
  const names = (await readdir(dir)).filter((n) => /^\d+$/.test(n));
  const parts = await Promise.all(names.map(async (n) => {
    const [st, md5] = await Promise.all([stat(join(dir, n)), readFile(join(dir, `${n}.md5`), 'utf8').catch(() => '')]);
    return { number: Number(n), etag: md5.trim(), size: st.size, lastModified: st.mtime };
  }));
  return parts.sort((a, b) => a.number - b.number);
}

async function completeMultipartUpload(
  store: FilesystemStore, bucket: string, key: string, uploadId: string, dir: string, body: string,
): Promise<S3ErrorSpec | { etag: string }> {
  const requested = [...body.matchAll(/<Part>([\s\S]*?)<\/Part>/g)].map(([, inner]) => ({
    number: Number(/<PartNumber>\s*(\d+)\s*<\/PartNumber>/.exec(inner)?.[1]),
    etag: xmlUnescape(/<ETag>([\s\S]*?)<\/ETag>/.exec(inner)?.[1] ?? '').replace(/"/g, '').trim(),
  }));
  if (!/<CompleteMultipartUpload[\s>]/.test(body) || requested.length === 0) {
    return err(400, 'MalformedXML', 'The XML you provided was not well-formed or did not validate against our published schema');
  }
  for (let i = 1; i < requested.length; i++) {
    if (!(requested[i].number > requested[i - 1].number)) {
      return err(400, 'InvalidPartOrder', 'The list of parts was not in ascending order. The parts list must be specified in order by part number.');
    }
  }
  const uploaded = new Map((await uploadedParts(dir)).map((p) => [p.number, p]));
  for (const [i, part] of requested.entries()) {
    const have = uploaded.get(part.number);
    if (!have || have.etag !== part.etag) {
      return err(400, 'InvalidPart', "One or more of the specified parts could not be found.  The part may not have been uploaded, or the specified entity tag may not match the part's entity tag.", { UploadId: uploadId, PartNumber: String(part.number), ETag: part.etag });
    }
    if (i < requested.length - 1 && have.size < MIN_PART_BYTES) {
      return err(400, 'EntityTooSmall', 'Your proposed upload is smaller than the minimum allowed size', { ProposedSize: String(have.size), MinSizeAllowed: String(MIN_PART_BYTES), PartNumber: String(part.number), ETag: part.etag });
    }
  }
  await store.putObjectMultipart(bucket, uploadId, requested);
  const etag = `${createHash('md5').update(Buffer.concat(requested.map((p) => Buffer.from(p.etag, 'hex')))).digest('hex')}-${requested.length}`;
  // s3rver serves the ETag from this file: make it S3's multipart ETag.
  await writeFile(`${store.getResourcePath(bucket, key, 'object')}.md5`, etag);
  return { etag };
}

async function listParts(ctx: KoaContext, bucket: string, key: string, uploadId: string, dir: string): Promise<void> {
  const maxParts = Math.min(Math.max(Number(ctx.query['max-parts'] ?? 1000) || 1000, 0), 1000);
  const marker = Number(ctx.query['part-number-marker'] ?? 0) || 0;
  const all = (await uploadedParts(dir)).filter((p) => p.number > marker);
  const page = all.slice(0, maxParts);
  const truncated = all.length > page.length;
  const parts = page.map((p) =>
    `<Part>${tag('PartNumber', p.number)}${tag('LastModified', p.lastModified.toISOString())}${tag('ETag', `"${p.etag}"`)}${tag('Size', p.size)}</Part>`).join('');
  sendXml(ctx, 200, `<ListPartsResult xmlns="${S3_NS}">${tag('Bucket', bucket)}${tag('Key', key)}${tag('UploadId', uploadId)}` +
    `${tag('PartNumberMarker', marker)}${tag('NextPartNumberMarker', page.at(-1)?.number ?? marker)}${tag('MaxParts', maxParts)}` +
    `${tag('IsTruncated', truncated)}${parts}<Initiator>${OWNER}</Initiator><Owner>${OWNER}</Owner>${tag('StorageClass', 'STANDARD')}</ListPartsResult>`);
}

async function listMultipartUploads(ctx: KoaContext, bucket: string, dir: string): Promise<void> {
  const str = (name: string) => (typeof ctx.query[name] === 'string' ? (ctx.query[name] as string) : '');
  const prefix = str('prefix');
  const keyMarker = str('key-marker');
  const uploadIdMarker = str('upload-id-marker');
  const maxUploads = Math.min(Math.max(Number(ctx.query['max-uploads'] ?? 1000) || 1000, 0), 1000);
  const ids = await readdir(dir).catch(() => [] as string[]);
  const uploads = (await Promise.all(ids.map(async (uploadId) => {
    const keyFile = join(dir, uploadId, 'key');
    const [key, st] = await Promise.all([readFile(keyFile, 'utf8').catch(() => undefined), stat(keyFile).catch(() => undefined)]);
    return key === undefined || !st ? undefined : { key, uploadId, initiated: st.birthtime.getTime() ? st.birthtime : st.mtime };
  })))
    .filter((u): u is { key: string; uploadId: string; initiated: Date } => u !== undefined && u.key.startsWith(prefix))
    .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : a.initiated.getTime() - b.initiated.getTime() || a.uploadId.localeCompare(b.uploadId)));
  let start = 0;
  if (keyMarker) {
    start = uploads.findIndex((u) => u.key > keyMarker || (uploadIdMarker !== '' && u.key === keyMarker && u.uploadId > uploadIdMarker));
    if (start < 0) start = uploads.length;
  }
  const page = uploads.slice(start, start + maxUploads);
  const truncated = start + page.length < uploads.length;
  const last = page.at(-1);
  const items = page.map((u) =>
    `<Upload>${tag('Key', u.key)}${tag('UploadId', u.uploadId)}<Initiator>${OWNER}</Initiator><Owner>${OWNER}</Owner>` +
    `${tag('StorageClass', 'STANDARD')}${tag('Initiated', u.initiated.toISOString())}</Upload>`).join('');
  sendXml(ctx, 200, `<ListMultipartUploadsResult xmlns="${S3_NS}">${tag('Bucket', bucket)}${tag('KeyMarker', keyMarker)}${tag('UploadIdMarker', uploadIdMarker)}` +
    (truncated && last ? `${tag('NextKeyMarker', last.key)}${tag('NextUploadIdMarker', last.uploadId)}` : '') +
    `${tag('MaxUploads', maxUploads)}${tag('IsTruncated', truncated)}${items}${prefix ? tag('Prefix', prefix) : ''}</ListMultipartUploadsResult>`);
}

/** RFC 3986 encoding, as SigV4 canonicalisation requires. */
const rfc3986 = (s: string) => encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
const decodeLoose = (s: string) => { try { return decodeURIComponent(s); } catch { return s; } };
const hmac = (key: string | Buffer, data: string) => createHmac('sha256', key).update(data, 'utf8').digest();
const sha256Hex = (data: string) => createHash('sha256').update(data, 'utf8').digest('hex');
/** `20261122T091500Z` → epoch ms */
const parseAmzDate = (s: string) => {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(s);
  return m ? Date.UTC(+m[1], +m[2] - 1, +m[3], +m[4], +m[5], +m[6]) : NaN;
};

/** What {@link verifySigV4} needs of a request: the raw (still encoded) path and query. */
export interface SignedRequest {
  readonly method: string;
  readonly rawPath: string;
  readonly rawQuery: string;
  readonly headers: IncomingMessage['headers'];
}

/**
 * Verifies an S3 request's Signature Version 4, in the Authorization header or in a
 * presigned URL's query, with S3's canonicalisation (the path as sent, no double
 * encoding). Returns the error S3 would answer, or undefined when the request is
 * authentic. Unsigned requests are denied. The payload hash is taken as declared
 * (`x-amz-content-sha256`), not recomputed.
 */
export function verifySigV4(req: SignedRequest, keys: Readonly<Record<string, string>>, now: number): S3ErrorSpec | undefined {
  const pairs = req.rawQuery.split('&').filter(Boolean).map((p) => {
    const eq = p.indexOf('=');
    return [decodeLoose(eq < 0 ? p : p.slice(0, eq)), decodeLoose(eq < 0 ? '' : p.slice(eq + 1))] as [string, string];
  });
  const query = Object.fromEntries(pairs);
  const header = (name: string) => {
    const v = req.headers[name];
    return Array.isArray(v) ? v.join(',') : v;
  };
  const authorization = header('authorization');
  let accessKeyId: string, scope: string[], signedHeaders: string[], signature: string, amzDate: string, payloadHash: string;
  if (authorization) {
    const m = /^AWS4-HMAC-SHA256\s+Credential=([^,\s]+)\s*,\s*SignedHeaders=([^,\s]+)\s*,\s*Signature=([0-9a-f]+)\s*$/i.exec(authorization);
    if (!m) {
      return /^AWS /.test(authorization)
        ? err(400, 'InvalidRequest', 'The authorization mechanism you have provided is not supported. Please use AWS4-HMAC-SHA256.')
        : err(400, 'AuthorizationHeaderMalformed', 'The authorization header is malformed.');
    }
    [accessKeyId, ...scope] = m[1].split('/');
    signedHeaders = m[2].split(';');
    signature = m[3];
    amzDate = header('x-amz-date') ?? '';
    payloadHash = header('x-amz-content-sha256') ?? '';
    if (!payloadHash) return err(400, 'InvalidRequest', 'Missing required header for this request: x-amz-content-sha256');
    const t = parseAmzDate(amzDate);
    if (Number.isNaN(t)) return err(403, 'AccessDenied', 'AWS authentication requires a valid Date or x-amz-date header');
    if (Math.abs(now - t) > 15 * 60_000) return err(403, 'RequestTimeTooSkewed', 'The difference between the request time and the current time is too large.');
  } else if ('X-Amz-Algorithm' in query) {
    if (query['X-Amz-Algorithm'] !== 'AWS4-HMAC-SHA256') return err(400, 'AuthorizationQueryParametersError', 'X-Amz-Algorithm only supports "AWS4-HMAC-SHA256"');
    for (const p of ['X-Amz-Credential', 'X-Amz-Signature', 'X-Amz-Date', 'X-Amz-SignedHeaders', 'X-Amz-Expires']) {
      if (!(p in query)) {
        return err(400, 'AuthorizationQueryParametersError', 'Query-string authentication version 4 requires the X-Amz-Algorithm, X-Amz-Credential, X-Amz-Signature, X-Amz-Date, X-Amz-SignedHeaders, and X-Amz-Expires parameters.');
      }
    }
    [accessKeyId, ...scope] = query['X-Amz-Credential'].split('/');
    signedHeaders = query['X-Amz-SignedHeaders'].split(';');
    signature = query['X-Amz-Signature'];
    amzDate = query['X-Amz-Date'];
    payloadHash = query['X-Amz-Content-Sha256'] ?? 'UNSIGNED-PAYLOAD';
    const t = parseAmzDate(amzDate);
    const expires = Number(query['X-Amz-Expires']);
    if (Number.isNaN(t)) return err(400, 'AuthorizationQueryParametersError', "X-Amz-Date must be in the ISO8601 Long Format \"yyyyMMdd'T'HHmmss'Z'\"");
    if (!(Number.isInteger(expires) && expires >= 1 && expires <= 604_800)) {
      return err(400, 'AuthorizationQueryParametersError', 'X-Amz-Expires must be between 1 and 604800 seconds');
    }
    if (now > t + expires * 1000) return err(403, 'AccessDenied', 'Request has expired', { 'X-Amz-Expires': String(expires) });
  } else {
    return err(403, 'AccessDenied', 'Access Denied');
  }
  const secret = keys[accessKeyId];
  if (secret === undefined) return err(403, 'InvalidAccessKeyId', 'The AWS Access Key Id you provided does not exist in our records.', { AWSAccessKeyId: accessKeyId });
  if (scope.length !== 4 || scope[3] !== 'aws4_request' || scope[0] !== amzDate.slice(0, 8)) {
    return err(400, 'AuthorizationHeaderMalformed', `The credential scope ${scope.join('/')} is malformed or does not match the request date.`);
  }

  const canonicalQuery = pairs
    .filter(([k]) => authorization || k !== 'X-Amz-Signature')
    .map(([k, v]) => [rfc3986(k), rfc3986(v)])
    .sort(([ka, va], [kb, vb]) => (ka < kb ? -1 : ka > kb ? 1 : va < vb ? -1 : va > vb ? 1 : 0))
    .map(([k, v]) => `${k}=${v}`)
    .join('&');
  const canonicalHeaders = signedHeaders.map((h) => `${h}:${(header(h) ?? '').trim().replace(/\s+/g, ' ')}\n`).join('');
  const canonicalRequest = [req.method, req.rawPath || '/', canonicalQuery, canonicalHeaders, signedHeaders.join(';'), payloadHash].join('\n');
  const stringToSign = ['AWS4-HMAC-SHA256', amzDate, scope.join('/'), sha256Hex(canonicalRequest)].join('\n');
  const signingKey = hmac(hmac(hmac(hmac(`AWS4${secret}`, scope[0]), scope[1]), scope[2]), 'aws4_request');
  const expected = createHmac('sha256', signingKey).update(stringToSign, 'utf8').digest('hex');
  const ok = expected.length === signature.length && timingSafeEqual(Buffer.from(expected), Buffer.from(signature.toLowerCase()));
  return ok ? undefined : err(403, 'SignatureDoesNotMatch', 'The request signature we calculated does not match the signature you provided. Check your key and signing method.', { AWSAccessKeyId: accessKeyId, StringToSign: stringToSign, CanonicalRequest: canonicalRequest });
}

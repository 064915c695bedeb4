/**
 * The catalogue of every Lambda function of the audit log: one entry each, free of CDK
 * imports, read by the stack (which creates each function and turns its `needs` into
 * grants and environment, in `lib/needs.ts`) and by the local runner (which binds handler
 * modules by `id`). Adding a function of a known trigger kind is one entry here and one
 * handler file under `lambdas/<capability>/`.
 */

import { VIEWER_PATH } from '../lambdas/core/viewer';

export { ENV } from './env';

/** Template metadata key (`Resources.<fn>.Metadata`) that holds a function's catalogue id. */
export const FUNCTION_ID_METADATA = 'AuditLogFunction';

/** What a function may do with a table; becomes a `grant*` call. */
export type TableAccess = 'read' | 'readWrite';

/** S3 actions a function may take on export objects (`exports/*`). */
export type ExportObjectAction = 's3:PutObject' | 's3:GetObject' | 's3:DeleteObject' | 's3:AbortMultipartUpload';

/**
 * What a function needs besides its code. The stack turns each need into the grant and
 * the environment variables that go with it, in one place (`lib/needs.ts`).
 */
export interface Needs {
  /** The Events table. @default - no access */
  readonly events?: TableAccess;
  /** The Control table (tokens, settings, export records). @default - no access */
  readonly control?: TableAccess;
  /** Starts export executions (`states:StartExecution`, `EXPORT_STATE_MACHINE_ARN`). @default false */
  readonly startExport?: boolean;
  /** Presigns download links with the link signer's key (no IAM permission: the link carries the signer's). @default false */
  readonly presignDownloads?: boolean;
  /**
   * Works on export files: these actions on `exports/*`; `list` adds `s3:ListBucket`, so
   * a missing object is a 404 (not worth retrying) rather than a 403.
   * @default - no S3 access
   */
  readonly exportFiles?: { readonly actions: readonly ExportObjectAction[]; readonly list?: boolean };
  /** Sends mail as the stack's sender (SES, `SENDER_EMAIL`). @default false */
  readonly mail?: boolean;
  /** Knows the live stream's URL to hand out with tickets (`STREAM_URL`). @default false */
  readonly streamUrl?: boolean;
  /** Sends to and closes live-stream connections (`execute-api:ManageConnections`, `CONNECTIONS_ENDPOINT`). @default false */
  readonly streamConnections?: boolean;
  /**
   * The built web viewer, bundled beside the code (`VIEWER_ASSETS_DIR`), and who may frame
   * it (`VIEWER_FRAME_ANCESTORS`). @default false
   */
  readonly viewer?: boolean;
}

/** An HTTP API route served by the function. */
export interface HttpTrigger {
  readonly kind: 'http';
  readonly method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  /** API Gateway path, with `{param}` placeholders. */
  readonly path: string;
  /** Public routes skip the authorizer: the OpenAPI document and the web viewer's files, no tenant data. @default false */
  readonly public?: boolean;
}

/** The HTTP API's Lambda authorizer (token → tenant + scopes). */
export interface AuthorizerTrigger {
  readonly kind: 'authorizer';
}

/** A Task state of a Step Functions workflow, invoking the function directly. */
export interface TaskTrigger {
  readonly kind: 'task';
  /** The workflow whose state machine invokes it. */
  readonly workflow: 'export';
}

/** A route of the live stream's WebSocket API. */
export interface WebSocketTrigger {
  readonly kind: 'websocket';
  /** `$connect` (runs before the upgrade; a non-2xx refuses it), `$disconnect`, or `$default` (every message, answered as a frame). */
  readonly route: '$connect' | '$disconnect' | '$default';
}

/**
 * A DynamoDB Streams event source mapping on the Events table: batches of records, retried
 * `retryAttempts` times while bisecting, then handed to an on-failure destination so a
 * poisoned record never blocks its shard.
 */
export interface StreamTrigger {
  readonly kind: 'stream';
  readonly table: 'events';
  /** Records per invocation. */
  readonly batchSize: number;
  /** How long Lambda gathers records before invoking (ms; 0: at once, for freshness). */
  readonly maxBatchingWindowMs: number;
  /** Retries of a failing batch (each half of a bisected batch counts on its own). */
  readonly retryAttempts: number;
}

/** A function run on a fixed rate (EventBridge Scheduler). */
export interface ScheduleTrigger {
  readonly kind: 'schedule';
  /** Minutes between runs. */
  readonly everyMinutes: number;
}

export type Trigger = HttpTrigger | AuthorizerTrigger | TaskTrigger | WebSocketTrigger | StreamTrigger | ScheduleTrigger;

/** One Lambda function. */
export interface FunctionSpec {
  /** PascalCase id: construct id, and how the local runner finds the handler. */
  readonly id: string;
  /** Handler module, relative to the project root; it exports `handler`. */
  readonly entry: string;
  /** What the function does (the Lambda description for HTTP routes is `METHOD path`). */
  readonly description?: string;
  readonly trigger: Trigger;
  /** Every HTTP route also gets the cursor-signing key (`Api`). */
  readonly needs: Needs;
  /** @default AuditFunction's (256 MB) */
  readonly memorySize?: number;
  /** Seconds. @default AuditFunction's for HTTP (10 s), the workflow's task timeout for tasks */
  readonly timeoutSeconds?: number;
}

/** A function with an HTTP trigger (the shape the API and its local emulation work with). */
export type RouteSpec = FunctionSpec & { readonly trigger: HttpTrigger };
/** A function run by a workflow's Task state. */
export type TaskSpec = FunctionSpec & { readonly trigger: TaskTrigger };

const http = (method: HttpTrigger['method'], path: string, extra: Partial<HttpTrigger> = {}): HttpTrigger => ({ kind: 'http', method, path, ...extra });
const exportTask: TaskTrigger = { kind: 'task', workflow: 'export' };
/** What the read routes need. */
const reads = { events: 'read', control: 'read' } as const;

export const FUNCTIONS = [
  { id: 'Authorizer', entry: 'lambdas/auth/authorizer.ts', description: 'API token → tenant and scopes (HTTP API Lambda authorizer)', trigger: { kind: 'authorizer' }, needs: { control: 'read' } },

  { id: 'IngestEvents', entry: 'lambdas/events/ingest.ts', trigger: http('POST', '/v1/events'), needs: { events: 'readWrite', control: 'readWrite' } },
  { id: 'ListEvents', entry: 'lambdas/events/list.ts', trigger: http('GET', '/v1/events'), needs: reads },
  { id: 'GetEvent', entry: 'lambdas/events/get.ts', trigger: http('GET', '/v1/events/{id}'), needs: reads },
  { id: 'ListAccessLogs', entry: 'lambdas/access-logs/list.ts', trigger: http('GET', '/v1/access-logs'), needs: reads },
  { id: 'CreateToken', entry: 'lambdas/tokens/create.ts', trigger: http('POST', '/v1/tokens'), needs: { events: 'readWrite', control: 'readWrite' } },
  { id: 'ListTokens', entry: 'lambdas/tokens/list.ts', trigger: http('GET', '/v1/tokens'), needs: { control: 'read' } },
  { id: 'RevokeToken', entry: 'lambdas/tokens/revoke.ts', trigger: http('DELETE', '/v1/tokens/{id}'), needs: { events: 'readWrite', control: 'readWrite' } },
  { id: 'GetSettings', entry: 'lambdas/settings/get.ts', trigger: http('GET', '/v1/settings'), needs: { control: 'read' } },
  { id: 'PutSettings', entry: 'lambdas/settings/put.ts', trigger: http('PUT', '/v1/settings'), needs: { events: 'readWrite', control: 'readWrite' } },
  { id: 'CreateExport', entry: 'lambdas/exports/create.ts', trigger: http('POST', '/v1/exports'), needs: { events: 'readWrite', control: 'readWrite', startExport: true } },
  { id: 'ListExports', entry: 'lambdas/exports/list.ts', trigger: http('GET', '/v1/exports'), needs: { control: 'read', presignDownloads: true } },
  { id: 'GetExport', entry: 'lambdas/exports/get.ts', trigger: http('GET', '/v1/exports/{id}'), needs: { control: 'read', presignDownloads: true } },
  { id: 'GetOpenApi', entry: 'lambdas/docs/openapi.ts', trigger: http('GET', '/v1/openapi.json', { public: true }), needs: {} },
  { id: 'GetSession', entry: 'lambdas/tokens/session.ts', trigger: http('GET', '/v1/session'), needs: { control: 'read' } },
  { id: 'CreateViewerSession', entry: 'lambdas/viewer/create-session.ts', trigger: http('POST', '/v1/viewer-sessions'), needs: { events: 'readWrite', control: 'readWrite' } },
  // The viewer's page and its files: one handler, two routes (a greedy path variable never matches the bare prefix).
  { id: 'ViewerPage', entry: 'lambdas/viewer/serve.ts', description: `GET ${VIEWER_PATH}: the web viewer's page`, trigger: http('GET', VIEWER_PATH, { public: true }), needs: { viewer: true, streamUrl: true }, memorySize: 256 },
  { id: 'ViewerFiles', entry: 'lambdas/viewer/serve.ts', description: `GET ${VIEWER_PATH}/{file+}: the web viewer's script and styles`, trigger: http('GET', `${VIEWER_PATH}/{file+}`, { public: true }), needs: { viewer: true, streamUrl: true }, memorySize: 256 },
  { id: 'CreateStreamTicket', entry: 'lambdas/stream/create-ticket.ts', trigger: http('POST', '/v1/stream-tickets'), needs: { control: 'readWrite', streamUrl: true } },

  // The live stream (LiveStream): its WebSocket routes, the Events-stream consumer that fans out, the revocation sweep.
  { id: 'StreamConnect', entry: 'lambdas/stream/connect.ts', description: 'Live stream $connect: a single-use ticket opens a connection', trigger: { kind: 'websocket', route: '$connect' }, needs: { control: 'readWrite' } },
  { id: 'StreamDisconnect', entry: 'lambdas/stream/disconnect.ts', description: 'Live stream $disconnect: forget the connection', trigger: { kind: 'websocket', route: '$disconnect' }, needs: { control: 'readWrite' } },
  { id: 'StreamMessage', entry: 'lambdas/stream/message.ts', description: 'Live stream messages: subscribe, unsubscribe, ping', trigger: { kind: 'websocket', route: '$default' }, needs: { control: 'readWrite' } },
  {
    id: 'StreamFanOut', entry: 'lambdas/stream/fan-out.ts', description: 'Live stream: send stored events to matching subscriptions',
    // Freshness first: no batching window; 100 records bound one invocation's work.
    trigger: { kind: 'stream', table: 'events', batchSize: 100, maxBatchingWindowMs: 0, retryAttempts: 3 },
    needs: { control: 'readWrite', streamConnections: true },
    timeoutSeconds: 60,
  },
  {
    id: 'StreamSweep', entry: 'lambdas/stream/sweep-connections.ts', description: 'Live stream: close connections of revoked or expired tokens',
    trigger: { kind: 'schedule', everyMinutes: 1 }, needs: { control: 'readWrite', streamConnections: true }, timeoutSeconds: 50,
  },

  {
    id: 'BeginExport', entry: 'lambdas/exports/begin.ts', trigger: exportTask,
    description: 'Export: mark it running and open the S3 multipart upload',
    // CreateMultipartUpload is authorized by s3:PutObject; of two racing attempts, the loser aborts its upload.
    needs: { control: 'readWrite', exportFiles: { actions: ['s3:PutObject', 's3:AbortMultipartUpload'] } },
  },
  {
    id: 'WriteExportChunk', entry: 'lambdas/exports/write-chunk.ts', trigger: exportTask,
    description: 'Export: write one chunk of CSV (a part or a carry-over) and record progress',
    // UploadPart and carry-over writes (PutObject), carry-over reads and clean-up.
    needs: { events: 'read', control: 'readWrite', exportFiles: { actions: ['s3:PutObject', 's3:GetObject', 's3:DeleteObject'], list: true } },
    // 1,769 MB buys exactly one full vCPU: formatting CSV is CPU-bound, so a chunk writes more rows in its time.
    memorySize: 1769,
    // Lambda's maximum; the handler hands over to the next chunk well before (it watches its remaining time).
    timeoutSeconds: 900,
  },
  {
    id: 'CompleteExport', entry: 'lambdas/exports/complete.ts', trigger: exportTask,
    description: 'Export: complete the multipart upload from the recorded parts',
    // CompleteMultipartUpload (PutObject), HeadObject of the file (GetObject).
    needs: { control: 'readWrite', exportFiles: { actions: ['s3:PutObject', 's3:GetObject'], list: true } },
  },
  {
    id: 'NotifyExport', entry: 'lambdas/exports/notify.ts', trigger: exportTask,
    description: 'Export: mail the download link and mark the export succeeded',
    // No S3 permission: it only presigns, with the signer's key.
    needs: { control: 'readWrite', mail: true, presignDownloads: true },
  },
  {
    id: 'FailExport', entry: 'lambdas/exports/fail.ts', trigger: exportTask,
    description: 'Export: abort the upload, remove partial files, mark it failed and mail why',
    // Aborts the upload (its parts go with it), deletes the file and the carry-over.
    needs: { control: 'readWrite', exportFiles: { actions: ['s3:AbortMultipartUpload', 's3:DeleteObject'] }, mail: true },
  },
] as const satisfies readonly FunctionSpec[];

/** Catalogue ids. */
export type FunctionId = (typeof FUNCTIONS)[number]['id'];

/** The functions of one trigger kind, in catalogue order. */
export function functionsOf<K extends Trigger['kind']>(kind: K): (FunctionSpec & { readonly trigger: Extract<Trigger, { kind: K }> })[] {
  return (FUNCTIONS as readonly FunctionSpec[]).filter((f): f is FunctionSpec & { readonly trigger: Extract<Trigger, { kind: K }> } => f.trigger.kind === kind);
}

/** The function `id`; throws on an unknown id (a typo must not bind nothing silently). */
export function functionById(id: string): FunctionSpec {
  const spec = (FUNCTIONS as readonly FunctionSpec[]).find((f) => f.id === id);
  if (!spec) throw new Error(`No function '${id}' in lib/catalogue.ts`);
  return spec;
}

/** The HTTP routes. */
export const ROUTES: readonly RouteSpec[] = functionsOf('http');

/** API Gateway's route key of a route: `GET /v1/events/{id}`. */
export const routeKey = (route: RouteSpec): string => `${route.trigger.method} ${route.trigger.path}`;

/** The authorizer's handler module. */
export const AUTHORIZER_ENTRY = functionsOf('authorizer')[0]!.entry;

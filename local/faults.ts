/**
 * Local-only fault injection for failure-path tests: SES rejecting a recipient, S3
 * answering an error, a Step Functions task crashing before or after its handler ran.
 *
 * The rules live in the runner's process (where the emulators run); test workers run
 * in other processes and manage them over HTTP through a tiny control server:
 *
 *   POST   /faults       {"kind": "s3-fail", ...}  → 201 {"id": "f1"}
 *   GET    /faults       → 200 {"faults": [{"id", "hits", ...rule}]}
 *   DELETE /faults/{id}  → 204 (404 when unknown)
 *   DELETE /faults       → 204, removes every rule
 *
 * Nothing here exists in AWS: the rules make the local emulators answer exactly what
 * the real services answer in those situations, so handlers need no test hooks.
 */
import { createServer } from 'node:http';

/** SES v2 SendEmail to `recipient` (any of To/Cc/Bcc, case-insensitive) answers 400 MessageRejected. */
export interface SesRejectRule {
  readonly kind: 'ses-reject';
  readonly recipient: string;
  /** How many matching requests fail; then the rule stays listed but inert. @default every one */
  readonly times?: number;
}

/** S3 operation names as in the S3 API reference (what {@link s3Operation} derives from a request). */
export type S3Operation =
  | 'PutObject' | 'GetObject' | 'HeadObject' | 'DeleteObject' | 'CopyObject' | 'DeleteObjects'
  | 'CreateMultipartUpload' | 'UploadPart' | 'UploadPartCopy' | 'CompleteMultipartUpload'
  | 'AbortMultipartUpload' | 'ListParts' | 'ListMultipartUploads' | 'ListObjects' | 'ListObjectsV2'
  | 'CreateBucket' | 'HeadBucket' | 'DeleteBucket' | 'Other';

/** Matching S3 requests answer S3's XML error, e.g. 500 InternalError. */
export interface S3FailRule {
  readonly kind: 's3-fail';
  /** Substring of the object key (for bucket-level operations: of the `prefix` query parameter). @default any key */
  readonly keyContains?: string;
  /** @default any operation */
  readonly operation?: S3Operation;
  /** @default every matching request */
  readonly times?: number;
  /** @default 500 */
  readonly status?: number;
  /** @default 'InternalError' */
  readonly code?: string;
  /** @default S3's message for the code, or a generic one */
  readonly message?: string;
}

/**
 * A Step Functions task "crashes" like a Lambda function whose runtime died: `before`
 * throws without running the handler; `after` runs the handler to completion (its side
 * effects happen) and then throws instead of returning its result.
 */
export interface TaskCrashRule {
  readonly kind: 'task-crash';
  /** Task id, e.g. `WriteExportChunk` (a key of `EXPORT_TASKS`). */
  readonly task: string;
  /** Only for this export (`input.exportId`). @default any */
  readonly exportId?: string;
  /** @default 'before' */
  readonly when?: 'before' | 'after';
  /** @default every matching invocation */
  readonly times?: number;
}

export type FaultRule = SesRejectRule | S3FailRule | TaskCrashRule;

/** A rule as listed by `GET /faults`. */
export type ActiveFault = FaultRule & { readonly id: string; readonly hits: number };

/** The error name a crashed Lambda invocation surfaces with in Step Functions. */
export const LAMBDA_CRASH_ERROR = 'Lambda.Unknown';

/** The rules of one local stack. Emulators ask {@link Faults.take} on every request they may fail. */
export class Faults {
  private readonly rules = new Map<string, { rule: FaultRule; hits: number }>();
  private next = 1;

  /** Adds a rule (validated) and returns its id. */
  add(rule: FaultRule): string {
    validateRule(rule);
    const id = `f${this.next++}`;
    this.rules.set(id, { rule: { ...rule }, hits: 0 });
    return id;
  }

  remove(id: string): boolean {
    return this.rules.delete(id);
  }

  clear(): void {
    this.rules.clear();
  }

  list(): ActiveFault[] {
    return [...this.rules].map(([id, { rule, hits }]) => ({ ...rule, id, hits }));
  }

  /**
   * The first rule of `kind` that `matches` and still has `times` left; counts the hit.
   * Rules are checked in the order they were added.
   */
  take<K extends FaultRule['kind']>(kind: K, matches: (rule: Extract<FaultRule, { kind: K }>) => boolean): Extract<FaultRule, { kind: K }> | undefined {
    for (const entry of this.rules.values()) {
      const rule = entry.rule as Extract<FaultRule, { kind: K }>;
      if (rule.kind !== kind) continue;
      if (rule.times !== undefined && entry.hits >= rule.times) continue;
      if (!matches(rule)) continue;
      entry.hits++;
      return rule;
    }
    return undefined;
  }
}

function validateRule(rule: FaultRule): void {
  const fail = (msg: string): never => { throw new FaultRuleError(msg); };
  if (rule === null || typeof rule !== 'object') fail('a fault rule is a JSON object');
  if (rule.times !== undefined && !(Number.isInteger(rule.times) && rule.times >= 1)) fail('times must be a positive integer');
  switch (rule.kind) {
    case 'ses-reject':
      if (typeof rule.recipient !== 'string' || !rule.recipient.includes('@')) fail('ses-reject needs a recipient email address');
      return;
    case 's3-fail':
      if (rule.status !== undefined && !(Number.isInteger(rule.status) && rule.status >= 400 && rule.status <= 599)) fail('status must be 400..599');
      return;
    case 'task-crash':
      if (typeof rule.task !== 'string' || !rule.task) fail('task-crash needs a task id, e.g. WriteExportChunk');
      if (rule.when !== undefined && rule.when !== 'before' && rule.when !== 'after') fail("when must be 'before' or 'after'");
      return;
    default:
      fail(`unknown kind ${JSON.stringify((rule as { kind?: unknown }).kind)}; expected ses-reject, s3-fail or task-crash`);
  }
}

/** A rule the control server rejects with 400. */
export class FaultRuleError extends Error {
  override name = 'FaultRuleError';
}

/** A running fault control server. */
export interface FaultServer {
  /** `http://127.0.0.1:<port>`; rules under `/faults`. */
  readonly url: string;
  stop(): Promise<void>;
}

/** Serves `faults` over HTTP on 127.0.0.1 (see the module comment for the routes). */
export async function startFaultServer(faults: Faults, port = 0): Promise<FaultServer> {
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const send = (status: number, body?: unknown) => {
        if (body === undefined) {
          res.writeHead(status).end();
          return;
        }
        const text = JSON.stringify(body);
        res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) }).end(text);
      };
      const path = (req.url ?? '/').split('?')[0].replace(/\/+$/, '');
      const one = /^\/faults\/([^/]+)$/.exec(path);
      if (path === '/faults' && req.method === 'GET') {
        send(200, { faults: faults.list() });
      } else if (path === '/faults' && req.method === 'DELETE') {
        faults.clear();
        send(204);
      } else if (path === '/faults' && req.method === 'POST') {
        try {
          send(201, { id: faults.add(JSON.parse(Buffer.concat(chunks).toString('utf8')) as FaultRule) });
        } catch (err) {
          send(400, { message: err instanceof SyntaxError ? `invalid JSON: ${err.message}` : (err as Error).message });
        }
      } else if (one && req.method === 'DELETE') {
        send(faults.remove(decodeURIComponent(one[1])) ? 204 : 404);
      } else {
        send(404, { message: 'Not Found' });
      }
    });
  });
  const bound = await new Promise<number>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve((server.address() as { port: number }).port));
  });
  return {
    url: `http://127.0.0.1:${bound}`,
    stop: () => new Promise<void>((done) => {
      server.close(() => done());
      server.closeAllConnections();
    }),
  };
}

/**
 * Client side, for tests in other processes: adds a rule to the local stack whose
 * fault server is `faultsUrl` and returns its id and a function that removes it again.
 */
export async function injectFault(faultsUrl: string, rule: FaultRule): Promise<{ id: string; remove(): Promise<void> }> {
  const res = await fetch(`${faultsUrl}/faults`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(rule) });
  const body = (await res.json()) as { id?: string; message?: string };
  if (res.status !== 201 || !body.id) throw new Error(`fault server refused ${JSON.stringify(rule)}: ${res.status} ${body.message ?? ''}`);
  const id = body.id;
  return {
    id,
    async remove() {
      await fetch(`${faultsUrl}/faults/${encodeURIComponent(id)}`, { method: 'DELETE' });
    },
  };
}

/** Client side: the rules with their hit counts. */
export async function listFaults(faultsUrl: string): Promise<ActiveFault[]> {
  const res = await fetch(`${faultsUrl}/faults`);
  return ((await res.json()) as { faults: ActiveFault[] }).faults;
}

/**
 * A local SES (v2 API): aws-ses-v2-local in this process, behind a small proxy that
 * applies `ses-reject` fault rules (see local/faults.ts) the way real SES rejects a
 * message: HTTP 400 with `x-amzn-ErrorType: MessageRejected`, so `@aws-sdk/client-sesv2`
 * throws `MessageRejected`. Everything else passes through unchanged.
 *
 * Sent mails are listed as JSON at `<endpoint>/store` (`{"emails": [...], "templates": {}}`),
 * and shown in a browser at `<endpoint>/`.
 */
import { randomUUID } from 'node:crypto';
import { createServer, request, type IncomingHttpHeaders, type Server } from 'node:http';
import { LOCAL_AWS } from './dynamodb.js';
import type { Faults } from './faults.js';

/** A running local SES. */
export interface LocalSes {
  /** The proxy, `http://127.0.0.1:<port>`: what `AWS_ENDPOINT_URL_SESV2` points to. */
  readonly endpoint: string;
  /** `<endpoint>/store`: the sent mails as JSON. */
  readonly mailbox: string;
  /** Safe to call twice. */
  stop(): Promise<void>;
}

const closeServer = (server: Server) => new Promise<void>((done) => {
  server.close(() => done());
  server.closeAllConnections();
});

/** The recipients of an SES v2 SendEmail request body (To, Cc, Bcc), lower-cased bare addresses. */
export function sendEmailRecipients(body: unknown): string[] {
  const dest = (body as { Destination?: Record<string, unknown> } | null)?.Destination ?? {};
  const out: string[] = [];
  for (const field of ['ToAddresses', 'CcAddresses', 'BccAddresses']) {
    const list = dest[field];
    if (!Array.isArray(list)) continue;
    for (const entry of list) {
      if (typeof entry !== 'string') continue;
      const angle = /<([^>]+)>\s*$/.exec(entry);
      out.push((angle ? angle[1] : entry).trim().toLowerCase());
    }
  }
  return out;
}

/** Starts the emulator and its proxy on free ports of 127.0.0.1. */
export async function startSes(opts: { faults?: Faults; port?: number } = {}): Promise<LocalSes> {
  const mod = await import('aws-ses-v2-local');
  // A CommonJS module with `exports.default`: plain Node puts it one level deeper than tsx does.
  const sesServer = typeof mod.default === 'function' ? mod.default : (mod.default as unknown as { default: typeof mod.default }).default;
  const emulator = await sesServer({ host: '127.0.0.1', port: 0 });
  const emulatorPort = (emulator.address() as { port: number }).port;

  const proxy = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      if (opts.faults && req.method === 'POST' && (req.url ?? '').split('?')[0] === '/v2/email/outbound-emails') {
        let recipients: string[] = [];
        try {
          recipients = sendEmailRecipients(JSON.parse(body.toString('utf8')));
        } catch {
          // not JSON: let the emulator answer it
        }
        const rule = opts.faults.take('ses-reject', (r) => recipients.includes(r.recipient.toLowerCase()));
        if (rule) {
          const text = JSON.stringify({
            message: `Email address is not verified. The following identities failed the check in region ${LOCAL_AWS.region.toUpperCase()}: ${rule.recipient}`,
          });
          res.writeHead(400, {
            'content-type': 'application/json',
            'x-amzn-errortype': 'MessageRejected',
            'x-amzn-requestid': randomUUID(),
            'content-length': Buffer.byteLength(text),
          });
          res.end(text);
          return;
        }
      }
      const headers: IncomingHttpHeaders = { ...req.headers, host: `127.0.0.1:${emulatorPort}`, 'content-length': String(body.length) };
      delete headers['transfer-encoding'];
      const upstream = request({ host: '127.0.0.1', port: emulatorPort, method: req.method, path: req.url, headers }, (up) => {
        res.writeHead(up.statusCode ?? 502, up.headers);
        up.pipe(res);
      });
      upstream.on('error', (err) => {
        if (!res.headersSent) res.writeHead(502, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ message: `local SES emulator unreachable: ${err.message}` }));
      });
      upstream.end(body);
    });
  });
  const port = await new Promise<number>((resolve, reject) => {
    proxy.once('error', reject);
    proxy.listen(opts.port ?? 0, '127.0.0.1', () => resolve((proxy.address() as { port: number }).port));
  }).catch(async (err) => {
    await closeServer(emulator);
    throw err;
  });
  const endpoint = `http://127.0.0.1:${port}`;
  let stopped = false;
  return {
    endpoint,
    mailbox: `${endpoint}/store`,
    async stop() {
      if (stopped) return;
      stopped = true;
      await Promise.all([closeServer(proxy), closeServer(emulator)]);
    },
  };
}

/**
 * `npm start`: runs the audit log on this machine (see local/runner.ts).
 *
 *   npm start                  # DynamoDB Local, S3, SES, Step Functions + HTTP API on port 4000; prints endpoints and an admin token
 *   npm start -- --seed [n]    # ... and loads n (default 3000) demo events (the printed viewer link then has something to show)
 *   npm start -- --port 3000   # this port or fail (PORT=3000 does the same); without either, 4000, or a free port if 4000 is taken
 *   npm start -- --verbose     # a log line per HTTP request, and handler logs from INFO up
 *   npm start -- --persist .local/data   # keep the data (and the admin token) in that directory across restarts
 *
 * Ctrl-C stops everything it started, DynamoDB Local included. Without --persist the data lives
 * in memory and is gone then.
 */
import { parseArgs } from 'node:util';
import { PersistDirInUseError } from '../local/persist.js';
import { ENDPOINTS_FILE, PortInUseError, startLocal } from '../local/runner.js';

/** The port the README's examples use. */
const DEFAULT_PORT = 4000;

const USAGE = `Usage: npm start -- [--seed [count]] [--port N] [--verbose] [--persist DIR]

Runs the whole audit log on this machine and prints its endpoints and an admin token.

  --seed [count]  load demo events after startup (default 3000)
  --port N        serve the API on port N, or fail if it is taken (PORT=N does the same);
                  without either: port ${DEFAULT_PORT}, or a free port if ${DEFAULT_PORT} is taken
  --verbose       print a line per HTTP request and the handlers' INFO logs
  --persist DIR   keep the data in DIR (created if absent) across restarts: events, tokens
                  (the admin token too), settings, export files; not sent mails
  -h, --help      show this text

Without --persist the data lives in memory: it is gone after Ctrl-C.`;

function usage(message: string): never {
  console.error(`${message}\n\n${USAGE}`);
  process.exit(2);
}

// `--seed` takes an optional count, which parseArgs cannot express: read it by hand.
const argv = process.argv.slice(2);
let seed: boolean | number = false;
const seedAt = argv.indexOf('--seed');
if (seedAt >= 0) {
  const next = argv[seedAt + 1];
  seed = next !== undefined && /^\d+$/.test(next) ? Number(argv.splice(seedAt, 2)[1]) : (argv.splice(seedAt, 1), true);
  if (seed === 0) usage('--seed needs a positive count');
}
let values: { port?: string; verbose?: boolean; persist?: string; help?: boolean };
try {
  ({ values } = parseArgs({
    args: argv,
    options: { port: { type: 'string' }, verbose: { type: 'boolean' }, persist: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
  }));
} catch (err) {
  usage((err as Error).message);
}
if (values.help) {
  console.log(USAGE);
  process.exit(0);
}

/** `--port`, else `PORT`: exactly that port. Neither: {@link DEFAULT_PORT} if free. */
const portSource = values.port !== undefined ? '--port' : process.env.PORT ? 'PORT' : undefined;
const portText = values.port ?? process.env.PORT;
const port = portSource ? Number(portText) : undefined;
if (port !== undefined && !(/^\d+$/.test(portText!) && port > 0 && port < 65536)) usage(`${portSource} must be a port number (1-65535), got '${portText}'`);
if (values.persist !== undefined && (!values.persist || values.persist.startsWith('-'))) usage('--persist needs a directory');

const started = Date.now();
const local = await startLocal({ port, preferredPort: DEFAULT_PORT, seed, verbose: values.verbose, persist: values.persist }).catch((err: Error) => {
  if (err instanceof PersistDirInUseError) {
    console.error(`Could not start the local stack: ${err.message}.`);
  } else if (err instanceof PortInUseError) {
    console.error(`Could not start the local stack: port ${err.port} (from ${portSource}) is already in use, perhaps by another npm start.\n` +
      `Stop whatever listens there, or choose another port: npm start -- --port N (or PORT=N npm start).`);
  } else {
    console.error(`Could not start the local stack: ${err.message}`);
  }
  process.exit(1);
});
const { endpoints: e, portFallback, persisted } = local;

let stopping = false;
const shutdown = async (signal: string) => {
  if (stopping) return;
  stopping = true;
  console.log(`\n${signal}: stopping the local stack (HTTP API, Step Functions, S3, SES, DynamoDB Local)...`);
  await local.stop();
  process.exit(0);
};
process.on('SIGINT', () => void shutdown('SIGINT'));
process.on('SIGTERM', () => void shutdown('SIGTERM'));

const auth = `-H "Authorization: Bearer ${e.adminToken}"`;
const seeded = seed !== false;
console.log(`
Audit log running locally (ready in ${((Date.now() - started) / 1000).toFixed(1)} s). Endpoints, also in ${ENDPOINTS_FILE}:
${JSON.stringify(e, null, 2)}
${portFallback ? `
NOTE: port ${portFallback.preferred} is in use (another npm start?), so the API is on ${e.api} instead;
      use that address wherever the README says http://127.0.0.1:${portFallback.preferred}.
` : ''}
Admin token of tenant '${e.tenant}' (${persisted ? `kept in ${persisted.dir}: the same after a restart${persisted.adminTokenKept ? '' : '; new this time'}` : 'shown once'}):
  ${e.adminToken}

Web viewer, signed in as the demo admin for 12 hours (open it in a browser; the token sits in the
link's fragment, which is never sent to a server, and the viewer takes it off the address bar):
  ${e.viewerSignIn}
${seeded || persisted ? '' : `  (empty so far: npm start -- --seed gives it demo events)
`}A viewer link for someone else, e.g. read-only and restricted to one project, for one hour:
  curl -s ${auth} -H 'content-type: application/json' \\
    -d '{"viewer":{"id":"u_42","name":"Ada"},"scopes":["events:read"],"restrict":{"project":"p_7"},"ttlSeconds":3600}' \\
    ${e.api}/v1/viewer-sessions

Try:
  curl -s ${auth} -H 'content-type: application/json' \\
    -d '{"action":"project.updated","actor":{"type":"user","id":"u_42","name":"Ada"},"resource":{"type":"project","id":"p_7","name":"Household survey"},"changes":{"before":{"name":"Survey"},"after":{"name":"Household survey"}}}' \\
    ${e.api}/v1/events
  curl -s ${auth} '${e.api}/v1/events?range=7d&limit=5'
  curl -s ${auth} '${e.api}/v1/access-logs?range=30d'
  curl -s ${e.openapi}
${e.stateMachines?.export ? `
Export events as CSV (runs the export state machine; the mail with the download link lands in the local SES):
  curl -s ${auth} -H 'content-type: application/json' \\
    -d '{"filters":{"range":"7d"},"email":"you@example.com","format":"csv"}' \\
    ${e.api}/v1/exports
  curl -s ${auth} ${e.api}/v1/exports
Sent mail: ${e.ses}/ in a browser, or curl -s ${e.mailbox}
` : ''}
Watch events live (WebSocket): get a single-use ticket URL, connect within 60 s, subscribe:
  curl -s ${auth} -X POST ${e.api}/v1/stream-tickets
  node -e "const w = new (require('ws'))(process.argv[1]); w.on('open', () => w.send(JSON.stringify({ action: 'subscribe', id: 's1', filters: {} }))); w.on('message', (m) => console.log(String(m)))" '<url>'
More tokens: npm run admin -- token create --tenant demo --scopes events:read,events:write
API reference: docs/API.md.${values.verbose ? '' : ' A log line per request: npm start -- --verbose.'}
${persisted
  ? `Data is kept in ${persisted.dir} (events, tokens, settings, export files; not sent mails, and an export running at Ctrl-C is not resumed).`
  : 'Data lives in memory only: everything is gone after Ctrl-C (npm start -- --persist DIR keeps it).'}
Ctrl-C to stop.`);

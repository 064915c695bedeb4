/**
 * `npm start`: runs the audit log on this machine (see local/runner.ts).
 *
 *   npm start                  # DynamoDB Local, S3, SES, Step Functions + HTTP API; prints endpoints and an admin token
 *   npm start -- --seed [n]    # ... and loads n (default 3000) demo events
 *   npm start -- --port 3000   # fixed port (else PORT, else a free one)
 *
 * Ctrl-C stops everything it started, DynamoDB Local included.
 */
import { parseArgs } from 'node:util';
import { ENDPOINTS_FILE, startLocal } from '../local/runner.js';

function usage(message: string): never {
  console.error(`${message}\nUsage: npm start -- [--seed [count]] [--port N]`);
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
let values: { port?: string; help?: boolean };
try {
  ({ values } = parseArgs({ args: argv, options: { port: { type: 'string' }, help: { type: 'boolean', short: 'h' } } }));
} catch (err) {
  usage((err as Error).message);
}
if (values.help) usage('Runs the audit log locally.');
const port = values.port === undefined ? undefined : Number(values.port);
if (port !== undefined && !(Number.isInteger(port) && port > 0 && port < 65536)) usage(`--port must be a port number, got '${values.port}'`);

const started = Date.now();
const local = await startLocal({ port, seed }).catch((err: Error) => {
  console.error(`Could not start the local stack: ${err.message}`);
  process.exit(1);
});
const { endpoints: e } = local;

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
console.log(`
Audit log running locally (ready in ${((Date.now() - started) / 1000).toFixed(1)} s). Endpoints, also in ${ENDPOINTS_FILE}:
${JSON.stringify(e, null, 2)}

Admin token of tenant '${e.tenant}' (shown once):
  ${e.adminToken}

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
More tokens: npm run admin -- token create --tenant demo --scopes events:read,events:write
Ctrl-C to stop.`);

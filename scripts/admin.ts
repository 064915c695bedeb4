/**
 * Token CLI: bootstraps API tokens directly in the Control table.
 *
 *   npm run admin -- token create --tenant T --scopes admin[,events:read,...] [--name N] [--expires-at ISO]
 *   npm run admin -- token list --tenant T
 *
 * Without `--stack` it works against the local stack while `npm start` runs (reads
 * .local/endpoints.json). With `--stack NAME [--region R]` it reads the deployed
 * stack's table names from its outputs and uses the caller's AWS credentials.
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import type { Scope } from '../lambdas/core/schemas.js';
import { issueToken } from '../lambdas/tokens/issue-token.js';
import { localTableAdapters, type TableAdapters, tableAdapters } from '../local/adapters.js';
import { ENDPOINTS_FILE, type LocalEndpoints } from '../local/runner.js';

const SCOPES: readonly Scope[] = ['events:write', 'events:read', 'exports:write', 'admin'];
const USAGE = `Usage:
  npm run admin -- token create --tenant T --scopes s1,s2 [--name N] [--expires-at ISO] [--stack NAME] [--region R]
  npm run admin -- token list --tenant T [--stack NAME] [--region R]
Scopes: ${SCOPES.join(', ')}. Without --stack: the local stack started by \`npm start\`.`;

function fail(message: string): never {
  console.error(`${message}\n\n${USAGE}`);
  process.exit(2);
}

/** The table adapters of the local stack: DynamoDB Local, its table names, fake credentials. */
function localStack(): TableAdapters {
  let endpoints: LocalEndpoints;
  try {
    endpoints = JSON.parse(readFileSync(ENDPOINTS_FILE, 'utf8')) as LocalEndpoints;
  } catch {
    fail(`No local stack found (${ENDPOINTS_FILE} is missing). Start it with \`npm start\`, or pass --stack NAME for a deployed one.`);
  }
  return localTableAdapters(endpoints);
}

/** The table adapters of a deployed stack, via its ControlTableName/EventsTableName outputs, with the caller's credentials. */
async function deployedStack(stackName: string, region: string | undefined): Promise<TableAdapters> {
  const { CloudFormationClient, DescribeStacksCommand } = await import('@aws-sdk/client-cloudformation');
  const cfn = new CloudFormationClient(region ? { region } : {});
  let outputs: Record<string, string>;
  let parameters: Record<string, string>;
  try {
    const { Stacks } = await cfn.send(new DescribeStacksCommand({ StackName: stackName }));
    outputs = Object.fromEntries((Stacks?.[0]?.Outputs ?? []).map((o) => [o.OutputKey ?? '', o.OutputValue ?? '']));
    parameters = Object.fromEntries((Stacks?.[0]?.Parameters ?? []).map((p) => [p.ParameterKey ?? '', p.ParameterValue ?? '']));
  } catch (err) {
    console.error(`Cannot describe stack '${stackName}' in ${await cfn.config.region()}: ${(err as Error).message}`);
    process.exit(1);
  }
  for (const key of ['ControlTableName', 'EventsTableName']) {
    if (!outputs[key]) fail(`Stack '${stackName}' has no output ${key}; is it an audit log stack?`);
  }
  return tableAdapters({
    ...(region ? { region } : {}),
    tables: { control: outputs.ControlTableName!, events: outputs.EventsTableName! },
    // The audit event of a new token is stamped with the stack's retention and shard count.
    defaults: {
      retentionDays: Number(parameters.RetentionDays ?? '90'),
      maxRetentionDays: Number(parameters.MaxRetentionDays ?? '365'),
      shardCount: Number(parameters.ShardCount ?? '4'),
    },
  });
}

const { positionals, values } = (() => {
  try {
    return parseArgs({
      allowPositionals: true,
      options: {
        tenant: { type: 'string' },
        scopes: { type: 'string' },
        name: { type: 'string' },
        'expires-at': { type: 'string' },
        stack: { type: 'string' },
        region: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (err) {
    fail((err as Error).message);
  }
})();

if (values.help) {
  console.log(USAGE);
  process.exit(0);
}
const [resource, command, ...extra] = positionals;
if (resource !== 'token' || !['create', 'list'].includes(command ?? '') || extra.length) {
  fail(`Unknown command '${positionals.join(' ')}'.`);
}
const tenant = values.tenant?.trim();
if (!tenant) fail('--tenant is required.');
if (!/^[A-Za-z0-9._:-]{1,128}$/.test(tenant)) fail(`--tenant '${tenant}' must be 1-128 characters of A-Z a-z 0-9 . _ : -`);

let scopes: Scope[] = [];
let expiresAt: string | undefined;
if (command === 'create') {
  scopes = (values.scopes ?? '').split(',').map((s) => s.trim()).filter(Boolean) as Scope[];
  if (!scopes.length) fail(`--scopes is required: a comma-separated list of ${SCOPES.join(', ')}.`);
  const unknown = scopes.filter((s) => !SCOPES.includes(s));
  if (unknown.length) fail(`Unknown scope(s): ${unknown.join(', ')}. Valid: ${SCOPES.join(', ')}.`);
  if (values['expires-at'] !== undefined) {
    const at = new Date(values['expires-at']);
    if (Number.isNaN(at.getTime())) fail(`--expires-at '${values['expires-at']}' is not an ISO-8601 timestamp.`);
    if (at.getTime() <= Date.now()) fail('--expires-at must be in the future.');
    expiresAt = at.toISOString();
  }
}

if (!values.stack && values.region) fail('--region only applies with --stack.');
const stores = values.stack ? await deployedStack(values.stack, values.region) : localStack();
try {
  if (command === 'create') {
    const name = values.name ?? `created by npm run admin (${new Date().toISOString()})`;
    const created = await issueToken(stores, tenant, { name, scopes: [...new Set(scopes)], expiresAt }, { system: 'admin-cli' });
    console.error(`Created token ${created.id} for tenant '${tenant}' with scopes ${created.scopes.join(', ')}${created.expiresAt ? `, expires ${created.expiresAt}` : ''}. It is shown only once:`);
    console.log(created.token);
  } else {
    const tokens = await stores.tokenStore.listTokens(tenant);
    console.log(JSON.stringify(tokens, null, 2));
  }
} catch (err) {
  const e = err as Error;
  const hint = !values.stack && /ECONNREFUSED|fetch failed/.test(`${e.message} ${e.cause ?? ''} ${(e as { code?: string }).code ?? ''}`)
    ? ' Is `npm start` still running?' : '';
  console.error(`Failed: ${e.name}: ${e.message}.${hint}`);
  process.exit(1);
}

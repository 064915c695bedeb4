/**
 * The environment the Lambda handlers get locally, derived from the functions'
 * `Environment.Variables` in the synthesized template.
 */
import { randomBytes } from 'node:crypto';
import { LOCAL_AWS } from './dynamodb.js';
import { localBucketName } from './s3.js';
import { resourcesOfType, shortLogicalId, type CfnTemplate } from './template.js';
import { TABLE_TYPES, localTableName } from './tables.js';

/** Account id used in ARNs and event request contexts locally. */
export const LOCAL_ACCOUNT = '000000000000';

const PSEUDO: Record<string, string> = {
  'AWS::Region': LOCAL_AWS.region,
  'AWS::AccountId': LOCAL_ACCOUNT,
  'AWS::Partition': 'aws',
  'AWS::URLSuffix': 'amazonaws.com',
  'AWS::StackName': 'AuditLog',
};

/** The local ARN of a Lambda function: `arn:aws:lambda:<region>:000000000000:function:<logicalId>`. */
export function localFunctionArn(logicalId: string): string {
  return `arn:aws:lambda:${LOCAL_AWS.region}:${LOCAL_ACCOUNT}:function:${logicalId}`;
}

/** The local ARN of a state machine: named by its `StateMachineName`, else its short logical id. */
export function localStateMachineArn(template: CfnTemplate, logicalId: string): string {
  const name = template.Resources[logicalId]?.Properties?.StateMachineName;
  return `arn:aws:states:${LOCAL_AWS.region}:${LOCAL_ACCOUNT}:stateMachine:${typeof name === 'string' ? name : shortLogicalId(logicalId)}`;
}

/**
 * Resolves a CloudFormation value to a local string: literals, `Ref` to a parameter
 * (its Default), a table or a bucket (its local name), a state machine (its local ARN)
 * or a function (its logical id), pseudo parameters, `Fn::Join`, and the `Arn`s of
 * tables, buckets and functions. Returns undefined for anything else, e.g. a Secrets
 * Manager dynamic reference.
 */
export function resolveValue(template: CfnTemplate, value: unknown): string | undefined {
  if (typeof value === 'string') return value.includes('{{resolve:') ? undefined : value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (value === null || typeof value !== 'object') return undefined;
  const v = value as Record<string, any>;
  if (typeof v.Ref === 'string') {
    if (v.Ref in PSEUDO) return PSEUDO[v.Ref];
    const param = template.Parameters?.[v.Ref];
    if (param) return param.Default === undefined ? undefined : String(param.Default);
    const type = template.Resources[v.Ref]?.Type;
    if (TABLE_TYPES.includes(type)) return localTableName(v.Ref);
    if (type === 'AWS::S3::Bucket') return localBucketName(v.Ref);
    if (type === 'AWS::StepFunctions::StateMachine') return localStateMachineArn(template, v.Ref);
    if (type === 'AWS::Lambda::Function') return v.Ref;
    return undefined;
  }
  if (Array.isArray(v['Fn::Join'])) {
    const [sep, parts] = v['Fn::Join'] as [string, unknown[]];
    const resolved = parts.map((p) => resolveValue(template, p));
    return resolved.some((p) => p === undefined) ? undefined : resolved.join(sep);
  }
  const getAtt = v['Fn::GetAtt'];
  if (Array.isArray(getAtt) && getAtt[1] === 'Arn') {
    const type = template.Resources[getAtt[0]]?.Type;
    if (TABLE_TYPES.includes(type)) return `arn:aws:dynamodb:${LOCAL_AWS.region}:${LOCAL_ACCOUNT}:table/${localTableName(getAtt[0])}`;
    if (type === 'AWS::S3::Bucket') return `arn:aws:s3:::${localBucketName(getAtt[0])}`;
    if (type === 'AWS::Lambda::Function') return localFunctionArn(getAtt[0]);
  }
  return undefined;
}

/** What {@link functionEnvironment} produced, and which variables it had to invent or could not set. */
export interface FunctionEnvironment {
  readonly env: Record<string, string>;
  /** Variables given a local stand-in (secrets: a random value per run). */
  readonly generated: string[];
  /** Variables with no local value; handlers reading them will fail. */
  readonly unresolved: string[];
}

/** Variables meant for the Lambda Node.js process itself; set here they would leak into child processes. */
const LAMBDA_RUNTIME_ONLY = ['NODE_OPTIONS'];

/**
 * Merges the environment variables of every Lambda function in the template (they
 * agree by construction) and resolves them for local use. Variables whose value
 * cannot be resolved and whose name contains `SECRET` get 32 random bytes as hex,
 * generated once per run (e.g. the cursor-signing secret, which is a Secrets Manager
 * dynamic reference in the template).
 */
export function functionEnvironment(template: CfnTemplate): FunctionEnvironment {
  const env: Record<string, string> = {};
  const generated = new Set<string>();
  const unresolved = new Set<string>();
  for (const [, fn] of resourcesOfType(template, 'AWS::Lambda::Function')) {
    for (const [name, value] of Object.entries<unknown>(fn.Properties?.Environment?.Variables ?? {})) {
      if (name in env || generated.has(name) || LAMBDA_RUNTIME_ONLY.includes(name)) continue;
      const resolved = resolveValue(template, value);
      if (resolved !== undefined) {
        env[name] = resolved;
        unresolved.delete(name);
      } else if (/SECRET/i.test(name)) {
        env[name] = randomBytes(32).toString('hex');
        generated.add(name);
      } else {
        unresolved.add(name);
      }
    }
  }
  return { env, generated: [...generated], unresolved: [...unresolved] };
}

/**
 * The complete local environment for handlers and adapters: the template's function
 * environment, fake credentials, `AWS_ENDPOINT_URL_DYNAMODB` (the SDK v3 honours
 * service-specific endpoint variables, so handlers need no local-only code), then
 * `overrides` last.
 */
export function localEnvironment(
  template: CfnTemplate,
  dynamodbEndpoint: string,
  overrides: Record<string, string> = {},
): FunctionEnvironment {
  const fn = functionEnvironment(template);
  const env: Record<string, string> = {
    ...fn.env,
    AWS_REGION: LOCAL_AWS.region,
    AWS_DEFAULT_REGION: LOCAL_AWS.region,
    AWS_ACCESS_KEY_ID: LOCAL_AWS.credentials.accessKeyId,
    AWS_SECRET_ACCESS_KEY: LOCAL_AWS.credentials.secretAccessKey,
    AWS_ENDPOINT_URL_DYNAMODB: dynamodbEndpoint,
    AWS_ENDPOINT_URL_DYNAMODB_STREAMS: dynamodbEndpoint,
    ...overrides,
  };
  return { ...fn, env, unresolved: fn.unresolved.filter((name) => !(name in env)) };
}

/**
 * Writes `env` into `process.env`, and removes variables that would point the SDK
 * at a real account (profile, session token). Must run before any handler module is
 * imported: handlers read their configuration at module init.
 */
export function applyEnvironment(env: Record<string, string>): void {
  delete process.env.AWS_PROFILE;
  delete process.env.AWS_SESSION_TOKEN;
  Object.assign(process.env, env);
}

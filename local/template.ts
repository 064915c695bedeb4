/**
 * The synthesized CloudFormation template of `AuditLogStack`: the local runner's one
 * source of truth for tables, function environments and API settings.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** One resource of a CloudFormation template (properties left loosely typed). */
export interface CfnResource {
  readonly Type: string;
  readonly Properties?: Record<string, any>;
  readonly Metadata?: Record<string, any>;
}

/** The parts of a CloudFormation template the local runner reads. */
export interface CfnTemplate {
  readonly Parameters?: Record<string, { readonly Type: string; readonly Default?: string | number }>;
  readonly Resources: Record<string, CfnResource>;
}

/** The stack id used by `bin/app.ts`, and so in the template and the stack name. */
export const STACK_ID = 'AuditLog';

/**
 * Synthesizes `AuditLogStack` in this process, without bundling any Lambda code
 * (`aws:cdk:bundling-stacks: []`) and without the built-in template validation, so it
 * takes about a second and needs neither Docker nor esbuild output. The cloud assembly goes to a temporary directory that
 * is removed afterwards. The CDK is imported lazily, so the helpers below stay cheap.
 */
export async function synthTemplateInProcess(): Promise<CfnTemplate> {
  const [{ App }, { AuditLogStack }] = await Promise.all([import('aws-cdk-lib'), import('../lib/AuditLogStack.js')]);
  const outdir = mkdtempSync(join(tmpdir(), 'audit-log-synth-'));
  try {
    const app = new App({
      outdir,
      context: { 'aws:cdk:bundling-stacks': [] },
      // Template validation (~4 s) is the job of `cdk synth` and the infra tests, not of every local start.
      builtinCloudFormationValidation: false,
    });
    new AuditLogStack(app, STACK_ID);
    return app.synth().getStackByName(STACK_ID).template as CfnTemplate;
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
}

/**
 * The same template, synthesized in a child Node process (local/synth-template.ts): the
 * CDK's ~150 MB of heap then never lives in the process that runs the handlers (whose
 * memory the export benchmark measures), and is returned to the system at once.
 */
export async function synthTemplate(): Promise<CfnTemplate> {
  const script = fileURLToPath(new URL('./synth-template.ts', import.meta.url));
  // tsx runs the TypeScript child; it resolves from the project root, whatever the caller's working directory.
  const root = fileURLToPath(new URL('..', import.meta.url));
  const child = spawn(process.execPath, ['--import', 'tsx', script], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  child.stdout.on('data', (c: Buffer) => out.push(c));
  child.stderr.on('data', (c: Buffer) => err.push(c));
  const code = await new Promise<number | null>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', resolve);
  });
  if (code !== 0) throw new Error(`synthesizing the stack failed (exit ${code}): ${Buffer.concat(err).toString('utf8').slice(-2_000)}`);
  return JSON.parse(Buffer.concat(out).toString('utf8')) as CfnTemplate;
}

/** `[logicalId, resource]` pairs of the given CloudFormation type(s). */
export function resourcesOfType(template: CfnTemplate, ...types: string[]): Array<[string, CfnResource]> {
  return Object.entries(template.Resources).filter(([, r]) => types.includes(r.Type));
}

/** A CDK logical id without its 8-hex-digit hash: `EventStoreEventsTable1A2B3C4D` → `EventStoreEventsTable`. */
export function shortLogicalId(logicalId: string): string {
  return logicalId.replace(/[0-9A-F]{8}$/, '') || logicalId;
}

/**
 * The logical id of the first Lambda function whose ARN `value` references
 * (`Fn::GetAtt [Fn, Arn]` anywhere inside, e.g. in an integration or authorizer URI).
 */
export function referencedFunction(template: CfnTemplate, value: unknown): string | undefined {
  if (Array.isArray(value)) {
    for (const v of value) {
      const found = referencedFunction(template, v);
      if (found) return found;
    }
    return undefined;
  }
  if (value === null || typeof value !== 'object') return undefined;
  const getAtt = (value as Record<string, unknown>)['Fn::GetAtt'];
  if (Array.isArray(getAtt) && getAtt[1] === 'Arn' && template.Resources[getAtt[0]]?.Type === 'AWS::Lambda::Function') {
    return getAtt[0] as string;
  }
  return referencedFunction(template, Object.values(value));
}

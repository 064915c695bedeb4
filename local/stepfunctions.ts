/**
 * A local Step Functions: the CDK-synthesized state machine definitions, run by
 * aws-local-stepfunctions with every Task state bound to the real handler module of the
 * Lambda function it invokes, behind an endpoint speaking the AWS JSON 1.0 protocol
 * (`POST /`, `X-Amz-Target: AWSStepFunctions.<Action>`), so `@aws-sdk/client-sfn` works
 * unchanged through `AWS_ENDPOINT_URL_SFN`.
 *
 * Actions: StartExecution, DescribeExecution, ListExecutions, StopExecution,
 * DescribeStateMachine, ListStateMachines. Executions live in memory.
 *
 * How a task invocation looks to the state machine, as in AWS:
 * - the handler gets the task input as its event and a Lambda context (request id,
 *   function name, `getRemainingTimeInMillis` from the function's `Timeout`);
 * - a thrown error becomes `Error` = its `name` (Lambda's `errorType`), `Cause` = the JSON
 *   string `{"errorType","errorMessage","trace"}`, so `ErrorEquals: ["PermanentExportError"]`
 *   matches an error whose name is `PermanentExportError` and `States.ALL` /
 *   `States.TaskFailed` match any;
 * - a handler still running at the function's timeout fails with `Sandbox.Timedout`;
 * - a `task-crash` fault (local/faults.ts) fails with `Lambda.Unknown`.
 */
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Context } from 'aws-lambda';
import { StateMachine } from 'aws-local-stepfunctions';
import { FUNCTION_ID_METADATA, functionById } from '../lib/catalogue.js';
import { ENV } from '../lib/catalogue.js';
import { LOCAL_ACCOUNT, localFunctionArn, localStateMachineArn, resolveValue } from './env.js';
import { LAMBDA_CRASH_ERROR, type Faults } from './faults.js';
import { functionSettings, lambdaContext, type FunctionSettings } from './http-api.js';
import { resourcesOfType, shortLogicalId, type CfnTemplate } from './template.js';

// aws-local-stepfunctions 3 targets Node 22: its Task states call Promise.withResolvers
// (when they run, not at import), which Node 20 lacks. Without it every Task throws a
// TypeError that a `States.ALL` catcher silently takes.
type WithResolvers = <T>() => { promise: Promise<T>; resolve: (v: T | PromiseLike<T>) => void; reject: (e?: unknown) => void };
const P = Promise as unknown as { withResolvers?: WithResolvers };
P.withResolvers ??= <T>() => {
  let resolvePromise!: (v: T | PromiseLike<T>) => void;
  let rejectPromise!: (e?: unknown) => void;
  const promise = new Promise<T>((res, rej) => { resolvePromise = res; rejectPromise = rej; });
  return { promise, resolve: resolvePromise, reject: rejectPromise };
};

/** An Amazon States Language definition (loosely typed; validated by aws-local-stepfunctions). */
export type Definition = Record<string, any>;

type Handler = (event: unknown, context: Context) => unknown;

/** What a Task state's Lambda function runs locally. */
export interface TaskBinding {
  /** Task id for `task-crash` faults, e.g. `WriteExportChunk`. */
  readonly task: string;
  /** Name and limits (timeout!) of the function. */
  readonly fn: FunctionSettings;
  /** The handler; may load its module lazily. */
  readonly handler: () => Handler | Promise<Handler>;
}

/** Task bindings by function ARN (or name), as the definition's Task states reference them. */
export type TaskBindings = Readonly<Record<string, TaskBinding>>;

/** How an execution ended. */
export type ExecutionOutcome =
  | { readonly status: 'SUCCEEDED'; readonly output: unknown }
  | { readonly status: 'FAILED' | 'TIMED_OUT' | 'ABORTED'; readonly error: string; readonly cause: string };

/** Options of {@link runDefinition}. */
export interface RunOptions {
  /** Pause before each retry, ms, instead of the definition's `IntervalSeconds`/backoff/jitter. @default the definition's */
  readonly retryIntervalMs?: number;
  readonly faults?: Faults;
  /** Context object fields (`$$.Execution.Id` ...). */
  readonly context?: { readonly executionArn?: string; readonly name?: string; readonly stateMachineArn?: string };
}

/** A running execution of {@link runDefinition}. */
export interface RunningExecution {
  /** Settles when the execution ends; never rejects. */
  readonly outcome: Promise<ExecutionOutcome>;
  /** Stops it (outcome ABORTED). A task already running finishes in the background. */
  abort(): void;
}

/** Lambda's error payload (Node.js runtime), which Step Functions puts in `Cause`. */
function lambdaErrorCause(errorType: string, errorMessage: string, trace: string[] = []): string {
  return JSON.stringify({ errorType, errorMessage, trace });
}

/** An error as the state machine sees it: `name` → `Error`, `message` → `Cause`. */
function taskError(name: string, cause: string, terminal = false): Error {
  const e = new Error(cause);
  e.name = name;
  // aws-local-stepfunctions reads these: AWS lets no retrier or catcher take States.DataLimitExceeded.
  if (terminal) Object.assign(e, { isRetryable: false, isCatchable: false });
  return e;
}

/** Step Functions' limit on a state's input/output. */
const MAX_PAYLOAD_BYTES = 256 * 1024;

/** Invokes a bound handler the way Lambda + Step Functions would; see the module comment. */
async function invokeTask(binding: TaskBinding, input: unknown, faults: Faults | undefined): Promise<unknown> {
  const { fn } = binding;
  const exportId = (input as { exportId?: unknown } | null)?.exportId;
  const crash = faults?.take('task-crash', (r) => r.task === binding.task && (r.exportId === undefined || r.exportId === exportId));
  const crashed = (when: string) => taskError(LAMBDA_CRASH_ERROR,
    `The cause could not be determined because Lambda did not return an error type. (Local fault injected: task-crash '${when}' on ${binding.task}.)`);
  if (crash && (crash.when ?? 'before') === 'before') throw crashed('before');

  const event = JSON.parse(JSON.stringify(input ?? null)) as unknown; // over the wire, as in Lambda
  const deadline = Date.now() + fn.timeoutSeconds * 1000;
  const context = lambdaContext(fn, deadline);
  let timer: NodeJS.Timeout | undefined;
  let result: unknown;
  try {
    const handler = await binding.handler();
    result = await Promise.race([
      Promise.resolve().then(() => handler(event, context)),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(taskError('Sandbox.Timedout', lambdaErrorCause('Sandbox.Timedout',
          `RequestId: ${context.awsRequestId} Error: Task timed out after ${fn.timeoutSeconds.toFixed(2)} seconds`))), fn.timeoutSeconds * 1000);
      }),
    ]);
  } catch (err) {
    if (err instanceof Error && err.name === 'Sandbox.Timedout') throw err;
    const e = err instanceof Error ? err : new Error(String(err));
    throw taskError(e.name || 'Error', lambdaErrorCause(e.name || 'Error', e.message, e.stack?.split('\n')));
  } finally {
    clearTimeout(timer);
  }
  if (crash) throw crashed('after');
  const json = JSON.stringify(result ?? null);
  if (Buffer.byteLength(json) > MAX_PAYLOAD_BYTES) {
    throw taskError('States.DataLimitExceeded', `The state/task '${fn.name}' returned a result with a size exceeding the maximum number of bytes service limit.`, true);
  }
  return JSON.parse(json) as unknown;
}

/** `arn:aws:lambda:r:a:function:name[:qualifier]` or a bare name → the function ARN key of the bindings. */
function bindingFor(bindings: TaskBindings, ref: unknown): TaskBinding | undefined {
  if (typeof ref !== 'string') return undefined;
  if (bindings[ref]) return bindings[ref];
  const m = /^arn:aws[\w-]*:lambda:[^:]*:[^:]*:function:([^:]+)(?::[^:]+)?$/.exec(ref);
  const name = m ? m[1] : ref;
  return Object.entries(bindings).find(([arn]) => arn.endsWith(`:function:${name}`) || arn === name)?.[1];
}

/** `arn:aws:states:::lambda:invoke` wraps the payload and the result; a function ARN (payloadResponseOnly) does not. */
const isLambdaInvoke = (resource: unknown) => typeof resource === 'string' && /^arn:aws[\w-]*:states:::lambda:invoke$/.test(resource);

const TYPE_TESTS = ['IsNull', 'IsPresent', 'IsNumeric', 'IsString', 'IsBoolean', 'IsTimestamp'];

/**
 * aws-local-stepfunctions 3 evaluates `IsNull: false` (and the other type tests with
 * `false`) as never matching. Rewrites them as `Not: { ...: true }`, which it gets right.
 */
function fixChoiceRule(rule: Record<string, any>): Record<string, any> {
  const out: Record<string, any> = { ...rule };
  if (Array.isArray(out.And)) out.And = out.And.map(fixChoiceRule);
  if (Array.isArray(out.Or)) out.Or = out.Or.map(fixChoiceRule);
  if (out.Not) out.Not = fixChoiceRule(out.Not);
  const test = TYPE_TESTS.find((t) => out[t] === false);
  if (test) {
    const { Next, Variable, [test]: _, ...rest } = out;
    return { ...rest, Not: { Variable, [test]: true }, ...(Next === undefined ? {} : { Next }) };
  }
  return out;
}

/**
 * Prepares a definition for aws-local-stepfunctions and collects the local overrides:
 * each Task state's handler, retry pauses, choice-rule fixes, and a `TimeoutSeconds`
 * where a Task has none (the library would otherwise stop it after 60 s; AWS lets it run
 * until the function's own timeout, which the binding enforces).
 */
function prepare(definition: Definition, bindings: TaskBindings, opts: RunOptions, aborted: () => boolean = () => false) {
  const handlers: Record<string, (input: unknown) => Promise<unknown>> = {};
  const retryIntervalOverrides: Record<string, number> = {};
  const walk = (def: Definition): Definition => {
    const states: Record<string, Definition> = {};
    for (const [name, original] of Object.entries<Definition>(def.States ?? {})) {
      const state: Definition = { ...original };
      if (state.Type === 'Choice' && Array.isArray(state.Choices)) state.Choices = state.Choices.map(fixChoiceRule);
      if (Array.isArray(state.Branches)) state.Branches = state.Branches.map(walk);
      if (state.Iterator) state.Iterator = walk(state.Iterator);
      if (state.ItemProcessor) state.ItemProcessor = walk(state.ItemProcessor);
      if (Array.isArray(state.Retry) && opts.retryIntervalMs !== undefined) retryIntervalOverrides[name] = opts.retryIntervalMs;
      if (state.Type === 'Task') {
        const integrated = isLambdaInvoke(state.Resource);
        const binding = bindingFor(bindings, integrated ? state.Parameters?.FunctionName : state.Resource);
        if (binding && state.TimeoutSeconds === undefined && state.TimeoutSecondsPath === undefined) {
          state.TimeoutSeconds = binding.fn.timeoutSeconds + 60;
        }
        handlers[name] = async (input) => {
          // The library resumes a retry pause on abort and would invoke the task once more.
          if (aborted()) throw taskError('States.Aborted', 'The execution was stopped.', true);
          if (!binding) {
            throw taskError('Lambda.ResourceNotFoundException', `No local handler for the resource of Task state '${name}' (${JSON.stringify(state.Resource)}).`);
          }
          if (!integrated) return invokeTask(binding, input, opts.faults);
          const payload = (input as { Payload?: unknown } | null)?.Payload;
          const result = await invokeTask(binding, payload, opts.faults);
          return { ExecutedVersion: '$LATEST', Payload: result, StatusCode: 200, SdkHttpMetadata: { HttpStatusCode: 200 }, SdkResponseMetadata: { RequestId: randomUUID() } };
        };
      }
      states[name] = state;
    }
    return { ...def, States: states };
  };
  return { definition: walk(definition), handlers, retryIntervalOverrides };
}

/** Strict: JSONPaths and ARNs are checked as AWS does. */
const VALIDATION = { validationOptions: { checkPaths: true, checkArn: true } };

/** Why aws-local-stepfunctions rejects `definition`, or undefined when it accepts it. */
export function definitionProblem(definition: Definition, bindings: TaskBindings = {}): string | undefined {
  try {
    new StateMachine(prepare(definition, bindings, {}).definition as any, VALIDATION);
    return undefined;
  } catch (err) {
    return (err as Error).message;
  }
}

/**
 * Runs `definition` once in the background with `bindings` for its Task states. Throws
 * at once when the definition is invalid (aws-local-stepfunctions' strict validation).
 */
export function runDefinition(definition: Definition, bindings: TaskBindings, input: unknown, opts: RunOptions = {}): RunningExecution {
  let aborted = false;
  const prepared = prepare(definition, bindings, opts, () => aborted);
  const machine = new StateMachine(prepared.definition as any, VALIDATION);
  const smArn = opts.context?.stateMachineArn;
  const execution = machine.run(input as any, {
    overrides: { taskResourceLocalHandlers: prepared.handlers, retryIntervalOverrides: prepared.retryIntervalOverrides },
    context: {
      Execution: { Id: opts.context?.executionArn, Name: opts.context?.name, RoleArn: `arn:aws:iam::${LOCAL_ACCOUNT}:role/local` },
      StateMachine: { Id: smArn, Name: smArn?.split(':').at(-1) },
    },
  } as any);
  const outcome = execution.result.then(
    (output): ExecutionOutcome => ({ status: 'SUCCEEDED', output }),
    (err: Error): ExecutionOutcome => {
      if (err.name === 'ExecutionAbortedError') return { status: 'ABORTED', error: 'States.Aborted', cause: 'The execution was stopped.' };
      if (err.name === 'ExecutionTimeoutError') return { status: 'TIMED_OUT', error: 'States.Timeout', cause: 'The execution ran longer than its TimeoutSeconds.' };
      // ExecutionError wraps what ended the execution: a Fail state (name = Error, message = Cause) or an uncaught task error.
      const inner = err.name === 'ExecutionError' && err.cause instanceof Error ? err.cause : err;
      return { status: 'FAILED', error: inner.name, cause: inner.message };
    },
  );
  return {
    outcome,
    abort: () => {
      aborted = true;
      execution.abort();
    },
  };
}

/** A state machine the endpoint serves. */
export interface LocalStateMachine {
  /** `export` for the one the functions' `EXPORT_STATE_MACHINE_ARN` references, else its short logical id. */
  readonly key: string;
  readonly arn: string;
  readonly definition: Definition;
  readonly bindings: TaskBindings;
}

/**
 * The state machines of the template, definitions resolved (`Fn::Join`, function ARNs
 * → local ARNs, `DefinitionSubstitutions`), each Lambda function bound to the handler
 * module of its catalogue entry, found by the catalogue id the function carries in its
 * template metadata (`AuditLogFunction: WriteExportChunk` → `lambdas/exports/write-chunk.ts`).
 */
export function stateMachinesFromTemplate(
  template: CfnTemplate,
  root: string,
  entryOf: (functionId: string) => string = (id) => functionById(id).entry,
): { machines: LocalStateMachine[]; warnings: string[] } {
  const warnings: string[] = [];
  const modules = new Map<string, Promise<Handler>>();
  const load = (entry: string) => {
    let mod = modules.get(entry);
    if (!mod) {
      mod = import(pathToFileURL(resolve(root, entry)).href).then((m) => {
        if (typeof m.handler !== 'function') throw new Error(`${entry} does not export a handler function`);
        return m.handler as Handler;
      });
      modules.set(entry, mod);
      mod.catch(() => modules.delete(entry)); // retry the import on the next invocation
    }
    return mod;
  };
  const bindings: Record<string, TaskBinding> = {};
  for (const [id, resource] of resourcesOfType(template, 'AWS::Lambda::Function')) {
    const task = resource.Metadata?.[FUNCTION_ID_METADATA];
    // Only the catalogue's task functions: the others have triggers of their own (HTTP, WebSocket, streams, schedules).
    if (typeof task === 'string' && functionById(task).trigger.kind === 'task') {
      bindings[localFunctionArn(id)] = { task, fn: functionSettings(template, id), handler: () => load(entryOf(task)) };
    }
  }
  const exportMachines = new Set<string>();
  for (const [, fn] of resourcesOfType(template, 'AWS::Lambda::Function')) {
    const ref = fn.Properties?.Environment?.Variables?.[ENV.exportStateMachine]?.Ref;
    if (typeof ref === 'string') exportMachines.add(ref);
  }
  const machines: LocalStateMachine[] = [];
  for (const [id, resource] of resourcesOfType(template, 'AWS::StepFunctions::StateMachine')) {
    let text = resolveValue(template, resource.Properties?.DefinitionString);
    if (text === undefined && resource.Properties?.Definition) text = JSON.stringify(resource.Properties.Definition);
    if (text === undefined) {
      warnings.push(`state machine ${id}: its definition has references the local runner cannot resolve; not served`);
      continue;
    }
    for (const [key, value] of Object.entries<unknown>(resource.Properties?.DefinitionSubstitutions ?? {})) {
      const resolved = resolveValue(template, value);
      if (resolved === undefined) warnings.push(`state machine ${id}: substitution \${${key}} unresolved`);
      else text = text.split(`\${${key}}`).join(resolved);
    }
    const definition = JSON.parse(text) as Definition;
    const problem = definitionProblem(definition, bindings);
    if (problem) warnings.push(`state machine ${id}: ${problem}`);
    machines.push({ key: exportMachines.has(id) ? 'export' : shortLogicalId(id), arn: localStateMachineArn(template, id), definition, bindings });
  }
  return { machines, warnings };
}

/** Resolved definitions reference functions by local ARN: the ones no binding covers. */
export function unboundTasks(machine: LocalStateMachine): string[] {
  const out: string[] = [];
  const walk = (def: Definition) => {
    for (const [name, s] of Object.entries<Definition>(def.States ?? {})) {
      if (s.Type === 'Task') {
        const integrated = isLambdaInvoke(s.Resource);
        if (!bindingFor(machine.bindings, integrated ? s.Parameters?.FunctionName : s.Resource)) out.push(name);
      }
      (s.Branches ?? []).forEach(walk);
      if (s.Iterator) walk(s.Iterator);
      if (s.ItemProcessor) walk(s.ItemProcessor);
    }
  };
  walk(machine.definition);
  return out;
}

/** Options of {@link startStepFunctions}. */
export interface StepFunctionsOptions {
  readonly machines: readonly LocalStateMachine[];
  /** Pause before retries, ms. @default the definitions' own intervals */
  readonly retryIntervalMs?: number;
  readonly faults?: Faults;
  /** @default 0 (a free port) */
  readonly port?: number;
  /** Called with one line when an execution ends. @default silent */
  readonly log?: (line: string) => void;
}

/** A running local Step Functions endpoint. */
export interface LocalStepFunctions {
  /** `http://127.0.0.1:<port>`: what `AWS_ENDPOINT_URL_SFN` points to. */
  readonly endpoint: string;
  /** Imports every bound handler module now (instead of on first use) and reports failures. */
  preload(): Promise<void>;
  /** Resolves when every execution started so far has ended. */
  idle(): Promise<void>;
  /** Aborts running executions and stops the server. Safe to call twice. */
  stop(): Promise<void>;
}

interface Execution {
  readonly executionArn: string;
  readonly stateMachineArn: string;
  readonly name: string;
  readonly input: string;
  readonly startDate: Date;
  status: 'RUNNING' | ExecutionOutcome['status'];
  stopDate?: Date;
  output?: string;
  error?: string;
  cause?: string;
  abort?: () => void;
  done: Promise<void>;
}

class SfnError extends Error {
  constructor(readonly type: string, message: string) {
    super(message);
  }
}

const NAME_PATTERN = /^[^\s<>{}[\]?*"#%\\^|~`$&,;:/\u0000-\u001f\u007f-\u009f]{1,80}$/;
const epoch = (d: Date) => d.getTime() / 1000;

/** Starts the endpoint on 127.0.0.1 (see the module comment). */
export async function startStepFunctions(opts: StepFunctionsOptions): Promise<LocalStepFunctions> {
  const machines = new Map(opts.machines.map((m) => [m.arn, m]));
  const created = new Date();
  const executions = new Map<string, Execution>();
  const machineOf = (arn: unknown) => {
    if (typeof arn !== 'string' || !/^arn:aws[\w-]*:states:/.test(arn)) throw new SfnError('InvalidArn', `Invalid Arn: '${String(arn)}'`);
    const m = machines.get(arn);
    if (!m) throw new SfnError('StateMachineDoesNotExist', `State Machine Does Not Exist: '${arn}'`);
    return m;
  };
  const executionOf = (arn: unknown) => {
    if (typeof arn !== 'string' || !/^arn:aws[\w-]*:states:/.test(arn)) throw new SfnError('InvalidArn', `Invalid Arn: '${String(arn)}'`);
    const e = executions.get(arn);
    if (!e) throw new SfnError('ExecutionDoesNotExist', `Execution Does Not Exist: '${arn}'`);
    return e;
  };
  const summary = (e: Execution) => ({
    executionArn: e.executionArn, stateMachineArn: e.stateMachineArn, name: e.name, status: e.status,
    startDate: epoch(e.startDate), ...(e.stopDate ? { stopDate: epoch(e.stopDate) } : {}),
  });

  const actions: Record<string, (req: Record<string, any>) => unknown> = {
    StartExecution(req) {
      const machine = machineOf(req.stateMachineArn);
      const name = req.name === undefined ? randomUUID() : req.name;
      if (typeof name !== 'string' || !NAME_PATTERN.test(name)) throw new SfnError('InvalidName', `Invalid Name: '${String(name)}'`);
      const input = req.input === undefined ? '{}' : req.input;
      let parsed: unknown;
      try {
        parsed = JSON.parse(String(input));
      } catch {
        throw new SfnError('InvalidExecutionInput', `Invalid State Machine Execution Input: '${String(input)}'`);
      }
      if (Buffer.byteLength(String(input)) > MAX_PAYLOAD_BYTES) throw new SfnError('InvalidExecutionInput', 'The input exceeds the 262144 bytes limit.');
      const executionArn = `${machine.arn.replace(':stateMachine:', ':execution:')}:${name}`;
      const existing = executions.get(executionArn);
      if (existing) {
        // Idempotent like a Standard workflow: same name and input while running → same execution.
        if (existing.status === 'RUNNING' && existing.input === input) return { executionArn, startDate: epoch(existing.startDate) };
        throw new SfnError('ExecutionAlreadyExists', `Execution Already Exists: '${executionArn}'`);
      }
      const run = runDefinition(machine.definition, machine.bindings, parsed, {
        retryIntervalMs: opts.retryIntervalMs,
        faults: opts.faults,
        context: { executionArn, name, stateMachineArn: machine.arn },
      });
      const execution: Execution = { executionArn, stateMachineArn: machine.arn, name, input, startDate: new Date(), status: 'RUNNING', abort: run.abort, done: Promise.resolve() };
      execution.done = run.outcome.then((outcome) => {
        if (execution.status !== 'RUNNING') return; // stopped meanwhile
        execution.status = outcome.status;
        execution.stopDate = new Date();
        execution.abort = undefined;
        if (outcome.status === 'SUCCEEDED') execution.output = JSON.stringify(outcome.output ?? null);
        else Object.assign(execution, { error: outcome.error, cause: outcome.cause });
        const secs = ((execution.stopDate.getTime() - execution.startDate.getTime()) / 1000).toFixed(1);
        opts.log?.(`local Step Functions: ${machine.arn.split(':').at(-1)} execution ${name} ${outcome.status} after ${secs} s` +
          (outcome.status === 'SUCCEEDED' ? '' : ` (${outcome.error}: ${outcome.cause.slice(0, 200)})`));
      });
      executions.set(executionArn, execution);
      return { executionArn, startDate: epoch(execution.startDate) };
    },
    DescribeExecution(req) {
      const e = executionOf(req.executionArn);
      return {
        ...summary(e),
        input: e.input, inputDetails: { included: true },
        ...(e.output !== undefined ? { output: e.output, outputDetails: { included: true } } : {}),
        ...(e.error !== undefined ? { error: e.error, cause: e.cause } : {}),
      };
    },
    ListExecutions(req) {
      const machine = machineOf(req.stateMachineArn);
      const all = [...executions.values()]
        .filter((e) => e.stateMachineArn === machine.arn && (!req.statusFilter || e.status === req.statusFilter))
        .sort((a, b) => b.startDate.getTime() - a.startDate.getTime());
      const max = Number(req.maxResults) > 0 ? Math.min(Number(req.maxResults), 1000) : 100;
      const start = req.nextToken ? Number(Buffer.from(String(req.nextToken), 'base64url').toString()) || 0 : 0;
      const page = all.slice(start, start + max);
      const more = start + page.length < all.length;
      return { executions: page.map(summary), ...(more ? { nextToken: Buffer.from(String(start + page.length)).toString('base64url') } : {}) };
    },
    StopExecution(req) {
      const e = executionOf(req.executionArn);
      if (e.status === 'RUNNING') {
        e.status = 'ABORTED';
        e.stopDate = new Date();
        e.error = typeof req.error === 'string' ? req.error : undefined;
        e.cause = typeof req.cause === 'string' ? req.cause : undefined;
        e.abort?.();
        e.abort = undefined;
      }
      return { stopDate: epoch(e.stopDate!) };
    },
    DescribeStateMachine(req) {
      const m = machineOf(req.stateMachineArn);
      return {
        stateMachineArn: m.arn, name: m.arn.split(':').at(-1), status: 'ACTIVE', definition: JSON.stringify(m.definition),
        roleArn: `arn:aws:iam::${LOCAL_ACCOUNT}:role/local`, type: 'STANDARD', creationDate: epoch(created),
      };
    },
    ListStateMachines() {
      return { stateMachines: [...machines.keys()].map((arn) => ({ stateMachineArn: arn, name: arn.split(':').at(-1), type: 'STANDARD', creationDate: epoch(created) })) };
    },
  };

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const reply = (status: number, body: unknown) => {
        const text = JSON.stringify(body);
        res.writeHead(status, { 'content-type': 'application/x-amz-json-1.0', 'content-length': Buffer.byteLength(text), 'x-amzn-requestid': randomUUID() });
        res.end(text);
      };
      const target = String(req.headers['x-amz-target'] ?? '');
      const action = target.startsWith('AWSStepFunctions.') ? actions[target.slice('AWSStepFunctions.'.length)] : undefined;
      if (req.method !== 'POST' || !action) return reply(400, { __type: 'UnknownOperationException', message: `Unknown operation ${target || '(no X-Amz-Target)'}` });
      try {
        const text = Buffer.concat(chunks).toString('utf8');
        reply(200, action(text ? (JSON.parse(text) as Record<string, unknown>) : {}));
      } catch (err) {
        if (err instanceof SfnError) return reply(400, { __type: err.type, message: err.message });
        if (err instanceof SyntaxError) return reply(400, { __type: 'SerializationException', message: err.message });
        console.error('local Step Functions:', err);
        reply(500, { __type: 'InternalFailure', message: 'Internal error of the local Step Functions' });
      }
    });
  });
  const port = await new Promise<number>((resolvePort, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, '127.0.0.1', () => resolvePort((server.address() as { port: number }).port));
  });
  let stopped = false;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    async preload() {
      const bindings = new Set(opts.machines.flatMap((m) => Object.values(m.bindings)));
      await Promise.all([...bindings].map(async (b) => {
        try {
          await b.handler();
        } catch (err) {
          console.error(`local Step Functions: cannot load the handler of ${b.task}:`, err);
        }
      }));
    },
    async idle() {
      await Promise.all([...executions.values()].map((e) => e.done));
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      for (const e of executions.values()) e.abort?.();
      await new Promise<void>((done) => {
        server.close(() => done());
        server.closeAllConnections();
      });
    },
  };
}

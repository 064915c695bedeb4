/**
 * The live stream, locally: the catalogue's `websocket` functions behind the local WebSocket
 * API peer (local/websocket-api.ts), its `stream` functions behind the local event source
 * mapping on the Events table's stream (local/stream-poller.ts), and its `schedule` functions
 * on a timer. Handlers are bound by catalogue id (the template's function metadata) and
 * imported on first use, after the runner has set their environment.
 *
 * Started in two steps: {@link startWebSocketPeer} before the handlers' environment is made
 * (its URL and `@connections` endpoint go into it), {@link startStreamTriggers} once the tables
 * exist and the environment is set.
 */
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Context } from 'aws-lambda';
import { FUNCTION_ID_METADATA, type FunctionSpec, functionsOf } from '../lib/catalogue.js';
import { LOCAL_AWS } from './dynamodb.js';
import { functionSettings, lambdaContext } from './http-api.js';
import { startStreamPoller, type LocalStreamPoller } from './stream-poller.js';
import { resourcesOfType, type CfnTemplate } from './template.js';
import { startWebSocketApi, type LocalWebSocketApi, type WebSocketHandler } from './websocket-api.js';

type Handler = (event: unknown, context: Context) => Promise<unknown>;

/** Imports catalogue handlers on first use, each once. */
function handlerLoader(root: string) {
  const modules = new Map<string, Promise<Handler>>();
  return (spec: FunctionSpec): Promise<Handler> => {
    let mod = modules.get(spec.id);
    if (!mod) {
      mod = import(pathToFileURL(join(root, spec.entry)).href).then((m: { handler: Handler }) => m.handler);
      modules.set(spec.id, mod);
      mod.catch(() => modules.delete(spec.id));
    }
    return mod;
  };
}

/** The template's settings (name, timeout, memory) of catalogue function `id`. */
function settingsOf(template: CfnTemplate, id: string) {
  const [logicalId] = resourcesOfType(template, 'AWS::Lambda::Function').find(([, r]) => r.Metadata?.[FUNCTION_ID_METADATA] === id) ?? [];
  return functionSettings(template, logicalId);
}

/** Starts the WebSocket API peer with the catalogue's `websocket` functions (loaded lazily). */
export async function startWebSocketPeer(opts: { root: string; template: CfnTemplate; onHandlerError?: (route: string, err: unknown) => void }): Promise<LocalWebSocketApi> {
  const load = handlerLoader(opts.root);
  const byRoute = new Map(functionsOf('websocket').map((spec) => [spec.trigger.route, spec]));
  const bind = (route: '$connect' | '$disconnect' | '$default'): WebSocketHandler | undefined => {
    const spec = byRoute.get(route);
    return spec && (async (event, context) => (await load(spec))(event, context));
  };
  const connect = bind('$connect');
  const disconnect = bind('$disconnect');
  if (!connect || !disconnect) throw new Error('lib/catalogue.ts has no $connect or $disconnect function');
  return startWebSocketApi({
    handlers: { connect, disconnect, default: bind('$default') },
    stage: 'live',
    functions: Object.fromEntries(functionsOf('websocket').map((spec) => [spec.trigger.route, settingsOf(opts.template, spec.id)])),
    onHandlerError: opts.onHandlerError,
  });
}

/** The running stream consumers and schedules. */
export interface StreamTriggers {
  readonly pollers: readonly LocalStreamPoller[];
  /** Runs every `schedule` function once now (tests: the revocation sweep without waiting a minute). */
  runSchedules(): Promise<void>;
  stop(): Promise<void>;
}

export interface StreamTriggerOptions {
  readonly root: string;
  readonly template: CfnTemplate;
  /** The handlers' DynamoDB endpoint. */
  readonly dynamodb: string;
  readonly tables: { readonly events: string };
  /** Milliseconds between runs of `schedule` functions. @default each trigger's own rate */
  readonly scheduleEveryMs?: number;
  /** How often a poller asks the stream for records. @default 100 ms */
  readonly pollIntervalMs?: number;
  readonly log?: (line: string) => void;
}

/** Starts the `stream` functions' pollers and the `schedule` functions' timers. */
export async function startStreamTriggers(opts: StreamTriggerOptions): Promise<StreamTriggers> {
  const load = handlerLoader(opts.root);
  const pollers = await Promise.all(functionsOf('stream').map((spec) => startStreamPoller({
    endpoint: opts.dynamodb,
    ...LOCAL_AWS,
    tableName: opts.tables[spec.trigger.table],
    startingPosition: 'LATEST',
    batchSize: spec.trigger.batchSize,
    maxBatchingWindowMs: spec.trigger.maxBatchingWindowMs,
    maxRetryAttempts: spec.trigger.retryAttempts,
    bisectBatchOnFunctionError: true,
    pollIntervalMs: opts.pollIntervalMs ?? 100,
    fn: settingsOf(opts.template, spec.id),
    handler: async (event, context) => (await load(spec))(event, context),
    // The on-failure destination (an SQS queue on AWS): reported on the console.
    onFailure: async (info) => opts.log?.(`local live stream: ${spec.id} gave up on records ${JSON.stringify(info.DDBStreamBatchInfo)}`),
  })));

  const schedules = functionsOf('schedule').map((spec) => {
    const fn = settingsOf(opts.template, spec.id);
    const run = async () => {
      try {
        await (await load(spec))({}, lambdaContext(fn, Date.now() + fn.timeoutSeconds * 1000));
      } catch (err) {
        opts.log?.(`local live stream: ${spec.id} failed: ${(err as Error).message}`);
      }
    };
    const timer = setInterval(() => void run(), opts.scheduleEveryMs ?? spec.trigger.everyMinutes * 60_000);
    timer.unref();
    return { run, timer };
  });

  return {
    pollers,
    runSchedules: async () => { await Promise.all(schedules.map((s) => s.run())); },
    async stop() {
      for (const s of schedules) clearInterval(s.timer);
      await Promise.all(pollers.map((p) => p.stop()));
    },
  };
}

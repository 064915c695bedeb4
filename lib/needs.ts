import { AuditFunction, type AuditFunctionProps } from './AuditFunction';
import type { FunctionSpec } from './catalogue';
import type { EventStore } from './EventStore';
import type { ExportWorkflow } from './ExportWorkflow';
import type { LiveStream } from './LiveStream';
import type { Construct } from 'constructs';
import { Duration } from 'aws-cdk-lib';
import { NO_FRAMING } from '../lambdas/core/viewer';
import { ENV } from './env';

/** Where the viewer's built files sit in a function that needs them (`/var/task` is the bundle's directory). */
const VIEWER_ASSETS_IN_FUNCTION = '/var/task/viewer';

/** The constructs that own what a function may need. */
export interface NeedProviders {
  /** Owns the tables. */
  readonly eventStore: EventStore;
  /**
   * Owns export files, the state machine, the link signer and the mail sender.
   * @default - none: a function needing any of them is an error
   */
  readonly exportWorkflow?: ExportWorkflow;
  /**
   * Owns the live stream's WebSocket API.
   * @default - none: a function needing streamUrl or streamConnections is an error
   */
  readonly liveStream?: Pick<LiveStream, 'grantStreamUrl' | 'grantConnections'>;
  /**
   * The web viewer's settings: CSP `frame-ancestors` sources (stack parameter ViewerFrameAncestors).
   * @default { frameAncestors: "'none'" }
   */
  readonly viewer?: { readonly frameAncestors: string };
}

/**
 * Turns a catalogue entry's `needs` into grants, each with the environment variables that
 * go with it (every `grant*` method sets them): the one place where access is decided.
 */
export function grantNeeds(fn: AuditFunction, spec: FunctionSpec, providers: NeedProviders): void {
  const { needs } = spec;
  if (needs.events) providers.eventStore.grantEvents(fn, needs.events);
  if (needs.control) providers.eventStore.grantControl(fn, needs.control);
  if (needs.viewer) fn.addEnvironment(ENV.viewerFrameAncestors, providers.viewer?.frameAncestors ?? NO_FRAMING);
  if (needs.streamUrl || needs.streamConnections) {
    const live = providers.liveStream;
    if (!live) throw new Error(`Function ${spec.id} needs the live stream (streamUrl or streamConnections), but no liveStream was given`);
    if (needs.streamUrl) live.grantStreamUrl(fn);
    if (needs.streamConnections) live.grantConnections(fn);
  }
  const exportNeeds = [needs.startExport, needs.presignDownloads, needs.exportFiles, needs.mail].some(Boolean);
  if (!exportNeeds) return;
  const workflow = providers.exportWorkflow;
  if (!workflow) throw new Error(`Function ${spec.id} needs the export workflow (startExport, presignDownloads, exportFiles or mail), but no exportWorkflow was given`);
  if (needs.startExport) workflow.grantRequest(fn);
  if (needs.presignDownloads) workflow.grantDownload(fn);
  if (needs.exportFiles) workflow.grantFiles(fn, needs.exportFiles.actions, needs.exportFiles.list ?? false);
  if (needs.mail) workflow.grantSendEmail(fn);
}

/**
 * Creates the function of catalogue entry `spec` under `scope` (construct id = its id) and
 * grants what it needs. `props` adds what the owning construct decides (environment, log
 * retention, a default timeout).
 */
export function newCatalogueFunction(
  scope: Construct,
  spec: FunctionSpec,
  providers: NeedProviders,
  props: Omit<AuditFunctionProps, 'entry' | 'functionId'> = {},
): AuditFunction {
  const fn = new AuditFunction(scope, spec.id, {
    ...props,
    entry: spec.entry,
    functionId: spec.id,
    description: spec.description ?? props.description,
    ...(spec.memorySize ? { memorySize: spec.memorySize } : {}),
    ...(spec.timeoutSeconds ? { timeout: Duration.seconds(spec.timeoutSeconds) } : {}),
    ...(spec.needs.viewer ? {
      // The viewer is built with the function (viewer/build.ts) so its files always match the code that serves them.
      afterBundling: (inputDir: string, outputDir: string) => [`cd "${inputDir}" && npx tsx viewer/build.ts --out "${outputDir}/viewer"`],
      environment: { ...props.environment, [ENV.viewerAssetsDir]: VIEWER_ASSETS_IN_FUNCTION },
    } : {}),
  });
  grantNeeds(fn, spec, providers);
  return fn;
}

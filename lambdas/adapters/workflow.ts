/**
 * Starting the export state machine (Step Functions). The execution is named
 * after the export id, so a repeated start cannot run an export twice. Locally
 * the client's endpoint is `AWS_ENDPOINT_URL_SFN`.
 */
import { type SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';

/** What every task of the export state machine receives. */
export interface ExportTaskInput {
  tenant: string;
  exportId: string;
}

/** What {@link createExportStarter} needs. */
export interface ExportStarterConfig {
  readonly sfn: SFNClient;
  /** The export state machine. */
  readonly stateMachineArn: string;
}

/** Starts export executions. */
export interface ExportStarter {
  /** Starts the export's execution; returns its ARN. */
  startExportWorkflow(input: ExportTaskInput): Promise<string>;
}

/** Starts executions of `stateMachineArn` through `sfn`. */
export function createExportStarter({ sfn, stateMachineArn }: ExportStarterConfig): ExportStarter {
  return {
    async startExportWorkflow(input) {
      const r = await sfn.send(new StartExecutionCommand({ stateMachineArn, name: input.exportId, input: JSON.stringify(input) }));
      return r.executionArn!;
    },
  };
}

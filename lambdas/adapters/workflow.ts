/**
 * Starting the export state machine (Step Functions). The execution is named
 * after the export id, so a repeated start cannot run an export twice. Locally
 * the endpoint is `AWS_ENDPOINT_URL_SFN`.
 */
import { SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { config } from '../shared/config.js';

const sfn = new SFNClient({ maxAttempts: 5 });
const stateMachineArn = config.exportStateMachineArn;

/** What every task of the export state machine receives. */
export interface ExportTaskInput {
  tenant: string;
  exportId: string;
}

/** Starts the export's execution; returns its ARN. */
export async function startExportWorkflow(input: ExportTaskInput): Promise<string> {
  const r = await sfn.send(new StartExecutionCommand({ stateMachineArn, name: input.exportId, input: JSON.stringify(input) }));
  return r.executionArn!;
}

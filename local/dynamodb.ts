/**
 * Starts DynamoDB Local (the official jar shipped in `amplify-dynamodb-simulator`)
 * as a child process on a free port, in memory or in a directory.
 */
import { spawn, spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { mkdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { DynamoDBClient, ListTablesCommand } from '@aws-sdk/client-dynamodb';

/** A running DynamoDB Local. */
export interface LocalDynamoDb {
  /** `http://127.0.0.1:<port>`. */
  readonly endpoint: string;
  /** Stops the Java process; resolves once it has exited. Safe to call twice. */
  stop(): Promise<void>;
}

/** Fake credentials and region for every client that talks to the local peers. */
export const LOCAL_AWS = {
  region: 'us-east-1',
  credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
} as const;

/** Returns a TCP port that was free a moment ago (the OS picks it). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

/** Directory of the DynamoDB Local jar inside node_modules. */
function emulatorDir(): string {
  const require = createRequire(import.meta.url);
  return join(dirname(require.resolve('amplify-dynamodb-simulator/package.json')), 'emulator');
}

function assertJava(): void {
  const probe = spawnSync('java', ['-version'], { stdio: 'ignore' });
  if (probe.error || probe.status !== 0) {
    throw new Error(
      'DynamoDB Local needs Java (17 or newer), but `java` was not found on PATH. ' +
        'Install it, e.g. `sudo apt-get install -y openjdk-17-jre-headless`, then retry.',
    );
  }
}

/**
 * Starts DynamoDB Local with `-inMemory -sharedDb` (or `-dbPath <dir> -sharedDb`) and waits
 * until ListTables answers.
 *
 * Java runs under a small `sh` watchdog that kills it as soon as our end of its stdin
 * pipe closes, so the jar never outlives this process, even when it is killed with
 * SIGKILL and no exit handler runs.
 *
 * @param opts.port fixed port; @default a free port chosen by the OS
 * @param opts.dbPath directory that keeps the data (one SQLite file), created if absent; @default in memory
 * @param opts.timeoutMs how long to wait for the first answer; @default 60000
 */
export async function startDynamoDbLocal(opts: { port?: number; dbPath?: string; timeoutMs?: number } = {}): Promise<LocalDynamoDb> {
  assertJava();
  const port = opts.port ?? (await freePort());
  const dir = emulatorDir();
  if (opts.dbPath) mkdirSync(opts.dbPath, { recursive: true });
  const javaArgs = [
    `-Djava.library.path=${join(dir, 'DynamoDBLocal_lib')}`,
    '-jar', join(dir, 'DynamoDBLocal.jar'),
    ...(opts.dbPath ? ['-dbPath', resolve(opts.dbPath)] : ['-inMemory']),
    '-sharedDb', '-disableTelemetry', '-port', String(port),
  ];
  // fd 3 keeps our pipe for the watchdog (background jobs get /dev/null as stdin).
  const script = 'exec 3<&0; java "$@" & pid=$!; (read -r _ <&3; kill $pid 2>/dev/null) & wait $pid';
  const child = spawn('sh', ['-c', script, 'dynamodb-local', ...javaArgs], {
    cwd: dir,
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let output = '';
  const keep = (chunk: Buffer) => { output = (output + chunk.toString()).slice(-4000); };
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  let running = true;
  void exited.then(() => { running = false; });

  const closeStdin = () => { if (!child.stdin.destroyed) child.stdin.end(); };
  process.once('exit', closeStdin);

  const stop = async () => {
    process.removeListener('exit', closeStdin);
    if (!running) return;
    closeStdin();
    const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
    await exited;
    clearTimeout(timer);
  };

  const endpoint = `http://127.0.0.1:${port}`;
  const client = new DynamoDBClient({ ...LOCAL_AWS, endpoint, maxAttempts: 1 });
  const deadline = Date.now() + (opts.timeoutMs ?? 60_000);
  try {
    for (;;) {
      if (!running) throw new Error(`DynamoDB Local exited during startup:\n${output}`);
      try {
        await client.send(new ListTablesCommand({}));
        return { endpoint, stop };
      } catch {
        if (Date.now() > deadline) throw new Error(`DynamoDB Local did not answer on ${endpoint} in time:\n${output}`);
        await new Promise((r) => setTimeout(r, 100));
      }
    }
  } catch (err) {
    await stop();
    throw err;
  } finally {
    client.destroy();
  }
}

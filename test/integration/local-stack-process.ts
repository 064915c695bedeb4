/**
 * Child-process entry for tests that need a whole local stack of their own (handler modules
 * bind to one stack's endpoints per process, so a second stack cannot run in a test worker):
 * starts one with the `startLocal` options given as JSON in argv[2] (on a free port, quiet,
 * without `.local/endpoints.json`), prints `{endpoints, persisted}` as one JSON line on stdout,
 * and stops it when stdin closes. A failure to start goes to stderr, with exit code 1.
 */
import { startLocal, type StartLocalOptions } from '../../local/runner.js';

const opts = JSON.parse(process.argv[2] ?? '{}') as StartLocalOptions;
try {
  const stack = await startLocal({ port: 0, quiet: true, writeEndpoints: false, ...opts });
  process.stdout.write(`${JSON.stringify({ endpoints: stack.endpoints, persisted: stack.persisted })}\n`);
  process.stdin.on('end', () => void stack.stop().then(() => process.exit(0)));
  process.stdin.resume();
} catch (err) {
  process.stderr.write(`${(err as Error).message}\n`);
  process.exit(1);
}

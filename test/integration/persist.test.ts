/**
 * `npm start -- --persist <dir>` (local/persist.ts): a stack started again on the same directory
 * finds what the first one stored (events, settings, export files) and takes over its admin
 * token and cursor key; a second stack on a directory in use is refused. Each stack runs in a
 * child process (test/integration/local-stack-process.ts), on free ports.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ROOT, type LocalEndpoints, type LocalStack } from '../../local/runner.js';

type Json = any; // eslint-disable-line @typescript-eslint/no-explicit-any

interface ChildStack {
  readonly endpoints: LocalEndpoints;
  readonly persisted: LocalStack['persisted'];
  stop(): Promise<void>;
}

const children = new Set<ChildProcessWithoutNullStreams>();

/** Starts a local stack in a child process; rejects with its stderr when it fails to start. */
function startChild(opts: Record<string, unknown>): Promise<ChildStack> {
  const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'test/integration/local-stack-process.ts'), JSON.stringify(opts)], { cwd: ROOT });
  children.add(child);
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => { children.delete(child); resolve(code); }));
  let out = '';
  let err = '';
  child.stderr.on('data', (d: Buffer) => { err += d.toString(); });
  return new Promise((resolve, reject) => {
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      if (!out.includes('\n')) return;
      const { endpoints, persisted } = JSON.parse(out.slice(0, out.indexOf('\n'))) as Json;
      resolve({ endpoints, persisted, stop: async () => { child.stdin.end(); await exited; } });
    });
    void exited.then((code) => reject(new Error(`local stack exited with ${code}: ${err.trim()}`)));
  });
}

/** One JSON call to a child stack's API. */
async function api(stack: ChildStack, method: string, path: string, body?: unknown, token = stack.endpoints.adminToken): Promise<{ status: number; body: Json }> {
  const res = await fetch(`${stack.endpoints.api}${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : undefined };
}

const dir = mkdtempSync(join(tmpdir(), 'audit-log-persist-test-'));
afterAll(() => {
  for (const child of children) child.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});

describe('a local stack with --persist', () => {
  it('finds the data, the admin token and valid cursors of the previous run in the same directory', async () => {
    // Prepare: a first run stores events, a setting and an export file
    const first = await startChild({ persist: dir });
    expect(first.persisted).toEqual({ dir, adminTokenKept: false });
    const events = [1, 2, 3].map((n) => ({ id: `persist-${n}`, action: 'project.updated', actor: { type: 'user', id: 'u_persist' } }));
    expect((await api(first, 'POST', '/v1/events', { events })).status).toBe(201);
    expect((await api(first, 'PUT', '/v1/settings', { retentionDays: 45 })).status).toBe(200);
    const page = await api(first, 'GET', '/v1/events?actor=u_persist&limit=1');
    expect(page.body.nextCursor).toEqual(expect.any(String));
    const exportId = (await api(first, 'POST', '/v1/exports', { filters: { actor: 'u_persist' }, email: 'ops@example.com' })).body.id as string;
    let exported: Json;
    for (const deadline = Date.now() + 60_000; Date.now() < deadline; await new Promise((r) => setTimeout(r, 200))) {
      exported = (await api(first, 'GET', `/v1/exports/${exportId}`)).body;
      if (exported.status === 'succeeded' || exported.status === 'failed') break;
    }
    expect(exported.status).toBe('succeeded');

    // A second stack cannot share the directory while the first runs
    await expect(startChild({ persist: dir })).rejects.toThrow(/is in use by another local stack/);
    await first.stop();

    // Act
    const second = await startChild({ persist: dir });
    try {
      // Assess
      expect(second.persisted).toEqual({ dir, adminTokenKept: true });
      expect(second.endpoints.adminToken).toBe(first.endpoints.adminToken);
      expect((await api(second, 'GET', '/v1/events/persist-2')).body).toMatchObject({ id: 'persist-2', action: 'project.updated' });
      const rest = await api(second, 'GET', `/v1/events?actor=u_persist&limit=5&cursor=${encodeURIComponent(page.body.nextCursor)}`);
      expect(rest.status).toBe(200);
      expect(rest.body.events.map((e: Json) => e.id)).toHaveLength(2);
      expect((await api(second, 'GET', '/v1/settings')).body.retentionDays).toBe(45);
      const again = (await api(second, 'GET', `/v1/exports/${exportId}`)).body;
      expect(again).toMatchObject({ status: 'succeeded', rowCount: 3 });
      const csv = await (await fetch(again.downloadUrl)).text();
      for (const e of events) expect(csv).toContain(e.id);
    } finally {
      await second.stop();
    }
  }, 300_000);
});

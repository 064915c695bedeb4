/**
 * Counterexamples found by the fuzz suite (fuzz.test.ts), shrunk and kept as plain
 * tests with their literal input: each called the real handler, with its middleware
 * stack, against DynamoDB Local, and got a 5xx or an answer outside the contract.
 */
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { Op } from './fuzz-arbitraries.js';
import { errorShapeProblems, invokeHandler } from './fuzz-harness.js';

const tenant = `fuzz-regressions-${randomBytes(4).toString('hex')}`;

/** Calls `op` with a raw query string or JSON body text; the status and the parsed answer. */
async function call(op: Op, input: { query?: string; body?: string }) {
  const r = await invokeHandler({ op, ...input, contentType: input.body === undefined ? undefined : 'application/json' }, tenant);
  return { status: r.status, text: r.text, body: JSON.parse(r.text) as { error?: { details?: { path: string; message: string }[] } } & Record<string, unknown> };
}

const paths = (r: Awaited<ReturnType<typeof call>>) => r.body.error?.details?.map((d) => d.path);

/** `n` levels of arrays. */
const deep = (n: number) => `${'['.repeat(n)}1${']'.repeat(n)}`;

describe('fuzz regressions', () => {
  it('PUT /v1/settings with a recording switch for category "constructor" is stored, not a 500', async () => {
    // Was: 500 internal_error. The DynamoDB marshaller took the map {"constructor": true} for a class instance.
    // Act
    const put = await call('putSettings', { body: '{"recording":{"constructor":true}}' });
    const get = await call('getSettings', {});

    // Assess
    expect(put.status).toBe(200);
    expect(get.body.recording).toEqual({ constructor: true });
  });

  it.each(['__proto__', 'constructor', 'prototype'])('POST /v1/exports with an unknown field %s is a 400 naming it, not a queued export', async (key) => {
    // Was: 202, the export queued and the field dropped (valibot skips these names).
    // Act
    const r = await call('createExport', { body: `{"email":"a@example.com","${key}":{"x":1}}` });

    // Assess
    expect(r.status).toBe(400);
    expect(r.body.error?.details).toEqual([{ path: key, message: 'is not a known field' }]);
  });

  it.each(['=', '=1', 'limit=5&='])('GET /v1/events?%s: a parameter with an empty name is not reported as the body', async (query) => {
    // Was: 400 with the path "(body)"; a GET has no body.
    // Act
    const r = await call('listEvents', { query });

    // Assess
    expect(r.status).toBe(400);
    expect(paths(r)).not.toContain('(body)');
    expect(errorShapeProblems(r.status, r.text)).toEqual([]);
  });

  it('GET /v1/events?=&=: a repeated empty parameter name gets a non-empty path', async () => {
    // Was: 400 with a detail {"path": "", "message": "is given more than once; give it once"}.
    // Act
    const r = await call('listEvents', { query: '=&=' });

    // Assess
    expect(r.status).toBe(400);
    expect(errorShapeProblems(r.status, r.text)).toEqual([]);
  });

  it('POST /v1/events with an empty key in an event names it, not the body as a whole', async () => {
    // Was: one event answered "(body)", in a batch "events[0]." (a path ending in a dot).
    // Act
    const one = await call('ingestEvents', { body: '{"":1,"action":"a.b","actor":{"type":"user","id":"u"}}' });
    const batch = await call('ingestEvents', { body: '{"events":[{"":1,"action":"a.b","actor":{"type":"user","id":"u"}}]}' });

    // Assess
    expect([one.status, batch.status]).toEqual([400, 400]);
    expect(paths(one)).not.toContain('(body)');
    expect(paths(batch)!.every((p) => p.startsWith('events[0]') && !p.endsWith('.'))).toBe(true);
  });

  it('POST /v1/events: a batch event nested too deeply in changes.after names changes.after', async () => {
    // Was: the body-level nesting check (40 levels, here 41) named "events[0].changes": it keeps three path segments.
    // Act
    const r = await call('ingestEvents', { body: `{"events":[{"id":"AAAAAA","action":"project.updated","actor":{"type":"user","id":"!"},"changes":{"after":{"k":${deep(36)}}}}]}` });

    // Assess
    expect(r.status).toBe(400);
    expect(paths(r)!.every((p) => p.startsWith('events[0].changes.after'))).toBe(true);
  });

  it('POST /v1/events: a batch event with a deeply nested actor.id names actor.id', async () => {
    // Was: the body-level nesting check (40 levels, here 44) named "events[0].actor".
    // Act
    const r = await call('ingestEvents', { body: `{"events":[{"action":"a.b","actor":{"type":"user","id":${deep(40)}}}]}` });

    // Assess
    expect(r.status).toBe(400);
    expect(paths(r)!.every((p) => p.startsWith('events[0].actor.id'))).toBe(true);
  });
});

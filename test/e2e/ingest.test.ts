/**
 * POST /v1/events end to end: single events and batches, the fields the server
 * derives, idempotent re-sends, all-or-nothing validation with every problem
 * listed, body limits, and the tenant's recording switches.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import {
  adminOfNewTenant, ago, call, type Client, DAY, event, expectError, expectValidation, HOUR, ISO_MS, listIds, MINUTE, UA, uid,
} from './helpers.js';

let api: Client;
beforeAll(async () => {
  ({ admin: api } = await adminOfNewTenant());
});

const get = (id: string) => api.get(`/v1/events/${encodeURIComponent(id)}`);

describe('a single event', () => {
  it('is stored and returned whole, with the derived fields', async () => {
    // Prepare
    const input = {
      id: uid('single'),
      occurredAt: ago(5 * MINUTE),
      action: 'project.updated',
      actor: { type: 'user', id: uid('u'), name: 'Ada', email: 'ada@example.com' },
      resource: { type: 'project', id: 'p_7', name: 'Household survey' },
      project: 'p_7',
      ip: '203.0.113.9',
      userAgent: UA.firefoxUbuntu,
      changes: { before: { name: 'Old', visibility: 'private', same: 1 }, after: { name: 'Household survey', visibility: 'private', same: 1 } },
      metadata: { requestId: 'r-1', nested: { a: [1, 2, 3] } },
    };
    const t0 = Date.now();

    // Act
    const res = await api.post('/v1/events', input);
    const t1 = Date.now();
    const stored = await get(input.id);

    // Assess
    expect(res.status, res.text).toBe(201);
    expect(res.body).toEqual({ accepted: 1, skipped: 0, duplicates: 0, ids: [input.id] });
    expect(stored.status).toBe(200);
    const e = stored.body;
    expect(e).toMatchObject({
      id: input.id,
      occurredAt: input.occurredAt,
      action: 'project.updated',
      category: 'project',
      actor: input.actor,
      resource: input.resource,
      project: 'p_7',
      ip: '203.0.113.9',
      userAgent: UA.firefoxUbuntu,
      client: { browser: 'Firefox 132', os: 'Ubuntu', device: 'desktop' },
      result: 'success',
      severity: 'info',
      message: 'Ada updated project Household survey',
      changes: { ...input.changes, fields: ['name'] },
      metadata: input.metadata,
    });
    expect(e.receivedAt).toMatch(ISO_MS);
    expect(Date.parse(e.receivedAt)).toBeGreaterThanOrEqual(t0 - 1000);
    expect(Date.parse(e.receivedAt)).toBeLessThanOrEqual(t1 + 1000);
  });

  it('gets a server id, occurredAt = receivedAt and defaults when only the required fields are sent', async () => {
    // Prepare
    const input = { action: 'auth.signed_in', actor: { type: 'service', id: uid('svc') } };

    // Act
    const res = await api.post('/v1/events', input);

    // Assess
    expect(res.status, res.text).toBe(201);
    expect(res.body.accepted).toBe(1);
    const [id] = res.body.ids;
    expect(id).toMatch(/^[0-9A-HJKMNP-TV-Z]{26}$/); // a ULID
    const e = (await get(id)).body;
    expect(e).toMatchObject({ id, action: 'auth.signed_in', category: 'auth', result: 'success', severity: 'info', actor: input.actor });
    expect(e.occurredAt).toBe(e.receivedAt);
    expect(e.occurredAt).toMatch(ISO_MS);
    expect(typeof e.message).toBe('string');
    expect(e.message.length).toBeGreaterThan(0);
    expect(e).not.toHaveProperty('client');
    expect(e).not.toHaveProperty('changes');
  });

  it('normalises occurredAt with an offset to UTC with milliseconds', async () => {
    // Prepare: an hour ago, written in +02:00 without fractional seconds
    const at = new Date(Math.floor((Date.now() - HOUR) / 1000) * 1000);
    const local2 = new Date(at.getTime() + 2 * HOUR).toISOString().replace(/\.\d{3}Z$/, '+02:00');
    const input = event({ occurredAt: local2 });

    // Act
    const res = await api.post('/v1/events', input);

    // Assess
    expect(res.status, res.text).toBe(201);
    expect((await get(input.id)).body.occurredAt).toBe(at.toISOString());
  });

  it('keeps an explicit category, message, result and severity', async () => {
    // Prepare
    const input = event({ category: 'billing_x', message: 'Custom text', result: 'invalid_input', severity: 'critical' });

    // Act
    await api.post('/v1/events', input);

    // Assess
    expect((await get(input.id)).body).toMatchObject({ category: 'billing_x', message: 'Custom text', result: 'invalid_input', severity: 'critical' });
  });

  it('derives changes.fields: added, removed and changed keys, sorted, nested objects compared by value', async () => {
    // Prepare
    const input = event({
      changes: {
        before: { zeta: 1, removed: 'x', cfg: { a: 1, b: 2 }, list: [1, 2] },
        after: { zeta: 2, added: true, cfg: { b: 2, a: 1 }, list: [2, 1] },
      },
    });

    // Act
    await api.post('/v1/events', input);

    // Assess
    expect((await get(input.id)).body.changes.fields).toEqual(['added', 'list', 'removed', 'zeta']);
  });

  it('derives every field of changes.after as changed when there is no before', async () => {
    const input = event({ action: 'project.created', changes: { after: { name: 'X', visibility: 'private' } } });
    await api.post('/v1/events', input);
    expect((await get(input.id)).body.changes).toEqual({ after: { name: 'X', visibility: 'private' }, fields: ['name', 'visibility'] });
  });

  it('derives the client of a phone', async () => {
    const input = event({ userAgent: UA.safariIphone });
    await api.post('/v1/events', input);
    const { client } = (await get(input.id)).body;
    expect(client.device).toBe('mobile');
    expect(client.os).toMatch(/^iOS/);
    expect(client.browser).toMatch(/Safari/);
  });

  it('accepts application/json with a charset', async () => {
    const input = event();
    const res = await call('POST', '/v1/events', {
      token: api.token, raw: JSON.stringify(input), headers: { 'content-type': 'application/json; charset=utf-8' },
    });
    expect(res.status, res.text).toBe(201);
  });
});

describe('a batch', () => {
  it('stores every event and returns the ids in order', async () => {
    // Prepare
    const actor = { type: 'user', id: uid('u') };
    const events = [0, 1, 2].map((i) => event({ actor, occurredAt: ago((i + 1) * MINUTE), action: `form.deployed` }));
    const withoutId = { action: 'form.deleted', actor, occurredAt: ago(10 * MINUTE) };

    // Act
    const res = await api.post('/v1/events', { events: [...events, withoutId] });

    // Assess
    expect(res.status, res.text).toBe(201);
    expect(res.body).toMatchObject({ accepted: 4, skipped: 0, duplicates: 0 });
    expect(res.body.ids.slice(0, 3)).toEqual(events.map((e) => e.id));
    expect(res.body.ids).toHaveLength(4);
    expect(await listIds(api, { actor: actor.id })).toEqual(res.body.ids);
  });

  it('accepts exactly 100 events', async () => {
    const actor = { type: 'system', id: uid('sys') };
    const events = Array.from({ length: 100 }, (_, i) => event({ actor, occurredAt: ago(i * 1000 + 1000) }));
    const res = await api.post('/v1/events', { events });
    expect(res.status, res.text).toBe(201);
    expect(res.body.accepted).toBe(100);
    expect((await listIds(api, { actor: actor.id, limit: 200 })).sort()).toEqual(events.map((e) => e.id).sort());
  });
});

describe('re-sending', () => {
  it('never stores an id twice, reports the duplicate and keeps the stored event unchanged', async () => {
    // Prepare
    const actor = { type: 'user', id: uid('u'), name: 'First' };
    const first = event({ actor, action: 'project.updated', message: 'first version', occurredAt: ago(2 * MINUTE) });
    const second = { ...first, action: 'project.deleted', message: 'second version', severity: 'critical', occurredAt: ago(MINUTE) };
    const created = await api.post('/v1/events', first);
    const before = (await get(first.id)).body;

    // Act
    const again = await api.post('/v1/events', second);

    // Assess
    expect(created.body).toMatchObject({ accepted: 1, duplicates: 0 });
    expect(again.status, again.text).toBe(201);
    expect(again.body).toEqual({ accepted: 1, skipped: 0, duplicates: 1, ids: [first.id] });
    expect((await get(first.id)).body).toEqual(before);
    expect(await listIds(api, { actor: actor.id })).toEqual([first.id]);
    expect(await listIds(api, { actor: actor.id, action: 'project.deleted' })).toEqual([]);
    expect(await listIds(api, { actor: actor.id, severity: 'critical' })).toEqual([]);
  });

  it('counts only the re-sent ids of a mixed batch as duplicates', async () => {
    const actor = { type: 'user', id: uid('u') };
    const old = event({ actor, occurredAt: ago(3 * MINUTE) });
    await api.post('/v1/events', old);
    const fresh = event({ actor, occurredAt: ago(2 * MINUTE) });

    const res = await api.post('/v1/events', { events: [old, fresh] });

    expect(res.status, res.text).toBe(201);
    expect(res.body).toMatchObject({ accepted: 2, duplicates: 1, ids: [old.id, fresh.id] });
    expect((await listIds(api, { actor: actor.id })).sort()).toEqual([old.id, fresh.id].sort());
  });

  it('stores an id repeated inside one batch once', async () => {
    const actor = { type: 'user', id: uid('u') };
    const one = event({ actor });
    const res = await api.post('/v1/events', { events: [one, { ...one, message: 'copy' }] });
    expect(res.status, res.text).toBe(201);
    expect(await listIds(api, { actor: actor.id })).toEqual([one.id]);
  });
});

describe('all-or-nothing validation', () => {
  it('rejects the whole batch, lists every problem with its path, and stores none of the good events', async () => {
    // Prepare
    const actor = { type: 'user', id: uid('u') };
    const good = [0, 1, 2].map(() => event({ actor }));
    const batch = [
      good[0],
      event({ actor, action: 'Project.Updated' }),
      good[1],
      event({ actor: { type: 'user', name: 'no id' } }),
      event({ actor, foo: 1, severity: 'loud' }),
      good[2],
    ];

    // Act
    const res = await api.post('/v1/events', { events: batch });

    // Assess
    const paths = expectValidation(res);
    expect(paths.sort()).toEqual(['events[1].action', 'events[3].actor.id', 'events[4].foo', 'events[4].severity'].sort());
    expect(res.body.error.details.find((d: { path: string }) => d.path === 'events[4].foo').message).toBe('is not a known field');
    for (const e of good) expect((await get(e.id)).status).toBe(404);
    expect(await listIds(api, { actor: actor.id })).toEqual([]);
  });

  it('lists every unknown field of one object, at every level', async () => {
    const res = await api.post('/v1/events', event({ foo: 1, bar: 2, actor: { type: 'user', id: 'u', role: 'x', team: 'y' } }));
    const details = expectError(res, 400, 'validation_error');
    expect(details.map((d) => d.path).sort()).toEqual(['actor.role', 'actor.team', 'bar', 'foo']);
    for (const d of details) expect(d.message).toBe('is not a known field');
  });

  it('rejects the batch when one occurredAt is outside the window, naming each, storing none', async () => {
    const actor = { type: 'user', id: uid('u') };
    const good = event({ actor, occurredAt: ago(MINUTE) });
    const res = await api.post('/v1/events', {
      events: [good, event({ actor, occurredAt: ago(-10 * MINUTE) }), event({ actor, occurredAt: ago(91 * DAY) })],
    });
    expect(expectValidation(res).sort()).toEqual(['events[1].occurredAt', 'events[2].occurredAt']);
    expect((await get(good.id)).status).toBe(404);
  });

  it('names the batch path of a time-window problem in a batch of one event', async () => {
    // A batch is a batch, even of one: paths carry the events[i] prefix.
    const res = await api.post('/v1/events', { events: [event({ occurredAt: ago(100 * DAY) })] });
    expect(expectValidation(res)).toEqual(['events[0].occurredAt']);
  });

  it('lists schema and time-window problems of one batch together', async () => {
    // "every problem listed": a bad action in one event must not hide a too-old occurredAt in another.
    const res = await api.post('/v1/events', {
      events: [event({ action: 'BAD' }), event({ occurredAt: ago(100 * DAY) })],
    });
    expect(expectValidation(res).sort()).toEqual(['events[0].action', 'events[1].occurredAt']);
  });
});

/** One field's rule: an event with `patch` applied must be rejected on `path`. */
interface Case { readonly name: string; readonly patch: Record<string, unknown>; readonly path: string; readonly message?: string | RegExp }

const A = { type: 'user', id: 'u_1' };
const long = (n: number, c = 'a') => c.repeat(n);
const FIELD_CASES: Case[] = [
  { name: 'id with a space', patch: { id: 'a b' }, path: 'id' },
  { name: 'id with a slash', patch: { id: 'a/b' }, path: 'id' },
  { name: 'id empty', patch: { id: '' }, path: 'id' },
  { name: 'id of 129 characters', patch: { id: long(129) }, path: 'id' },
  { name: 'id a number', patch: { id: 42 }, path: 'id' },
  { name: 'occurredAt not a timestamp', patch: { occurredAt: 'yesterday' }, path: 'occurredAt' },
  { name: 'occurredAt a date only', patch: { occurredAt: '2026-01-01' }, path: 'occurredAt' },
  { name: 'occurredAt month 13', patch: { occurredAt: '2026-13-01T00:00:00.000Z' }, path: 'occurredAt' },
  { name: 'occurredAt without zone', patch: { occurredAt: '2026-01-01T00:00:00' }, path: 'occurredAt' },
  { name: 'occurredAt a number', patch: { occurredAt: Date.now() }, path: 'occurredAt' },
  { name: 'action missing', patch: { action: undefined }, path: 'action' },
  { name: 'action upper case', patch: { action: 'Project.updated' }, path: 'action' },
  { name: 'action with empty segment', patch: { action: 'project..updated' }, path: 'action' },
  { name: 'action trailing dot', patch: { action: 'project.' }, path: 'action' },
  { name: 'action with space', patch: { action: 'project updated' }, path: 'action' },
  { name: 'action of 129 characters', patch: { action: `a.${long(127)}` }, path: 'action' },
  { name: 'action a number', patch: { action: 7 }, path: 'action' },
  { name: 'category with a dot', patch: { category: 'a.b' }, path: 'category' },
  { name: 'category upper case', patch: { category: 'Project' }, path: 'category' },
  { name: 'category of 65 characters', patch: { category: long(65) }, path: 'category' },
  { name: 'actor missing', patch: { actor: undefined }, path: 'actor' },
  { name: 'actor a string', patch: { actor: 'ada' }, path: 'actor' },
  { name: 'actor.type unknown', patch: { actor: { ...A, type: 'robot' } }, path: 'actor.type' },
  { name: 'actor.type missing', patch: { actor: { id: 'u_1' } }, path: 'actor.type' },
  { name: 'actor.id missing', patch: { actor: { type: 'user' } }, path: 'actor.id' },
  { name: 'actor.id empty', patch: { actor: { ...A, id: '' } }, path: 'actor.id' },
  { name: 'actor.id blank', patch: { actor: { ...A, id: '   ' } }, path: 'actor.id' },
  { name: 'actor.id of 129 characters', patch: { actor: { ...A, id: long(129) } }, path: 'actor.id' },
  { name: 'actor.id a number', patch: { actor: { ...A, id: 42 } }, path: 'actor.id' },
  { name: 'actor.name of 257 characters', patch: { actor: { ...A, name: long(257) } }, path: 'actor.name' },
  { name: 'actor.email invalid', patch: { actor: { ...A, email: 'not-an-email' } }, path: 'actor.email' },
  { name: 'actor unknown field', patch: { actor: { ...A, role: 'owner' } }, path: 'actor.role', message: 'is not a known field' },
  { name: 'resource a string', patch: { resource: 'p_1' }, path: 'resource' },
  { name: 'resource.type missing', patch: { resource: { id: 'p_1' } }, path: 'resource.type' },
  { name: 'resource.id missing', patch: { resource: { type: 'project' } }, path: 'resource.id' },
  { name: 'resource.type of 65 characters', patch: { resource: { type: long(65), id: 'p' } }, path: 'resource.type' },
  { name: 'resource.id of 129 characters', patch: { resource: { type: 'project', id: long(129) } }, path: 'resource.id' },
  { name: 'resource.name of 257 characters', patch: { resource: { type: 'project', id: 'p', name: long(257) } }, path: 'resource.name' },
  { name: 'resource unknown field', patch: { resource: { type: 'project', id: 'p', owner: 'x' } }, path: 'resource.owner', message: 'is not a known field' },
  { name: 'project empty', patch: { project: '' }, path: 'project' },
  { name: 'project of 129 characters', patch: { project: long(129) }, path: 'project' },
  { name: 'ip out of range', patch: { ip: '999.1.1.1' }, path: 'ip' },
  { name: 'ip a host name', patch: { ip: 'localhost' }, path: 'ip' },
  { name: 'userAgent of 513 characters', patch: { userAgent: long(513) }, path: 'userAgent' },
  { name: 'result unknown', patch: { result: 'ok' }, path: 'result' },
  { name: 'severity unknown', patch: { severity: 'debug' }, path: 'severity' },
  { name: 'message empty', patch: { message: '' }, path: 'message' },
  { name: 'message of 1025 characters', patch: { message: long(1025) }, path: 'message' },
  { name: 'changes a string', patch: { changes: 'x' }, path: 'changes' },
  { name: 'changes.before an array', patch: { changes: { before: [1, 2] } }, path: 'changes.before' },
  { name: 'changes.after a string', patch: { changes: { after: 'x' } }, path: 'changes.after' },
  { name: 'changes.fields sent by the client', patch: { changes: { after: { a: 1 }, fields: ['a'] } }, path: 'changes.fields', message: 'is not a known field' },
  { name: 'changes.before over 32 KB', patch: { changes: { before: { k: long(32_768) } } }, path: 'changes.before' },
  { name: 'metadata a string', patch: { metadata: 'x' }, path: 'metadata' },
  { name: 'metadata an array', patch: { metadata: [1] }, path: 'metadata' },
  { name: 'metadata null', patch: { metadata: null }, path: 'metadata' },
  { name: 'metadata over 16 KB', patch: { metadata: { k: long(16_377) } }, path: 'metadata' },
  { name: 'unknown top-level field', patch: { foo: 1 }, path: 'foo', message: 'is not a known field' },
  { name: 'receivedAt sent by the client', patch: { receivedAt: new Date().toISOString() }, path: 'receivedAt', message: 'is not a known field' },
  { name: 'client sent by the client', patch: { client: { device: 'desktop' } }, path: 'client', message: 'is not a known field' },
  { name: 'occurredAt more than 5 minutes ahead', patch: { occurredAt: ago(-6 * MINUTE) }, path: 'occurredAt' },
  { name: 'occurredAt older than the retention', patch: { occurredAt: ago(91 * DAY) }, path: 'occurredAt' },
];

describe('every field rule', () => {
  it.each(FIELD_CASES)('rejects $name on its path, alone and in a batch', async ({ patch, path, message }) => {
    // Prepare
    const bad = event(patch);
    for (const [k, v] of Object.entries(patch)) if (v === undefined) delete bad[k];
    const good = event();

    // Act
    const single = await api.post('/v1/events', bad);
    const batch = await api.post('/v1/events', { events: [good, bad] });

    // Assess
    const details = expectError(single, 400, 'validation_error');
    expect(details.map((d) => d.path), single.text).toEqual([path]);
    if (message instanceof RegExp) expect(details[0].message).toMatch(message);
    else if (message) expect(details[0].message).toBe(message);
    expect(expectValidation(batch), batch.text).toEqual([`events[1].${path}`]);
    expect((await get(good.id)).status).toBe(404);
    if (typeof bad.id === 'string' && /^[A-Za-z0-9._:-]{1,128}$/.test(bad.id)) expect((await get(bad.id)).status).toBe(404);
  });

  it('accepts the boundaries: 128-character id and action, 4 minutes ahead, metadata of exactly 16 KB, IPv6', async () => {
    // Prepare
    const input = event({
      id: `${uid("edge")}-${long(128, "x")}`.slice(0, 128),
      action: `a.${long(126)}`,
      occurredAt: ago(-4 * MINUTE),
      ip: '2001:db8::1',
      metadata: { k: long(16_384 - 8) }, // {"k":"…"} is 8 bytes + the value
    });
    expect(Buffer.byteLength(JSON.stringify(input.metadata))).toBe(16_384);

    // Act
    const res = await api.post('/v1/events', input);

    // Assess
    expect(res.status, res.text).toBe(201);
    expect(input.id).toHaveLength(128);
    expect((await get(input.id)).body).toMatchObject({ id: input.id, action: input.action, ip: '2001:db8::1' });
  });

  it('rejects an event whose whole JSON exceeds 64 KB even when each part is within its own limit', async () => {
    const input = event({ metadata: { k: long(16_000) }, changes: { before: { k: long(30_000) }, after: { k: long(30_000, 'b') } } });
    const res = await api.post('/v1/events', input);
    const details = expectError(res, 400, 'validation_error');
    expect(details.length).toBeGreaterThan(0);
    expect(details.map((d) => d.message).join(' ')).toMatch(/65536 bytes/);
    expect((await get(input.id)).status).toBe(404);
  });
});

describe('the envelope and the body', () => {
  it.each([
    ['an empty batch', { events: [] }, 'events'],
    ['a batch of 101', { events: Array.from({ length: 101 }, () => event()) }, 'events'],
    ['events not an array', { events: { a: 1 } }, 'events'],
    ['an unknown field beside events', { events: [event()], dryRun: true }, 'dryRun'],
    ['a JSON array', [event()], '(body)'],
    ['a JSON string', 'event', '(body)'],
    ['JSON null', null, '(body)'],
  ])('rejects %s', async (_name, body, path) => {
    const res = await call('POST', '/v1/events', { token: api.token, raw: JSON.stringify(body), headers: { 'content-type': 'application/json' } });
    expect(expectValidation(res)).toContain(path);
  });

  it('stores nothing of a batch of 101', async () => {
    const actor = { type: 'user', id: uid('u') };
    const res = await api.post('/v1/events', { events: Array.from({ length: 101 }, () => event({ actor })) });
    expect(res.status).toBe(400);
    expect(await listIds(api, { actor: actor.id })).toEqual([]);
  });

  it.each([
    ['not JSON', '{"action": '],
    ['plain text', 'hello'],
    ['an empty body', ''],
    ['whitespace', '   '],
  ])('answers invalid_json for %s', async (_name, raw) => {
    const res = await call('POST', '/v1/events', { token: api.token, raw, headers: { 'content-type': 'application/json' } });
    expectError(res, 400, 'invalid_json');
  });

  it.each(['text/plain', 'application/x-www-form-urlencoded', 'application/xml'])('answers unsupported_media_type for %s', async (type) => {
    const res = await call('POST', '/v1/events', { token: api.token, raw: JSON.stringify(event()), headers: { 'content-type': type } });
    expectError(res, 400, 'unsupported_media_type');
  });

  it('accepts a body of exactly 1 MB and answers 413 payload_too_large one byte beyond', async () => {
    // Prepare: a valid event padded with JSON whitespace to the limit
    const ok = event();
    const tooBig = event();
    const pad = (e: unknown, size: number) => {
      const s = JSON.stringify(e);
      return s + ' '.repeat(size - Buffer.byteLength(s));
    };
    const headers = { 'content-type': 'application/json' };

    // Act
    const atLimit = await call('POST', '/v1/events', { token: api.token, raw: pad(ok, 1_048_576), headers });
    const over = await call('POST', '/v1/events', { token: api.token, raw: pad(tooBig, 1_048_577), headers });

    // Assess
    expect(atLimit.status, atLimit.text).toBe(201);
    expectError(over, 413, 'payload_too_large');
    expect((await get(tooBig.id)).status).toBe(404);
  });

  it('answers 413 payload_too_large for a 2 MB batch', async () => {
    const events = Array.from({ length: 100 }, () => event({ metadata: { k: long(16_000) }, changes: { before: { k: long(5_000) } } }));
    const res = await api.post('/v1/events', { events });
    expectError(res, 413, 'payload_too_large');
  });
});

describe('recording switches', () => {
  it('skips events of a category switched off and stores the others', async () => {
    // Prepare
    const category = `off_${uid('c').replace(/[^a-z0-9]/g, '')}`.slice(0, 40);
    const actor = { type: 'user', id: uid('u') };
    const off = await api.put('/v1/settings', { recording: { [category]: false } });
    expect(off.status, off.text).toBe(200);
    const skippedA = event({ actor, action: `${category}.done` });
    const skippedB = event({ actor, action: 'other.done', category });
    const kept = event({ actor, action: 'project.updated' });

    // Act
    const res = await api.post('/v1/events', { events: [skippedA, kept, skippedB] });

    // Assess
    expect(res.status, res.text).toBe(201);
    expect(res.body).toMatchObject({ accepted: 1, skipped: 2, duplicates: 0 });
    expect(await listIds(api, { actor: actor.id })).toEqual([kept.id]);
    expect((await get(skippedA.id)).status).toBe(404);
    expect((await get(skippedB.id)).status).toBe(404);

    // Act: switched on again
    await api.put('/v1/settings', { recording: { [category]: true } });
    const again = await api.post('/v1/events', skippedA);

    // Assess
    expect(again.body).toMatchObject({ accepted: 1, skipped: 0 });
    expect((await get(skippedA.id)).status).toBe(200);
  });
});

/**
 * The event model (lambdas/core/event.ts): client parsing, changed fields,
 * message derivation and the stored event built from a validated input.
 */
import { decodeTime } from 'ulidx';
import { describe, expect, it } from 'vitest';
import { parseClient } from '../../lambdas/core/client-info.js';
import { changedFields, describe as describeEvent, toAuditEvent } from '../../lambdas/core/event.js';
import type { EventInput } from '../../lambdas/core/schemas.js';

const UA = {
  firefoxUbuntu: 'Mozilla/5.0 (X11; Ubuntu; Linux x86_64; rv:132.0) Gecko/20100101 Firefox/132.0',
  chromeWindows: 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36',
  safariIphone: 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1',
  safariIpad: 'Mozilla/5.0 (iPad; CPU OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1',
  chromeAndroid: 'Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Mobile Safari/537.36',
  safariMac: 'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Safari/605.1.15',
  curl: 'curl/8.5.0',
};

const RECEIVED = '2026-11-22T09:15:00.123Z';
const input = (extra: Partial<EventInput> = {}): EventInput => ({ action: 'project.updated', actor: { type: 'user', id: 'u_42' }, result: 'success', severity: 'info', ...extra });

describe('parseClient', () => {
  it.each([
    ['Firefox on Ubuntu', UA.firefoxUbuntu, { browser: 'Firefox 132', os: 'Ubuntu', device: 'desktop' }],
    ['Chrome on Windows', UA.chromeWindows, { browser: 'Chrome 131', os: 'Windows 10', device: 'desktop' }],
    ['Safari on an iPhone', UA.safariIphone, { browser: 'Mobile Safari 17', os: 'iOS 17.5', device: 'mobile' }],
    ['Safari on an iPad', UA.safariIpad, { browser: 'Mobile Safari 17', os: 'iOS 17.5', device: 'tablet' }],
    ['Chrome on Android', UA.chromeAndroid, { browser: 'Chrome 131', os: 'Android 14', device: 'mobile' }],
    ['Safari on a Mac', UA.safariMac, { browser: 'Safari 17', device: 'desktop' }],
  ])('%s', (_what, userAgent, client) => {
    // Act
    const parsed = parseClient(userAgent);

    // Assess
    expect(parsed).toMatchObject(client);
  });

  it('curl has no browser and no OS', () => {
    // Act
    const parsed = parseClient(UA.curl);

    // Assess
    expect(parsed).toBeDefined();
    expect(parsed!.browser).toBeUndefined();
    expect(parsed!.os).toBeUndefined();
  });

  it('no user agent, no client', () => {
    // Act / Assess
    expect(parseClient(undefined)).toBeUndefined();
    expect(parseClient('')).toBeUndefined();
  });
});

describe('changedFields', () => {
  it('lists added, removed and changed top-level fields, sorted', () => {
    // Act
    const fields = changedFields({ name: 'Old', owner: 'ada', size: 1, same: true }, { name: 'New', size: 1, same: true, color: 'red' });

    // Assess
    expect(fields).toEqual(['color', 'name', 'owner']);
  });

  it('compares nested objects structurally: key order is irrelevant', () => {
    // Act
    const fields = changedFields({ settings: { a: 1, b: { c: 2, d: 3 } } }, { settings: { b: { d: 3, c: 2 }, a: 1 } });

    // Assess
    expect(fields).toEqual([]);
  });

  it('sees a change deep inside a nested object', () => {
    // Act
    const fields = changedFields({ settings: { b: { c: 2 } }, other: 1 }, { settings: { b: { c: 3 } }, other: 1 });

    // Assess
    expect(fields).toEqual(['settings']);
  });

  it('array order matters', () => {
    // Act / Assess
    expect(changedFields({ tags: ['a', 'b'] }, { tags: ['b', 'a'] })).toEqual(['tags']);
    expect(changedFields({ tags: [{ x: 1, y: 2 }] }, { tags: [{ y: 2, x: 1 }] })).toEqual([]);
  });

  it('null and absent differ; types differ', () => {
    // Act / Assess
    expect(changedFields({ a: null }, {})).toEqual(['a']);
    expect(changedFields({ n: 1 }, { n: '1' })).toEqual(['n']);
    expect(changedFields({ o: {} }, { o: [] })).toEqual(['o']);
  });

  it('works with only one side', () => {
    // Act / Assess
    expect(changedFields(undefined, { b: 1, a: 2 })).toEqual(['a', 'b']);
    expect(changedFields({ a: 1 }, undefined)).toEqual(['a']);
    expect(changedFields(undefined, undefined)).toEqual([]);
  });
});

describe('describe (message derivation)', () => {
  it.each([
    ['a past-tense verb reads as a sentence', input({ actor: { type: 'user', id: 'u_42', name: 'Ada' }, resource: { type: 'project', id: 'p_7', name: 'Household survey' } }), 'Ada updated project Household survey'],
    ['snake_case verbs read as words', input({ action: 'auth.signed_in', actor: { type: 'user', id: 'u_42', name: 'Ada' } }), 'Ada signed in'],
    ['the email stands in for a missing name', input({ actor: { type: 'user', id: 'u_42', email: 'ada@example.com' } }), 'ada@example.com updated'],
    ['the id stands in for name and email', input(), 'u_42 updated'],
    ['the resource id stands in for its name', input({ resource: { type: 'project', id: 'p_7' } }), 'u_42 updated project p_7'],
    ['other verbs quote the action', input({ action: 'billing.invoice.pay' }), 'u_42 performed billing.invoice.pay'],
    ['a failure says so', input({ action: 'auth.signed_in', result: 'failure' }), 'u_42 signed in (failure)'],
    ['invalid input says so', input({ result: 'invalid_input' }), 'u_42 updated (invalid input)'],
  ])('%s', (_what, event, message) => {
    // Act / Assess
    expect(describeEvent(event)).toBe(message);
  });
});

describe('toAuditEvent', () => {
  it('defaults the category to the part of the action before the first dot', () => {
    // Act / Assess
    expect(toAuditEvent(input({ action: 'billing.invoice.paid' }), RECEIVED, parseClient).category).toBe('billing');
    expect(toAuditEvent(input({ action: 'heartbeat' }), RECEIVED, parseClient).category).toBe('heartbeat');
  });

  it('keeps an explicit category', () => {
    // Act / Assess
    expect(toAuditEvent(input({ action: 'auth.signed_in', category: 'security' }), RECEIVED, parseClient).category).toBe('security');
  });

  it('assigns a server ULID, timed at reception, when the client sends no id', () => {
    // Act
    const ids = Array.from({ length: 50 }, () => toAuditEvent(input(), RECEIVED, parseClient).id);

    // Assess
    expect(ids.every((id) => /^[0-9A-HJKMNP-TV-Z]{26}$/.test(id))).toBe(true);
    expect(new Set(ids).size).toBe(50);
    expect(decodeTime(ids[0]!)).toBe(Date.parse(RECEIVED));
  });

  it('keeps a client-supplied id', () => {
    // Act / Assess
    expect(toAuditEvent(input({ id: 'ev:2026.11.22-001' }), RECEIVED, parseClient).id).toBe('ev:2026.11.22-001');
  });

  it('occurredAt defaults to receivedAt; a given one is kept', () => {
    // Act
    const implicit = toAuditEvent(input(), RECEIVED, parseClient);
    const explicit = toAuditEvent(input({ occurredAt: '2026-11-22T09:00:00.000Z' }), RECEIVED, parseClient);

    // Assess
    expect(implicit).toMatchObject({ occurredAt: RECEIVED, receivedAt: RECEIVED });
    expect(explicit).toMatchObject({ occurredAt: '2026-11-22T09:00:00.000Z', receivedAt: RECEIVED });
  });

  it('derives message, client and changed fields; keeps a given message', () => {
    // Act
    const event = toAuditEvent(input({
      actor: { type: 'user', id: 'u_42', name: 'Ada' },
      userAgent: UA.firefoxUbuntu,
      changes: { before: { name: 'Old', size: 1 }, after: { name: 'New', size: 1 } },
    }), RECEIVED, parseClient);
    const given = toAuditEvent(input({ message: 'Renamed by the nightly job' }), RECEIVED, parseClient);

    // Assess
    expect(event.message).toBe('Ada updated');
    expect(event.client).toEqual({ browser: 'Firefox 132', os: 'Ubuntu', device: 'desktop' });
    expect(event.changes).toEqual({ before: { name: 'Old', size: 1 }, after: { name: 'New', size: 1 }, fields: ['name'] });
    expect(given.message).toBe('Renamed by the nightly job');
  });

  it('refuses to drop a user agent\'s client silently: an input with a userAgent needs a client parser', () => {
    // Act / Assess
    expect(() => toAuditEvent(input({ userAgent: UA.firefoxUbuntu }), RECEIVED)).toThrow(/client parser/);
    expect(toAuditEvent(input(), RECEIVED).client).toBeUndefined();
  });

  it('leaves absent optional fields out entirely (no undefined values to store or serialise)', () => {
    // Act
    const event = toAuditEvent(input(), RECEIVED, parseClient);

    // Assess
    expect(Object.keys(event).sort()).toEqual(['action', 'actor', 'category', 'id', 'message', 'occurredAt', 'receivedAt', 'result', 'severity']);
    expect(Object.values(event).includes(undefined)).toBe(false);
  });

  it('keeps every field of a full input, in the contract\'s field order', () => {
    // Act
    const event = toAuditEvent(input({
      id: 'ev-1', occurredAt: '2026-11-22T09:00:00.000Z', resource: { type: 'project', id: 'p_7', name: 'Household survey' },
      project: 'p_7', ip: '203.0.113.9', userAgent: UA.chromeWindows, changes: { after: { a: 1 } }, metadata: { k: [1, 2] }, message: 'm',
    }), RECEIVED, parseClient);

    // Assess
    expect(Object.keys(event)).toEqual(['id', 'occurredAt', 'receivedAt', 'action', 'category', 'actor', 'resource', 'project', 'ip', 'userAgent', 'client', 'result', 'severity', 'message', 'changes', 'metadata']);
    expect(event).toMatchObject({ project: 'p_7', ip: '203.0.113.9', metadata: { k: [1, 2] }, changes: { after: { a: 1 }, fields: ['a'] } });
  });
});

/**
 * Key design (lambdas/core/keys.ts): the stored item of an event, its keys,
 * compression of large bodies, shard assignment and expiry.
 */
import { describe, expect, it } from 'vitest';
import type { AuditEvent } from '../../lambdas/core/event.js';
import { eventPk, fnv1a, fromItem, searchText, shardOf, sortKey, toItem } from '../../lambdas/core/keys.js';

const base: AuditEvent = {
  id: '01JD8ZQ3K5W6X7Y8Z9ABCDEFGH',
  occurredAt: '2026-11-22T09:15:00.123Z',
  receivedAt: '2026-11-22T09:15:01.000Z',
  action: 'project.updated',
  category: 'project',
  actor: { type: 'user', id: 'u_42', name: 'Ada Lovelace', email: 'Ada@Example.com' },
  result: 'success',
  severity: 'info',
  message: 'Ada Lovelace updated project Household survey',
};
const event = (extra: Partial<AuditEvent> = {}): AuditEvent => ({ ...base, ...extra });

describe('toItem / fromItem', () => {
  it('round-trips a small event, stored no larger than its JSON', () => {
    // Prepare
    const small = event({ id: 'e1', actor: { type: 'user', id: 'u_1' }, message: 'u_1 updated' });

    // Act
    const item = toItem('acme', small, 4, 30);

    // Assess
    const stored = typeof item.b === 'string' ? Buffer.byteLength(item.b) : item.b.length;
    expect(stored).toBeLessThanOrEqual(Buffer.byteLength(JSON.stringify(small)));
    expect(fromItem(item)).toEqual(small);
  });

  it('deflates a large body into bytes, smaller than the JSON, and round-trips it', () => {
    // Prepare
    const large = event({ metadata: { rows: Array.from({ length: 200 }, (_, i) => ({ i, label: `row ${i}`, ok: i % 2 === 0 })) } });

    // Act
    const item = toItem('acme', large, 4, 30);

    // Assess
    expect(item.b).toBeInstanceOf(Uint8Array);
    expect((item.b as Uint8Array).byteLength).toBeLessThan(Buffer.byteLength(JSON.stringify(large)));
    expect(fromItem(item)).toEqual(large);
  });

  it.each([
    ['short unicode', { message: 'Ådа 更新了 项目 🙂 — ok' }],
    ['long unicode (compressed)', { message: 'Ådа 更新了 项目 🙂 — '.repeat(60), metadata: { note: 'ünïcødé 漢字 🚀'.repeat(40) } }],
    ['unicode just under the compression threshold in characters, over it in bytes', { message: '漢'.repeat(60) }],
  ])('round-trips %s', (_what, extra) => {
    // Prepare
    const e = event(extra);

    // Act
    const back = fromItem(toItem('acme', e, 4, 30));

    // Assess
    expect(back).toEqual(e);
  });

  it('round-trips a body that survives DynamoDB as a Buffer-like view of the bytes', () => {
    // Prepare: the SDK hands binary attributes back as a Uint8Array, possibly a view into a larger buffer.
    const large = event({ metadata: { blob: 'abc'.repeat(500) } });
    const stored = toItem('acme', large, 4, 30).b as Uint8Array;
    const backing = new Uint8Array(stored.byteLength + 16);
    backing.set(stored, 8);

    // Act
    const back = fromItem({ b: backing.subarray(8, 8 + stored.byteLength) });

    // Assess
    expect(back).toEqual(large);
  });
});

describe('item keys and attributes', () => {
  it('sets the key attributes of every index', () => {
    // Act
    const item = toItem('acme', event({ resource: { type: 'project', id: 'p_7', name: 'Household survey' }, project: 'ws_1' }), 8, 30);

    // Assess
    expect(item).toMatchObject({
      pk: 'acme#01JD8ZQ3K5W6X7Y8Z9ABCDEFGH',
      s: '2026-11-22T09:15:00.123Z#01JD8ZQ3K5W6X7Y8Z9ABCDEFGH',
      tp: `acme#${shardOf(base.id, 8)}`,
      ap: 'acme#u_42',
      rp: 'acme#p_7',
      pp: 'acme#ws_1',
      ac: 'project.updated',
      ca: 'project',
      re: 'success',
      se: 'info',
      rt: 'project',
      ae: 'ada@example.com',
    });
  });

  it('leaves the sparse index keys and optional filter attributes out when absent', () => {
    // Prepare
    const bare = event({ actor: { type: 'service', id: 'svc_1' } });

    // Act
    const item = toItem('acme', bare, 8, 30);

    // Assess
    for (const attr of ['rp', 'pp', 'rt', 'ae']) expect(item).not.toHaveProperty(attr);
    expect(Object.values(item).includes(undefined)).toBe(false);
  });

  it('expires `retentionDays` after the event occurred (epoch seconds)', () => {
    // Act
    const item = toItem('acme', base, 4, 90);

    // Assess
    expect(item.expiresAt).toBe(Math.floor(Date.parse(base.occurredAt) / 1000) + 90 * 86_400);
  });

  it('sort keys order by time, then id, as strings', () => {
    // Prepare
    const keys = [sortKey('2026-11-22T09:15:00.123Z', 'b'), sortKey('2026-11-22T09:15:00.124Z', 'a'), sortKey('2026-11-22T09:15:00.123Z', 'a')];

    // Act
    const sorted = [...keys].sort();

    // Assess
    expect(sorted).toEqual(['2026-11-22T09:15:00.123Z#a', '2026-11-22T09:15:00.123Z#b', '2026-11-22T09:15:00.124Z#a']);
    expect(eventPk('acme', 'x')).toBe('acme#x');
  });

  it('search text is lower-cased actor name and email, action, resource name and message', () => {
    // Act
    const text = searchText(event({ resource: { type: 'project', id: 'p_7', name: 'Household SURVEY' }, ip: '203.0.113.9' }));

    // Assess
    expect(text).toBe('ada lovelace\nada@example.com\nproject.updated\nhousehold survey\nada lovelace updated project household survey');
    expect(toItem('acme', base, 4, 30).x).toBe(searchText(base));
  });
});

describe('shard assignment', () => {
  it('fnv1a matches the published FNV-1a 32-bit test vectors', () => {
    // Act / Assess
    expect(fnv1a('')).toBe(0x811c9dc5);
    expect(fnv1a('a')).toBe(0xe40c292c);
    expect(fnv1a('foobar')).toBe(0xbf9cf968);
  });

  it('is stable: the same id always lands on the same shard', () => {
    // Act
    const shards = Array.from({ length: 5 }, () => shardOf('01JD8ZQ3K5W6X7Y8Z9ABCDEFGH', 8));

    // Assess
    expect(new Set(shards).size).toBe(1);
    expect(shards[0]).toBe(fnv1a('01JD8ZQ3K5W6X7Y8Z9ABCDEFGH') % 8);
  });

  it.each([
    ['sequential client ids', (i: number) => `order-${String(i).padStart(6, '0')}`],
    ['ULID-like ids sharing a time prefix', (i: number) => `01JD8ZQ3K5${i.toString(32).toUpperCase().padStart(16, '0')}`],
  ])('spreads 10,000 %s over 8 shards within 10%% of the mean', (_what, idOf) => {
    // Prepare
    const counts = new Array<number>(8).fill(0);

    // Act
    for (let i = 0; i < 10_000; i++) counts[shardOf(idOf(i), 8)]!++;

    // Assess
    for (const n of counts) expect(Math.abs(n - 1_250)).toBeLessThanOrEqual(125);
  });

  it('a shard count of 1 (or less) puts everything on shard 0', () => {
    // Act / Assess
    expect(shardOf('anything', 1)).toBe(0);
    expect(shardOf('anything', 0)).toBe(0);
    expect(toItem('acme', base, 1, 30).tp).toBe('acme#0');
  });
});

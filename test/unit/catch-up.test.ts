/**
 * Catch-up by receivedAt (lambdas/core/catch-up.ts), property-tested with in-memory reads:
 * whatever the mix of on-time, late and future-dated events and whatever the page size, paging
 * from `receivedFrom` yields exactly the events received at or after it, each once, in
 * (receivedAt, id) order.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type CatchUpReads, readReceivedPage, startPosition } from '../../lambdas/core/catch-up.js';
import { toAuditEvent } from '../../lambdas/core/event.js';
import { type EventItem, fromItem, LATE_AFTER_MS, toItem } from '../../lambdas/core/keys.js';
import { LIMITS } from '../../lambdas/core/limits.js';
import type { EventInput } from '../../lambdas/core/schemas.js';

const T0 = Date.parse('2026-12-03T08:00:00.000Z');

/** Events received over an hour; each occurred up to the clock skew ahead, a little before, or (late) long before. */
const eventsArb = fc.array(fc.record({
  receivedOffset: fc.integer({ min: 0, max: 3_600_000 }),
  kind: fc.constantFrom('on-time', 'ahead', 'late', 'very late'),
  jitter: fc.integer({ min: 0, max: LATE_AFTER_MS }),
}), { minLength: 0, maxLength: 120 });

function itemsOf(spec: { receivedOffset: number; kind: string; jitter: number }[]): EventItem[] {
  return spec.map((e, i) => {
    const received = T0 + e.receivedOffset;
    const occurred = e.kind === 'ahead' ? received + Math.min(e.jitter, LIMITS.maxClockSkewMs)
      : e.kind === 'on-time' ? received - e.jitter
      : e.kind === 'late' ? received - LATE_AFTER_MS - 1 - e.jitter
      : received - 40 * 86_400_000;
    const input = { id: `e${String(i).padStart(3, '0')}`, occurredAt: new Date(occurred).toISOString(), action: 'a.b', actor: { type: 'user', id: 'u' }, result: 'success', severity: 'info' } as EventInput;
    return toItem('t', toAuditEvent(input, new Date(received).toISOString()), 1, 90);
  });
}

/** In-memory reads: the timeline in batches of `batch` items, the late index in pages of `batch`. */
function reads(items: EventItem[], batch: number): CatchUpReads {
  const timeline = [...items].sort((a, b) => (a.s < b.s ? -1 : 1));
  const late = items.filter((i) => i.ls).sort((a, b) => (a.ls! < b.ls! ? -1 : 1));
  return {
    async *timeline(after) {
      const rest = timeline.filter((i) => i.s > after);
      if (!rest.length) { yield { items: [], through: after, done: true, scanned: 0 }; return; }
      for (let at = 0; at < rest.length; at += batch) {
        const items = rest.slice(at, at + batch);
        yield { items, through: items.at(-1)!.s, done: at + batch >= rest.length, scanned: items.length };
      }
    },
    async late(after) {
      const rest = late.filter((i) => after === undefined || i.ls! > after);
      const items = rest.slice(0, batch);
      return { items, ...(rest.length > batch ? { lastEvaluated: items.at(-1)!.ls! } : {}) };
    },
  };
}

describe('readReceivedPage', () => {
  it('pages through exactly the events received since receivedFrom, each once, in (receivedAt, id) order', async () => {
    await fc.assert(fc.asyncProperty(eventsArb, fc.integer({ min: 0, max: 3_600_000 }), fc.integer({ min: 1, max: 15 }), fc.integer({ min: 1, max: 9 }), async (spec, fromOffset, limit, batch) => {
      // Arrange
      const items = itemsOf(spec);
      const receivedFrom = new Date(T0 + fromOffset).toISOString();
      const expected = items.map((i) => fromItem(i))
        .filter((e) => e.receivedAt >= receivedFrom)
        .sort((a, b) => (`${a.receivedAt}#${a.id}` < `${b.receivedAt}#${b.id}` ? -1 : 1))
        .map((e) => e.id);

      // Act
      const got: string[] = [];
      let at = startPosition(receivedFrom);
      for (let pages = 0; pages < 500; pages++) {
        const page = await readReceivedPage(reads(items, batch), at, limit);
        got.push(...page.events.map((e) => e.id));
        if (!page.next) break;
        at = JSON.parse(JSON.stringify(page.next)); // as a cursor carries it
      }

      // Assess
      expect(got).toEqual(expected);
    }), { seed: 20261203, numRuns: 300 });
  });

  it('marks only late events for the received index', () => {
    const [onTime, late, ahead] = itemsOf([{ receivedOffset: 0, kind: 'on-time', jitter: 1000 }, { receivedOffset: 0, kind: 'late', jitter: 0 }, { receivedOffset: 0, kind: 'ahead', jitter: 1000 }]);
    expect([onTime!.lp, late!.lp, ahead!.lp]).toEqual([undefined, 't#late', undefined]);
  });
});

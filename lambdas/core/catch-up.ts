/**
 * Catching up by `receivedAt` (`GET /v1/events?receivedFrom=`): every event received at or after
 * an instant, oldest first by `receivedAt`, so a live-stream client that reconnects loses nothing,
 * late events with an old `occurredAt` included. Pure; the two reads are injected.
 *
 * Cheap by construction: an on-time event is received within {@link LATE_AFTER_MS} after it
 * occurred (and at most `maxClockSkewMs` before), so the tenant's timeline (ordered by
 * `occurredAt`, already written for every event) read from `receivedFrom − LATE_AFTER_MS` holds
 * them all; only late events pay one more index write (the sparse `byReceived` index), and a
 * catch-up reads that index from `receivedFrom`. The two are merged by `receivedAt`:
 *
 * - the timeline is read ascending; once it has been read up to `occurredAt` p, every unread
 *   on-time event was received after `p − skew`, so candidates received at or before that are final;
 * - the late index is read ascending by `receivedAt`: what it has read through is final too;
 * - a page emits final candidates in `(receivedAt, id)` order, and its cursor keeps where each read
 *   stands (the timeline from its lowest unemitted candidate) and the last `(receivedAt, id)` emitted.
 */
import type { AuditEvent } from './event.js';
import { type EventItem, fromItem, LATE_AFTER_MS, sortKey } from './keys.js';
import { LIMITS } from './limits.js';
import type { ScanBatch } from './export-scan.js';

/** Where a catch-up stands; what its cursor carries. */
export interface CatchUpPosition {
  /** Emitted through this `{receivedAt}#{id}` (exclusive lower bound of the next page); or `receivedFrom` itself, inclusive, at the start. */
  readonly after?: string;
  readonly from: string;
  /** The timeline is read from this sort key on (inclusive of anything after it). */
  readonly timeline: string;
  /** The late index is read after this `ls` key. */
  readonly late?: string;
}

/** The reads a page makes. */
export interface CatchUpReads {
  /** The timeline (or the index of an indexed filter) ascending, strictly after `after`, in batches (export-scan's `scanAscending`). */
  timeline(after: string): AsyncGenerator<ScanBatch<EventItem>>;
  /** One ascending page of the late index strictly after `after` (or from the start), with the filter applied. */
  late(after: string | undefined): Promise<{ items: EventItem[]; lastEvaluated?: string }>;
}

const receivedKey = (e: AuditEvent) => sortKey(e.receivedAt, e.id);
/** The sort key just below every event that occurred at `ms` or later. */
const keyBefore = (ms: number) => new Date(ms - 1).toISOString();
const occurredMs = (s: string) => Date.parse(s.slice(0, s.indexOf('#') < 0 ? undefined : s.indexOf('#')));

/** The position of a new catch-up from `receivedFrom`. */
export const startPosition = (receivedFrom: string): CatchUpPosition => ({ from: receivedFrom, timeline: keyBefore(Date.parse(receivedFrom) - LATE_AFTER_MS) });

/** One page: up to `limit` events received at or after the position, oldest first; `next` when more may follow. */
export async function readReceivedPage(reads: CatchUpReads, at: CatchUpPosition, limit: number, maxScanned = 10 * LIMITS.maxItemsScannedPerPage): Promise<{ events: AuditEvent[]; next?: CatchUpPosition; scanned: number }> {
  const wanted = (k: string) => (at.after === undefined ? k >= at.from : k > at.after);
  const candidates = new Map<string, { key: string; event: AuditEvent; s?: string }>();
  const add = (item: EventItem, fromTimeline: boolean) => {
    const event = fromItem(item);
    const key = receivedKey(event);
    if (!wanted(key) || candidates.has(event.id)) return;
    candidates.set(event.id, { key, event, ...(fromTimeline ? { s: item.s } : {}) });
  };

  // The late index: read whole pages until it is exhausted or read past what the timeline finalizes.
  let late = at.late;
  let lateDone = false;
  let scanned = 0;
  const readLate = async () => {
    const page = await reads.late(late);
    scanned += page.items.length;
    for (const item of page.items) add(item, false);
    if (page.lastEvaluated === undefined) lateDone = true;
    else late = page.lastEvaluated;
  };

  let timelineThrough = at.timeline;
  let timelineDone = false;
  const timeline = reads.timeline(at.timeline);
  const skew = LIMITS.maxClockSkewMs;
  for (;;) {
    const batch = await timeline.next();
    if (batch.done) timelineDone = true;
    else {
      scanned += batch.value.scanned;
      for (const item of batch.value.items) add(item, true);
      timelineThrough = batch.value.through;
      if (batch.value.done) timelineDone = true;
    }
    // Final: received no later than both reads guarantee.
    const timelineBound = timelineDone ? undefined : keyBefore(occurredMs(timelineThrough) - skew);
    while (!lateDone && (timelineBound === undefined || late === undefined || late < timelineBound)) {
      await readLate();
      if (scanned >= maxScanned) break;
    }
    const bound = [timelineBound, lateDone ? undefined : late].filter((b): b is string => b !== undefined).sort()[0];
    const final = [...candidates.values()].filter((c) => bound === undefined || c.key <= bound).sort((a, b) => (a.key < b.key ? -1 : 1));
    const exhausted = timelineDone && lateDone;
    if (final.length >= limit || exhausted || scanned >= maxScanned) {
      const emitted = final.slice(0, limit);
      const last = emitted.at(-1);
      const more = !exhausted || final.length > limit || candidates.size > emitted.length;
      if (!more) return { events: emitted.map((c) => c.event), scanned };
      // Resume the timeline at the lowest candidate not emitted (re-read; the `after` key drops what was).
      const pending = [...candidates.values()].filter((c) => !emitted.includes(c) && c.s !== undefined).map((c) => c.s!).sort()[0];
      const resumeTimeline = pending !== undefined ? keyBefore(occurredMs(pending)) : timelineThrough;
      return {
        events: emitted.map((c) => c.event),
        next: { from: at.from, after: last?.key ?? at.after, timeline: resumeTimeline < at.timeline ? at.timeline : resumeTimeline, ...(lateResume(emitted, at.late) !== undefined ? { late: lateResume(emitted, at.late) } : {}) },
        scanned,
      };
    }
  }
}

/**
 * Where the late index resumes: after the last late event emitted, or where the page started,
 * so late candidates read but not emitted are read again (never skipped).
 */
function lateResume(emitted: readonly { key: string; s?: string }[], startedAfter: string | undefined): string | undefined {
  return emitted.filter((c) => c.s === undefined).at(-1)?.key ?? startedAfter;
}

/**
 * Access-log grouping: sign-ins of the same actor, from the same IP and user
 * agent (and with the same result), less than 60 minutes apart form one row.
 *
 * Events arrive newest first. A group is complete ("closed") once the scan has
 * passed 60 minutes below its oldest sign-in, or the same key started a new
 * group. Pages end on group boundaries: the next page resumes at the newest
 * sign-in of the first group not shown (inclusive), skipping the sign-ins of
 * groups already shown (`excluded`: key hash + oldest sort key). Pure, no SDK.
 */
import type { AuditEvent, ClientInfo } from './event.js';
import { createHash } from 'node:crypto';

/** One row of `GET /v1/access-logs`. */
export interface AccessGroup {
  actor: AuditEvent['actor'];
  ip?: string;
  userAgent?: string;
  client?: ClientInfo;
  firstAt: string;
  lastAt: string;
  count: number;
  result: AuditEvent['result'];
}

/** Sign-ins already shown on earlier pages: [key digest, oldest sign-in of the group in epoch ms, base 36]. */
export type Exclusion = [string, string];

/** Where the next page starts. */
export interface AccessLogResume {
  /** Sort key to resume at. */
  b: string;
  /** Whether `b` itself is included (true when it is the newest sign-in of the next group). */
  i: boolean;
  x: Exclusion[];
}

export const SESSION_GAP_MS = 60 * 60_000;
/** Keeps a cursor within ~6 KB: a page ends early rather than carry more. */
const MAX_EXCLUSIONS = 200;

interface OpenGroup {
  key: string;
  digest: string;
  group: AccessGroup;
  newestS: string;
  oldestS: string;
  oldestMs: number;
  closed: boolean;
}

/** Group identity: exact (JSON, so no separator can be forged inside a field). */
const keyOf = (e: AuditEvent): string => JSON.stringify([e.actor.id, e.ip ?? null, e.userAgent ?? null, e.result]);
/** What a cursor carries of a key: 72 bits of SHA-256 (a collision is not practical to craft). */
const digestOf = (key: string): string => createHash('sha256').update(key).digest('base64url').slice(0, 12);

/** Accumulates sign-ins (newest first) into groups; see the module comment. */
export class AccessLogGrouper {
  private readonly groups: OpenGroup[] = [];
  private readonly open = new Map<string, OpenGroup>();
  private finished = false;

  private readonly excluded: ReadonlyMap<string, number>;

  constructor(private readonly carried: readonly Exclusion[] = []) {
    this.excluded = new Map(carried.map(([digest, oldest]) => [digest, parseInt(oldest, 36)]));
  }

  /** Adds the next (older) sign-in, with its sort key `s`. */
  add(s: string, event: AuditEvent): void {
    const key = keyOf(event);
    const digest = digestOf(key);
    const at = Date.parse(event.occurredAt);
    const shownDownTo = this.excluded.get(digest);
    if (shownDownTo !== undefined && at >= shownDownTo) return;
    for (const g of this.open.values()) {
      if (g.oldestMs - at >= SESSION_GAP_MS) this.close(g);
    }
    const current = this.open.get(key);
    if (current) {
      current.group.firstAt = event.occurredAt;
      current.group.count++;
      current.oldestS = s;
      current.oldestMs = at;
      return;
    }
    const g: OpenGroup = {
      key, digest, newestS: s, oldestS: s, oldestMs: at, closed: false,
      group: { actor: event.actor, ip: event.ip, userAgent: event.userAgent, client: event.client, firstAt: event.occurredAt, lastAt: event.occurredAt, count: 1, result: event.result },
    };
    this.groups.push(g);
    this.open.set(key, g);
  }

  /** The scan reached the end: every group is complete. */
  finish(): void {
    this.finished = true;
    for (const g of this.open.values()) this.close(g);
  }

  /** Number of complete groups at the head (newest first). */
  readyCount(): number {
    let n = 0;
    while (n < this.groups.length && this.groups[n]!.closed) n++;
    return n;
  }

  /**
   * Up to `limit` groups, newest first, and where the next page starts.
   * `scanNext` is the scan's own resume boundary when it stopped early.
   */
  take(limit: number, scanNext?: string): { groups: AccessGroup[]; resume?: AccessLogResume } {
    let n = Math.min(limit, this.readyCount());
    if (n === 0 && this.groups.length && !this.finished) n = 1; // a session longer than one scan budget: show it as far as read
    for (;;) {
      const shown = this.groups.slice(0, n);
      const following = this.groups[n];
      let resume: AccessLogResume | undefined;
      if (following) resume = { b: following.newestS, i: true, x: [] };
      else if (!this.finished && scanNext !== undefined) resume = { b: scanNext, i: false, x: [] };
      if (!resume) return { groups: shown.map((g) => g.group) };
      // Groups shown so far that reach below the resume point must not be shown again in part.
      const b = resume.b;
      const below = (oldestS: string) => oldestS < b;
      const carried = this.carried.filter(([digest]) => !shown.some((g) => g.digest === digest));
      resume.x = [
        ...carried.filter(([, oldest]) => below(new Date(parseInt(oldest, 36)).toISOString())),
        ...shown.filter((g) => below(g.oldestS)).map((g): Exclusion => [g.digest, g.oldestMs.toString(36)]),
      ];
      if (resume.x.length <= MAX_EXCLUSIONS || n <= 1) {
        resume.x = resume.x.slice(-MAX_EXCLUSIONS);
        return { groups: shown.map((g) => g.group), resume };
      }
      n--; // end the page earlier: fewer groups shown, fewer to remember
    }
  }

  private close(g: OpenGroup): void {
    g.closed = true;
    if (this.open.get(g.key) === g) this.open.delete(g.key);
  }
}

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
import { fnv1a } from './keys.js';

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

/** Sign-ins already shown on earlier pages: [key hash, oldest sort key of the group]. */
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
const MAX_EXCLUSIONS = 500;

interface OpenGroup {
  key: string;
  group: AccessGroup;
  newestS: string;
  oldestS: string;
  oldestMs: number;
  closed: boolean;
}

const keyOf = (e: AuditEvent): string => fnv1a(`${e.actor.id}\n${e.ip ?? ''}\n${e.userAgent ?? ''}\n${e.result}`).toString(36);

/** Accumulates sign-ins (newest first) into groups; see the module comment. */
export class AccessLogGrouper {
  private readonly groups: OpenGroup[] = [];
  private readonly open = new Map<string, OpenGroup>();
  private finished = false;

  constructor(private readonly excluded: readonly Exclusion[] = []) {}

  /** Adds the next (older) sign-in, with its sort key `s`. */
  add(s: string, event: AuditEvent): void {
    const key = keyOf(event);
    if (this.excluded.some(([k, oldest]) => k === key && s >= oldest)) return;
    const at = Date.parse(event.occurredAt);
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
      key, newestS: s, oldestS: s, oldestMs: at, closed: false,
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
    const shown = this.groups.slice(0, n);
    const following = this.groups[n];
    let resume: AccessLogResume | undefined;
    if (following) resume = { b: following.newestS, i: true, x: [] };
    else if (!this.finished && scanNext !== undefined) resume = { b: scanNext, i: false, x: [] };
    if (resume) {
      const b = resume.b;
      resume.x = [...this.excluded, ...shown.map((g): Exclusion => [g.key, g.oldestS])].filter(([, oldest]) => oldest < b).slice(-MAX_EXCLUSIONS);
    }
    return { groups: shown.map((g) => g.group), resume };
  }

  private close(g: OpenGroup): void {
    g.closed = true;
    if (this.open.get(g.key) === g) this.open.delete(g.key);
  }
}

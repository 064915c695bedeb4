/**
 * The events the viewer's browser tests seed in their tenant, and what each filter must show,
 * computed here from the seed (never from the API under test): several actors (a user with a
 * name and email, one with only a name, a system actor, a service), actions of several
 * categories, projects p_7 and p_8 and none, every result and severity, an update with
 * changes.before/after, sign-ins that group into access-log rows, and a few older events for
 * the date presets. Every event has its own `occurredAt`, so newest first is one order.
 */
import { DAY, MINUTE, UA, uid, type Json } from './helpers.js';

export const ADA = { type: 'user', id: 'u_ada', name: 'Ada Lovelace', email: 'ada@example.com' } as const;
export const BOB = { type: 'user', id: 'u_bob', name: 'Bob Stone' } as const;
export const CRON = { type: 'system', id: 'sys_cron' } as const;
export const BILLING = { type: 'service', id: 'svc_billing', name: 'Billing service' } as const;

export const IP1 = '203.0.113.7';
export const IP2 = '198.51.100.23';

/** The word `q` finds: in one resource name and one message, nowhere else. */
export const NEEDLE = 'zebra';

/** The update event whose diff is checked: `title` and `status` change, `owner` does not. */
export const UPDATE_BEFORE = { title: 'Household survey', status: 'draft', owner: 'u_ada' };
export const UPDATE_AFTER = { title: 'Household survey 2026', status: 'deployed', owner: 'u_ada' };

/** A seeded event: the body POSTed, plus the category it will get. */
export type Seeded = Record<string, Json> & { id: string; occurredAt: string; action: string; category: string };

/** Builds the seed relative to `now` (ms). */
export function buildSeed(now = Date.now()): Seeded[] {
  let n = 0;
  /** `minutesAgo` apart from each other by construction; a per-event id. */
  const ev = (minutesAgo: number, fields: Record<string, Json>): Seeded => {
    const action = fields.action as string;
    return {
      id: uid(`vw${String(n++).padStart(2, '0')}`),
      occurredAt: new Date(now - minutesAgo * MINUTE).toISOString(),
      category: (fields.category as string | undefined) ?? action.split('.')[0]!,
      message: `${fields.action} by ${(fields.actor as Json).id}`,
      ...fields,
    } as unknown as Seeded;
  };
  const survey = { type: 'survey', id: 'srv_1', name: 'Household survey' };
  const zebra = { type: 'survey', id: 'srv_2', name: `The ${NEEDLE} count` };
  const form = { type: 'form', id: 'frm_9', name: 'Intake form' };
  return [
    ev(10, { action: 'project.updated', actor: ADA, resource: survey, project: 'p_7', ip: IP1, userAgent: UA.firefoxUbuntu, severity: 'notice', changes: { before: UPDATE_BEFORE, after: UPDATE_AFTER }, message: 'Ada renamed and deployed the survey' }),
    ev(20, { action: 'project.created', actor: BOB, resource: zebra, project: 'p_8', ip: IP2 }),
    ev(30, { action: 'project.deleted', actor: ADA, resource: form, project: 'p_7', severity: 'warning', result: 'failure' }),
    ev(40, { action: 'form.submitted', actor: BILLING, resource: form, project: 'p_8', result: 'invalid_input' }),
    ev(50, { action: 'data.exported', actor: CRON, project: 'p_7', severity: 'critical', message: `Nightly ${NEEDLE} export`, metadata: { format: 'csv', rows: 1200 } }),
    ev(60, { action: 'project.viewed', actor: BOB, resource: survey, project: 'p_7' }),
    ev(70, { action: 'settings.changed', actor: ADA, severity: 'notice' }),
    // Sign-ins: Ada from IP1/Firefox three times 10 minutes apart (one access-log group of 3),
    // Bob once (a group of 1), Bob failing twice from IP2 (a failure group of 2).
    ev(80, { action: 'auth.signed_in', actor: ADA, ip: IP1, userAgent: UA.firefoxUbuntu }),
    ev(90, { action: 'auth.signed_in', actor: ADA, ip: IP1, userAgent: UA.firefoxUbuntu }),
    ev(100, { action: 'auth.signed_in', actor: ADA, ip: IP1, userAgent: UA.firefoxUbuntu }),
    ev(110, { action: 'auth.signed_in', actor: BOB, ip: IP2, userAgent: UA.chromeWindows }),
    ev(120, { action: 'auth.sign_in_failed', actor: BOB, ip: IP2, userAgent: UA.chromeWindows, result: 'failure', severity: 'warning' }),
    ev(125, { action: 'auth.sign_in_failed', actor: BOB, ip: IP2, userAgent: UA.chromeWindows, result: 'failure', severity: 'warning' }),
    // Older: in 7 d and 30 d, not in 24 h; and one only in 30 d.
    ev(3 * DAY / MINUTE, { action: 'project.updated', actor: BOB, resource: survey, project: 'p_8', changes: { before: { title: 'A' }, after: { title: 'B' } } }),
    ev(3 * DAY / MINUTE + 5, { action: 'project.archived', actor: ADA, resource: survey, project: 'p_7' }),
    ev(20 * DAY / MINUTE, { action: 'project.created', actor: ADA, resource: survey, project: 'p_7', ip: IP1 }),
  ];
}

/** The seed's events that match `filters` (GET /v1/events semantics, as the contract states them), newest first. */
export function expected(seed: readonly Seeded[], filters: Record<string, string | string[] | undefined>, now = Date.now()): string[] {
  const window = { '24h': DAY, '7d': 7 * DAY, '30d': 30 * DAY, '90d': 90 * DAY } as Record<string, number>;
  return seed
    .filter((e) => {
      const t = Date.parse(e.occurredAt);
      if (filters.range && t < now - window[filters.range as string]!) return false;
      if (filters.from && t < Date.parse(filters.from as string)) return false;
      if (filters.to && t > Date.parse(filters.to as string)) return false;
      if (filters.action) {
        const actions = ([] as string[]).concat(filters.action);
        if (!actions.some((a) => (a.endsWith('.*') ? e.action.startsWith(a.slice(0, -1)) : e.action === a))) return false;
      }
      if (filters.category && e.category !== filters.category) return false;
      if (filters.actor && e.actor.id !== filters.actor) return false;
      if (filters.resourceType && e.resource?.type !== filters.resourceType) return false;
      if (filters.project && e.project !== filters.project) return false;
      if (filters.result && (e.result ?? 'success') !== filters.result) return false;
      if (filters.severity && (e.severity ?? 'info') !== filters.severity) return false;
      if (filters.q) {
        const q = (filters.q as string).toLowerCase();
        const hay = [e.actor.name, e.actor.email, e.action, e.resource?.name, e.message].filter(Boolean).map((s) => String(s).toLowerCase());
        if (!hay.some((s) => s.includes(q))) return false;
      }
      return true;
    })
    .sort((a, b) => (a.occurredAt < b.occurredAt ? 1 : -1))
    .map((e) => e.id);
}

/** The body to POST: the seed without the derived `category` unless the event sets it. */
export const toInput = (e: Seeded): Record<string, Json> => {
  const { category, ...rest } = e;
  return category === e.action.split('.')[0] ? rest : { ...rest, category };
};

/**
 * Realistic audit events for the benchmarks: a SaaS tenant with 300 actors
 * (users with names, e-mails, devices; a few services and API tokens; one
 * system actor) of Zipf-skewed activity, 2,000 resources in 60 projects, a mix
 * of categories, results and severities, and real browser user agents.
 * Deterministic (seeded PRNG), pure: no I/O.
 */
import type { EventInput } from '../../lambdas/core/schemas.js';
import { prng, type Rng } from '../../local/prng.js';

export { prng, type Rng };


/** Draws ranks 0..n-1 with probability ∝ 1/(rank+1)^s (Zipf). */
export function zipf(n: number, s: number) {
  const cdf: number[] = [];
  let sum = 0;
  for (let k = 1; k <= n; k++) cdf.push((sum += 1 / k ** s));
  for (let k = 0; k < n; k++) cdf[k]! /= sum;
  return (r: Rng): number => {
    const u = r.next();
    let lo = 0;
    let hi = n - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (cdf[mid]! < u) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };
}

/** Real user agents (browsers, mobile, and API clients). */
export const USER_AGENTS = {
  chromeWindows: 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36',
  edgeWindows: 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36 Edg/131.0.2903.70',
  firefoxWindows: 'Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0',
  safariMac: 'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Safari/605.1.15',
  chromeMac: 'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36',
  firefoxUbuntu: 'Mozilla/5.0 (X11; Ubuntu; Linux x86_64; rv:132.0) Gecko/20100101 Firefox/132.0',
  safariIphone: 'Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1',
  chromeAndroid: 'Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.6778.81 Mobile Safari/537.36',
  python: 'python-requests/2.32.3',
  node: 'node-fetch/3.3.2',
} as const;
const BROWSERS = [
  USER_AGENTS.chromeWindows, USER_AGENTS.chromeWindows, USER_AGENTS.chromeMac, USER_AGENTS.edgeWindows, USER_AGENTS.safariMac,
  USER_AGENTS.firefoxWindows, USER_AGENTS.firefoxUbuntu, USER_AGENTS.safariIphone, USER_AGENTS.chromeAndroid,
];

const FIRST = ['Amara', 'Jonas', 'Mei', 'Diego', 'Priya', 'Sofia', 'Kwame', 'Lena', 'Omar', 'Yuki', 'Ines', 'Tomas', 'Aisha', 'Lucas', 'Nadia', 'Chen', 'Fatima', 'Mateo', 'Hana', 'Pavel'];
const LAST = ['Okafor', 'Weber', 'Chen', 'Alvarez', 'Nair', 'Rossi', 'Mensah', 'Novak', 'Haddad', 'Tanaka', 'Silva', 'Kowalski', 'Bello', 'Martin', 'Petrova', 'Wang', 'Diallo', 'Garcia', 'Sato', 'Ivanov'];
const PROJECT_WORDS = ['Household survey', 'Water point mapping', 'Clinic intake', 'Market prices', 'School census', 'Crop monitoring', 'Vaccination drive', 'Shelter assessment', 'Nutrition screening', 'Road inventory'];
const RESOURCE_TYPES = ['form', 'form', 'submission', 'submission', 'submission', 'dataset', 'report', 'user'] as const;

interface Device { readonly ip: string; readonly userAgent: string }
/** One actor of the workload. */
export interface Actor {
  readonly type: 'user' | 'service' | 'system' | 'api_token';
  readonly id: string;
  readonly name?: string;
  readonly email?: string;
  readonly devices: readonly Device[];
}
interface Resource { readonly type: string; readonly id: string; readonly name: string; readonly project: string }

/** The tenant's population: actors (index = activity rank), projects, resources (index = popularity rank). */
export interface Population {
  readonly actors: readonly Actor[];
  readonly projects: readonly { id: string; name: string }[];
  readonly resources: readonly Resource[];
}

const ip4 = (r: Rng) => `${r.pick(['203.0.113', '198.51.100', '192.0.2'])}.${r.int(1, 254)}`;

/** Builds a population of `actors` actors, `projects` projects and `resources` resources. */
export function population(opts: { actors?: number; projects?: number; resources?: number; seed?: number } = {}): Population {
  const r = prng(opts.seed ?? 7);
  const nActors = opts.actors ?? 300;
  const actors: Actor[] = [];
  for (let i = 0; i < nActors; i++) {
    const roll = r.next();
    if (i === 7) {
      actors.push({ type: 'system', id: 'sys_auth', name: 'Sign-in protection', devices: [{ ip: '10.0.0.5', userAgent: USER_AGENTS.node }] });
    } else if (roll < 0.05) {
      actors.push({ type: 'api_token', id: `tok_${i.toString(36).padStart(4, '0')}`, name: `Integration ${i}`, devices: [{ ip: ip4(r), userAgent: USER_AGENTS.python }] });
    } else if (roll < 0.1) {
      actors.push({ type: 'service', id: `svc_sync_${i}`, name: `Sync worker ${i}`, devices: [{ ip: ip4(r), userAgent: USER_AGENTS.node }] });
    } else {
      const first = r.pick(FIRST);
      const last = r.pick(LAST);
      const devices = Array.from({ length: r.int(1, 2) }, () => ({ ip: r.chance(0.15) ? `2001:db8:${r.int(1, 0xffff).toString(16)}::${r.int(1, 0xffff).toString(16)}` : ip4(r), userAgent: r.pick(BROWSERS) }));
      actors.push({ type: 'user', id: `u_${first.toLowerCase()}_${last.toLowerCase()}_${i}`, name: `${first} ${last}`, email: `${first}.${last}${i}@example.org`.toLowerCase(), devices });
    }
  }
  const projects = Array.from({ length: opts.projects ?? 60 }, (_, i) => ({ id: `p_${(i + 1).toString().padStart(3, '0')}`, name: `${PROJECT_WORDS[i % PROJECT_WORDS.length]} ${2024 + (i % 3)} #${i + 1}` }));
  const resources: Resource[] = [];
  // Every project is a resource too (project.* events); the rest spread over projects.
  for (const p of projects) resources.push({ type: 'project', id: p.id, name: p.name, project: p.id });
  while (resources.length < (opts.resources ?? 2000)) {
    const type = r.pick(RESOURCE_TYPES);
    const p = r.pick(projects);
    const n = resources.length;
    resources.push({ type, id: `${type.slice(0, 3)}_${n.toString(36).padStart(5, '0')}`, name: `${p.name} — ${type} ${n}`, project: p.id });
  }
  // Shuffle so popularity rank is unrelated to type.
  for (let i = resources.length - 1; i > 0; i--) {
    const j = r.int(0, i);
    [resources[i], resources[j]] = [resources[j]!, resources[i]!];
  }
  return { actors, projects, resources };
}

/** Draws realistic events from a population. */
export function eventSource(pop: Population, seed: number) {
  const r = prng(seed);
  const actorRank = zipf(pop.actors.length, 1.0);
  const resourceRank = zipf(pop.resources.length, 0.9);

  return (occurredAt: string): EventInput => {
    const actor = pop.actors[actorRank(r)]!;
    const device = r.pick(actor.devices);
    const who = { type: actor.type, id: actor.id, ...(actor.name ? { name: actor.name } : {}), ...(actor.email ? { email: actor.email } : {}) };
    const base = { occurredAt, actor: who, ip: device.ip, userAgent: device.userAgent };
    const roll = r.next();

    if (actor.type === 'system') {
      const target = pop.actors[r.int(0, pop.actors.length - 1)]!;
      return { ...base, action: 'auth.account_locked', category: 'auth', resource: { type: 'user', id: target.id, name: target.name ?? target.id }, result: 'success', severity: 'critical', metadata: { lockMinutes: 30, failedAttempts: r.int(5, 12) } };
    }
    if (roll < 0.22 && actor.type === 'user') {
      // Sign-ins and sign-outs: actor only, no resource or project.
      const failed = r.chance(0.12);
      const action = failed ? 'auth.sign_in_failed' : r.chance(0.7) ? 'auth.signed_in' : 'auth.signed_out';
      return { ...base, action, result: failed ? 'failure' : 'success', severity: failed ? 'notice' : 'info', metadata: { method: r.pick(['password', 'sso', 'passkey']) } };
    }
    const res = pop.resources[resourceRank(r)]!;
    const resource = { type: res.type, id: res.id, name: res.name };
    const result = r.chance(0.93) ? 'success' : r.chance(0.8) ? 'failure' : 'invalid_input';
    const severity = result === 'success' ? (r.chance(0.85) ? 'info' : 'notice') : 'warning';
    if (actor.type === 'api_token' || actor.type === 'service') {
      return { ...base, action: 'api_token.used', resource, project: res.project, result, severity, metadata: { method: r.pick(['GET', 'GET', 'POST', 'PATCH']), path: `/api/v2/${res.type}s/${res.id}`, status: result === 'success' ? 200 : 403 } };
    }
    const kind = r.next();
    if (kind < 0.04) {
      const granted = r.chance(0.6);
      return { ...base, action: granted ? 'permission.granted' : 'permission.revoked', resource, project: res.project, result, severity: result === 'success' ? 'notice' : 'warning', metadata: { grantee: pop.actors[r.int(0, pop.actors.length - 1)]!.id, role: r.pick(['viewer', 'editor', 'manager']) } };
    }
    if (kind < 0.35) {
      return {
        ...base, action: `${res.type}.updated`, resource, project: res.project, result, severity,
        changes: { before: { name: `${res.name} (draft)`, status: 'draft' }, after: { name: res.name, status: r.pick(['active', 'archived', 'shared']) } },
        metadata: { requestId: `req_${r.int(1e8, 9e8).toString(36)}` },
      };
    }
    const verb = r.pick(['viewed', 'viewed', 'created', 'exported', 'deleted']);
    return { ...base, action: `${res.type}.${verb}`, resource, project: res.project, result, severity: verb === 'deleted' && result === 'success' ? 'notice' : severity, ...(verb === 'exported' ? { metadata: { format: r.pick(['csv', 'xlsx', 'geojson']), rows: r.int(10, 50_000) } } : {}) };
  };
}

/**
 * The "typical event" of the cost model: `project.updated` by a user with name and
 * e-mail, a resource and project, an IP, a real browser user agent, a two-field
 * before/after change and small metadata.
 */
export function typicalEvent(occurredAt: string): EventInput {
  return {
    occurredAt,
    action: 'project.updated',
    actor: { type: 'user', id: 'u_amara_okafor_12', name: 'Amara Okafor', email: 'amara.okafor12@example.org' },
    resource: { type: 'project', id: 'p_017', name: 'Household survey 2026 #17' },
    project: 'p_017',
    ip: '203.0.113.10',
    userAgent: USER_AGENTS.chromeWindows,
    result: 'success',
    severity: 'info',
    changes: { before: { name: 'Household survey 2026 (draft)', visibility: 'private' }, after: { name: 'Household survey 2026 #17', visibility: 'shared' } },
    metadata: { requestId: 'req_3f9k2m1q', via: 'web' },
  };
}

/** The minimal event of the cost model: a sign-in, actor id only, no resource, project, IP or user agent. */
export function minimalEvent(occurredAt: string): EventInput {
  return { occurredAt, action: 'auth.signed_in', actor: { type: 'user', id: 'u_4821' }, result: 'success', severity: 'info' };
}

/**
 * Demo data: a few thousand realistic audit events over the last 30 days, sent
 * through the HTTP API in batches of 100 (the real ingest path), so a newcomer
 * sees sign-ins (grouped in access logs), project work, permission changes, API
 * token use and failures.
 */
import { prng } from './prng.js';

type Json = Record<string, unknown>;

interface Device { readonly ip: string; readonly userAgent: string }
interface User { readonly id: string; readonly name: string; readonly email: string; readonly devices: readonly Device[] }

const UA = {
  firefoxUbuntu: 'Mozilla/5.0 (X11; Ubuntu; Linux x86_64; rv:132.0) Gecko/20100101 Firefox/132.0',
  chromeWindows: 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36',
  edgeWindows: 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36 Edg/131.0.2903.70',
  safariMac: 'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Safari/605.1.15',
  chromeMac: 'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36',
  safariIphone: 'Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1',
  chromeAndroid: 'Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.6778.81 Mobile Safari/537.36',
  firefoxWindows: 'Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0',
  python: 'python-requests/2.32.3',
  curl: 'curl/8.5.0',
};

const USERS: readonly User[] = [
  { id: 'u_amara', name: 'Amara Okafor', email: 'amara.okafor@example.org', devices: [
    { ip: '203.0.113.10', userAgent: UA.firefoxUbuntu }, { ip: '198.51.100.23', userAgent: UA.safariIphone }] },
  { id: 'u_jonas', name: 'Jonas Weber', email: 'jonas.weber@example.org', devices: [
    { ip: '203.0.113.44', userAgent: UA.chromeWindows }] },
  { id: 'u_mei', name: 'Mei Chen', email: 'mei.chen@example.org', devices: [
    { ip: '198.51.100.7', userAgent: UA.safariMac }, { ip: '2001:db8:85a3::8a2e:370:7334', userAgent: UA.safariIphone }] },
  { id: 'u_diego', name: 'Diego Alvarez', email: 'diego.alvarez@example.org', devices: [
    { ip: '192.0.2.15', userAgent: UA.chromeAndroid }, { ip: '203.0.113.10', userAgent: UA.edgeWindows }] },
  { id: 'u_priya', name: 'Priya Nair', email: 'priya.nair@example.org', devices: [
    { ip: '198.51.100.88', userAgent: UA.chromeMac }] },
  { id: 'u_sofia', name: 'Sofia Rossi', email: 'sofia.rossi@example.org', devices: [
    { ip: '192.0.2.140', userAgent: UA.firefoxWindows }] },
];

const PROJECTS = [
  { id: 'p_household', name: 'Household survey 2026' },
  { id: 'p_water', name: 'Water point mapping' },
  { id: 'p_clinic', name: 'Clinic intake' },
  { id: 'p_market', name: 'Market prices monitor' },
  { id: 'p_school', name: 'School census' },
];

const FORMS = ['Intake', 'Follow-up visit', 'Baseline', 'Site inspection'];
const ROLES = ['viewer', 'editor', 'manager'];
const API_TOKENS = [
  { id: 'tok_ci_deploy', name: 'CI deploy', ip: '203.0.113.200', userAgent: UA.python },
  { id: 'tok_bi_export', name: 'BI nightly export', ip: '198.51.100.250', userAgent: UA.curl },
];

const MINUTE = 60_000;
const DAY = 24 * 60 * MINUTE;


/**
 * Generates `count` demo events (oldest ~30 days ago, none in the future) with ids
 * unique to this run. Pure: no I/O.
 */
export function demoEvents(count: number, now = Date.now()): Json[] {
  const r = prng(20261122);
  const run = now.toString(36);
  const events: Json[] = [];
  let n = 0;
  const push = (at: number, e: Json) => {
    events.push({ id: `seed-${run}-${(n++).toString().padStart(5, '0')}`, occurredAt: new Date(Math.min(at, now - 1000)).toISOString(), ...e });
  };
  const person = (u: User) => ({ type: 'user', id: u.id, name: u.name, email: u.email });

  while (events.length < count) {
    const roll = r.next();
    let t = now - r.int(10 * MINUTE, 30 * DAY);

    if (roll < 0.7) {
      // A working session: maybe a typo first, 1-4 sign-ins minutes apart, some work, maybe a sign-out.
      const u = r.pick(USERS);
      const d = r.pick(u.devices);
      const base = { actor: person(u), ip: d.ip, userAgent: d.userAgent };
      if (r.chance(0.15)) {
        push(t, { ...base, action: 'auth.sign_in_failed', result: 'failure', severity: 'notice', metadata: { reason: 'invalid_password' } });
        t += r.int(1, 3) * MINUTE;
      }
      for (let i = r.int(1, 4); i > 0; i--) {
        push(t, { ...base, action: 'auth.signed_in', metadata: { method: r.pick(['password', 'password', 'sso', 'passkey']) } });
        for (let k = r.int(0, 3); k > 0; k--) {
          t += r.int(1, 9) * MINUTE;
          push(t, { ...base, ...projectWork(r, u) });
        }
        t += r.int(3, 40) * MINUTE;
      }
      if (r.chance(0.5)) push(t, { ...base, action: 'auth.signed_out' });
    } else if (roll < 0.85) {
      // An integration calling the API with its token.
      const tok = r.pick(API_TOKENS);
      const ok = r.chance(0.93);
      for (let k = r.int(1, 6); k > 0; k--) {
        const p = r.pick(PROJECTS);
        push(t, {
          action: 'api_token.used',
          actor: { type: 'api_token', id: tok.id, name: tok.name },
          resource: { type: 'api_token', id: tok.id, name: tok.name },
          project: p.id, ip: tok.ip, userAgent: tok.userAgent,
          result: ok ? 'success' : 'failure', severity: ok ? 'info' : 'warning',
          metadata: { method: 'GET', path: `/api/v2/projects/${p.id}/data`, status: ok ? 200 : 403 },
        });
        t += r.int(1, 15) * 1000;
      }
    } else if (roll < 0.97) {
      // Permission changes by a manager.
      const u = r.pick(USERS);
      const d = r.pick(u.devices);
      const grantee = r.pick(USERS.filter((x) => x !== u));
      const p = r.pick(PROJECTS);
      const granted = r.chance(0.65);
      const role = r.pick(ROLES);
      const denied = r.chance(0.08);
      push(t, {
        action: granted ? 'permission.granted' : 'permission.revoked',
        actor: person(u), ip: d.ip, userAgent: d.userAgent,
        resource: { type: 'project', id: p.id, name: p.name }, project: p.id,
        result: denied ? 'failure' : 'success', severity: denied ? 'warning' : 'notice',
        metadata: { grantee: { id: grantee.id, email: grantee.email }, role, ...(denied ? { reason: 'requires manager role' } : {}) },
      });
    } else {
      // Password guessing from an unknown host; ends with a lockout.
      const u = r.pick(USERS);
      const ip = `192.0.2.${r.int(200, 250)}`;
      for (let k = r.int(5, 12); k > 0; k--) {
        push(t, { action: 'auth.sign_in_failed', actor: { type: 'user', id: u.id, email: u.email }, ip, userAgent: UA.python,
          result: 'failure', severity: 'warning', metadata: { reason: 'invalid_password' } });
        t += r.int(2, 20) * 1000;
      }
      push(t, { action: 'auth.account_locked', actor: { type: 'system', id: 'sys_auth', name: 'Sign-in protection' },
        resource: { type: 'user', id: u.id, name: u.name }, ip, severity: 'critical',
        message: `Locked ${u.name} after repeated failed sign-ins from ${ip}`, metadata: { lockMinutes: 30 } });
    }
  }
  return events.slice(0, count);
}

/** One piece of project work by `u`: the action, its resource and details. */
function projectWork(r: ReturnType<typeof prng>, u: User): Json {
  const p = r.pick(PROJECTS);
  const project = { type: 'project', id: p.id, name: p.name };
  const form = r.pick(FORMS);
  const formRes = { type: 'form', id: `f_${p.id.slice(2)}_${form.toLowerCase().replace(/\W+/g, '_')}`, name: `${p.name} — ${form}` };
  const submission = { type: 'submission', id: `s_${p.id.slice(2)}_${r.int(1000, 9999)}` };
  const kind = r.next();
  if (kind < 0.05) {
    return { action: 'project.created', resource: project, project: p.id, changes: { after: { name: p.name, visibility: 'private' } } };
  }
  if (kind < 0.25) {
    const change = r.pick([
      { before: { name: `${p.name} (draft)` }, after: { name: p.name } },
      { before: { visibility: 'private' }, after: { visibility: 'shared' } },
      { before: { description: 'Pilot' }, after: { description: 'Pilot, phase 2: all districts' } },
      { before: { timezone: 'UTC' }, after: { timezone: 'Africa/Nairobi' } },
    ]);
    return { action: 'project.updated', resource: project, project: p.id, changes: change };
  }
  if (kind < 0.27) {
    return { action: 'project.deleted', resource: { ...project, id: `${p.id}_copy`, name: `${p.name} (copy)` }, project: p.id, severity: 'notice' };
  }
  if (kind < 0.45) {
    const failed = r.chance(0.15);
    return {
      action: 'form.deployed', resource: formRes, project: p.id,
      result: failed ? 'failure' : 'success', severity: failed ? 'warning' : 'info',
      metadata: failed
        ? { version: r.int(2, 30), error: `XLSForm row ${r.int(3, 80)}: unknown question type 'select one'` }
        : { version: r.int(2, 30), questions: r.int(8, 120) },
    };
  }
  if (kind < 0.85) {
    const invalid = r.chance(0.06);
    const size = r.int(1, 9);
    return {
      action: 'submission.edited', resource: submission, project: p.id,
      result: invalid ? 'invalid_input' : 'success', severity: invalid ? 'warning' : 'info',
      changes: { before: { household_size: size, verified: false }, after: { household_size: invalid ? -1 : size + 1, verified: !invalid } },
      ...(invalid ? { metadata: { error: 'household_size must be at least 1' } } : {}),
    };
  }
  return {
    action: 'submission.deleted', resource: submission, project: p.id, severity: 'notice',
    metadata: { reason: r.pick(['duplicate', 'test data', 'requested by respondent']), by: u.id },
  };
}

/**
 * Sends {@link demoEvents} to `api` (POST /v1/events, batches of 100, 4 in flight)
 * with `token` (needs `events:write`). Throws on the first rejected batch.
 *
 * @returns the number of events accepted
 */
export async function seed(api: string, token: string, count = 3000): Promise<number> {
  const events = demoEvents(count);
  const batches: Json[][] = [];
  for (let i = 0; i < events.length; i += 100) batches.push(events.slice(i, i + 100));
  let accepted = 0;
  const worker = async () => {
    for (let batch = batches.shift(); batch; batch = batches.shift()) {
      const res = await fetch(`${api}/v1/events`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ events: batch }),
      });
      const text = await res.text();
      if (res.status !== 201) throw new Error(`seed: POST /v1/events answered ${res.status}: ${text.slice(0, 500)}`);
      accepted += (JSON.parse(text) as { accepted: number }).accepted;
    }
  };
  await Promise.all([worker(), worker(), worker(), worker()]);
  return accepted;
}

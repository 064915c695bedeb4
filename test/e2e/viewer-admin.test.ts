/**
 * The viewer's Admin tab and the rest the other browser tests leave out, in a real browser
 * against the local stack: an API token created through the form (its value shown once, then
 * gone from the page, and working against the API with the scopes and restriction chosen),
 * listed and revoked through the UI; settings (retention saved, an invalid retention refused
 * beside its field, a category's recording switched off so ingest skips it); the Access logs
 * tab's own filters, in the URL under `access.` and kept across a reload; and live updates
 * reconnecting by themselves after the stream's connection drops, catching up with what was
 * POSTed meanwhile exactly once.
 */
import type { Page, WebSocketRoute } from 'playwright-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { browserSuite, rowIds, withQuery, type ViewerPage } from './browser.js';
import { client, DAY, event, ingest, type Json, local, uid, UA } from './helpers.js';
import { strings } from '../../viewer/src/strings.js';
import { ADA, BOB, buildSeed, expected, IP2, toInput, type Seeded } from './viewer-data.js';

// The callbacks given to page.evaluate run in the page; the test project compiles without the DOM library.
declare const document: Json;

const suite = browserSuite();
let seed: Seeded[];
let seededAt: number;

/** A category only this file's recording test switches off (seeded so the admin tab lists it). */
const BILLING_CATEGORY = 'billing';
/** A sign-in three days old: a fourth access-log group, outside the 24 h preset. */
let oldSignIn: Seeded;

beforeAll(async () => {
  seededAt = Date.now();
  seed = buildSeed(seededAt);
  oldSignIn = {
    id: uid('vwold'), occurredAt: new Date(seededAt - 3 * DAY).toISOString(), action: 'auth.signed_in', category: 'auth',
    actor: ADA, ip: IP2, userAgent: UA.chromeWindows, message: 'auth.signed_in by u_ada',
  } as unknown as Seeded;
  const billing = event({ id: uid('bill'), action: `${BILLING_CATEGORY}.charged`, occurredAt: new Date(seededAt - 5 * 60_000).toISOString() });
  await ingest(suite.tenant().admin, [...seed.map(toInput), toInput(oldSignIn), billing]);
});

/** Opens an admin session on the Admin tab, settings and token list loaded. */
async function openAdmin(): Promise<ViewerPage> {
  const v = await suite.openViewer(withQuery((await suite.viewerSession({ scopes: ['admin'] })).url, { tab: 'admin' }), { ready: false });
  await v.page.getByTestId('admin-settings').waitFor({ timeout: 15_000 });
  await v.page.getByTestId('tokens-table').waitFor();
  return v;
}

/**
 * Every string the page holds, through open shadow roots: text, attribute values and the
 * current `value` of form fields (which no attribute shows).
 */
function pageStrings(page: Page): Promise<string> {
  return page.evaluate(() => {
    const out: string[] = [];
    const walk = (root: Json) => {
      for (const el of root.querySelectorAll('*')) {
        for (const attr of el.attributes) out.push(attr.value);
        if (typeof el.value === 'string') out.push(el.value);
        if (el.shadowRoot) {
          out.push(el.shadowRoot.textContent ?? '');
          walk(el.shadowRoot);
        }
      }
    };
    out.push(document.documentElement.textContent ?? '');
    walk(document);
    return out.join('\n');
  });
}

describe('viewer admin: API tokens', () => {
  it('creates a token through the form: shown once, works with the scopes and restriction chosen, listed, revoked through the UI', async () => {
    // Arrange
    const v = await openAdmin();
    const { page } = v;
    const name = uid('ci-token');

    // Act: name, scopes events:read (checked by default) + events:write, restricted to project p_7
    await page.getByTestId('token-name').fill(name);
    await page.getByTestId('token-scope-events:write').check();
    expect(await page.getByTestId('token-scope-events:read').isChecked()).toBe(true);
    expect(await page.getByTestId('token-scope-admin').isChecked()).toBe(false);
    await page.getByTestId('token-restrict-project').fill('p_7');
    await page.getByTestId('token-create').click();

    // Assess: the value, once, read-only, with the warning
    const created = page.getByTestId('token-created');
    await created.waitFor();
    const valueField = page.getByTestId('token-value');
    await expect.poll(() => valueField.inputValue()).not.toBe('');
    const token = await valueField.inputValue();
    expect(await valueField.getAttribute('readonly')).not.toBeNull();
    expect(await valueField.isEditable()).toBe(false);
    expect(await created.innerText()).toContain(strings.tokenValueWarning);
    expect(await created.innerText()).toContain(name);

    // ... and it works against the API: its own scopes and restriction, reads limited to p_7
    const api = client(token);
    const me = await api.get('/v1/session');
    expect(me.status, me.text).toBe(200);
    expect(me.body).toMatchObject({ name, restrict: { project: 'p_7' } });
    expect([...me.body.scopes].sort()).toEqual(['events:read', 'events:write']);
    const read = await api.get('/v1/events', { limit: 100 });
    expect(read.status, read.text).toBe(200);
    expect(read.body.events.map((e: Json) => e.id)).toEqual(expected([...seed, oldSignIn], { project: 'p_7' }, seededAt));
    expect((await api.get('/v1/settings')).status, 'no admin scope').toBe(403);

    // Act: Done
    expect(await pageStrings(page), 'the search sees the value while it is shown').toContain(token);
    await page.getByTestId('token-done').click();

    // Assess: the value is nowhere in the page any more; the token is listed, active
    await created.waitFor({ state: 'detached' });
    expect(await pageStrings(page)).not.toContain(token);
    const row = page.locator(`[data-testid="token-row"][data-id="${me.body.tokenId}"]`);
    await row.waitFor();
    const rowText = await row.innerText();
    expect(rowText).toContain(name);
    expect(rowText).toMatch(/events:read/);
    expect(rowText).toMatch(/events:write/);
    expect(rowText).toContain('p_7');
    expect(rowText).toContain(strings.tokenActive);

    // Act: revoke it, in two clicks
    await row.getByTestId('token-revoke').click();
    expect(await (await api.get('/v1/session')).status, 'the first click only asks').toBe(200);
    await row.getByTestId('token-revoke-confirm').click();

    // Assess: shown revoked, and the API refuses it (after the 1 s auth caches of the test stack)
    await expect.poll(() => row.innerText()).toContain(strings.tokenRevoked);
    expect(await row.getByTestId('token-revoke').count()).toBe(0);
    expect(await page.getByTestId('token-status').innerText()).toBe(strings.tokenRevokedDone(name));
    // GET /v1/session checks the token afresh; other routes may answer from the authorizer's cache a moment longer.
    await expect.poll(async () => (await api.get('/v1/session')).status, { timeout: 10_000, interval: 200 }).toBe(401);
    await expect.poll(async () => (await api.get('/v1/events', { limit: 1 })).status, { timeout: 10_000, interval: 200 }).toBe(401);
    const listed = (await suite.tenant().admin.get('/v1/tokens')).body.tokens.find((t: Json) => t.id === me.body.tokenId);
    expect(listed?.revokedAt).toBeTruthy();
  });
});

describe('viewer admin: settings', () => {
  it('saves a valid retention; refuses one above the maximum beside the field and saves nothing', async () => {
    // Arrange
    const admin = suite.tenant().admin;
    const before = (await admin.get('/v1/settings')).body;
    const valid = before.retentionDays === 45 ? 46 : 45;
    const v = await openAdmin();
    const { page } = v;
    const input = page.getByTestId('retention-input');
    const status = page.getByTestId('settings-status');
    await expect.poll(() => input.inputValue()).toBe(String(before.retentionDays));

    // Act 1: a valid value
    await input.fill(String(valid));
    await page.getByTestId('settings-save').click();

    // Assess 1
    await expect.poll(() => status.innerText()).toBe(strings.settingsSaved);
    expect((await admin.get('/v1/settings')).body).toMatchObject({ retentionDays: valid, recording: before.recording });
    expect(await page.getByTestId('retention-error').count()).toBe(0);

    // Act 2: above the maximum (the form does not validate: the API says why)
    v.problems.allowed.push(/status of 400/);
    await input.fill(String(before.maxRetentionDays + 35));
    await page.getByTestId('settings-save').click();

    // Assess 2: the error beside the field, the field marked and focused, nothing saved
    const error = page.getByTestId('retention-error');
    await error.waitFor();
    expect(await error.innerText()).toContain(strings.retentionLabel);
    expect(await status.innerText()).toBe(strings.settingsInvalid);
    expect(await input.getAttribute('aria-invalid')).toBe('true');
    expect((await input.getAttribute('aria-describedby'))?.split(' ')).toContain('retention-error');
    expect(await input.evaluate((el: Json) => el.getRootNode().activeElement === el)).toBe(true);
    expect((await admin.get('/v1/settings')).body.retentionDays).toBe(valid);
  });

  it('switches a category\'s recording off: saved, and an event of that category POSTed afterwards is skipped', async () => {
    // Arrange
    const admin = suite.tenant().admin;
    const v = await openAdmin();
    const { page } = v;
    const box = page.getByTestId(`recording-${BILLING_CATEGORY}`);
    await box.waitFor();
    expect(await box.isChecked()).toBe(true);
    const kept = event({ id: uid('bill'), action: `${BILLING_CATEGORY}.charged` });
    expect((await admin.post('/v1/events', kept)).body, 'recorded before the switch').toMatchObject({ accepted: 1, skipped: 0 });

    // Act
    await box.uncheck();
    await page.getByTestId('settings-save').click();

    // Assess: saved, only that category off
    await expect.poll(() => page.getByTestId('settings-status').innerText()).toBe(strings.settingsSaved);
    const settings = (await admin.get('/v1/settings')).body;
    expect(settings.recording[BILLING_CATEGORY]).toBe(false);
    expect(Object.entries(settings.recording).filter(([, on]) => on === false).map(([c]) => c)).toEqual([BILLING_CATEGORY]);
    const skipped = event({ id: uid('bill'), action: `${BILLING_CATEGORY}.refunded` });
    const res = await admin.post('/v1/events', skipped);
    expect(res.status, res.text).toBe(201);
    expect(res.body).toMatchObject({ accepted: 0, skipped: 1 });
    expect((await admin.get(`/v1/events/${skipped.id}`)).status).toBe(404);
    expect((await admin.post('/v1/events', event({ id: uid('proj') }))).body, 'other categories still recorded').toMatchObject({ accepted: 1, skipped: 0 });

    // ... and a reload shows the switch off
    await page.reload();
    await page.getByTestId(`recording-${BILLING_CATEGORY}`).waitFor();
    expect(await page.getByTestId(`recording-${BILLING_CATEGORY}`).isChecked()).toBe(false);
  });
});

/** The access-log rows as `actorId:count:result`, sorted. */
async function groups(page: Page): Promise<string[]> {
  const rows = await page.getByTestId('access-row').evaluateAll((trs) => trs.map((tr: Json) => ({
    actor: tr.dataset.actor as string,
    cells: [...tr.querySelectorAll('td')].map((td: Json) => (td.innerText as string).trim()) as string[],
  })));
  return rows.map((r) => `${r.actor}:${r.cells[4]}:${r.cells[5]!.toLowerCase()}`).sort();
}

/** The `access.` parameters of the page's URL. */
function accessQuery(page: Page): Record<string, string> {
  return Object.fromEntries([...new URL(page.url()).searchParams].filter(([k]) => k.startsWith('access.')));
}

describe('viewer: access-log filters', () => {
  it('narrows the groups by user, date preset and result, keeps them in the URL under access., and after a reload', async () => {
    // Arrange: four groups — Ada 3x (IP1), Bob 1x, Bob failing 2x, Ada 3 days ago (IP2)
    const all = [`${ADA.id}:1:success`, `${ADA.id}:3:success`, `${BOB.id}:1:success`, `${BOB.id}:2:failure`].sort();
    const v = await suite.openViewer(withQuery((await suite.viewerSession()).url, { tab: 'access' }), { ready: false });
    const { page } = v;
    await expect.poll(() => groups(page), { timeout: 15_000 }).toEqual(all);
    expect(accessQuery(page)).toEqual({});

    // Act/Assess: the 24 h preset leaves out the sign-in of three days ago
    await page.getByTestId('access-filter-range').selectOption('24h');
    await expect.poll(() => groups(page)).toEqual(all.filter((g) => g !== `${ADA.id}:1:success`));
    expect(accessQuery(page)).toEqual({ 'access.range': '24h' });

    // ... the user: Bob's two groups
    await page.getByTestId('access-filter-actor').fill(BOB.id);
    await page.getByTestId('access-filter-actor').press('Enter');
    await expect.poll(() => groups(page)).toEqual([`${BOB.id}:1:success`, `${BOB.id}:2:failure`]);
    expect(accessQuery(page)).toEqual({ 'access.range': '24h', 'access.actor': BOB.id });

    // ... the result: Bob's failures only
    await page.getByTestId('access-filter-result').selectOption('failure');
    await expect.poll(() => groups(page)).toEqual([`${BOB.id}:2:failure`]);
    expect(accessQuery(page)).toEqual({ 'access.range': '24h', 'access.actor': BOB.id, 'access.result': 'failure' });
    expect(new URL(page.url()).searchParams.get('tab')).toBe('access');
    // The events filters are untouched by the access ones
    expect([...new URL(page.url()).searchParams.keys()].filter((k) => !k.startsWith('access.') && k !== 'tab')).toEqual([]);

    // Act: reload
    await page.reload();

    // Assess: same filters in the fields, same groups
    await expect.poll(() => groups(page), { timeout: 15_000 }).toEqual([`${BOB.id}:2:failure`]);
    expect(await page.getByTestId('access-filter-actor').inputValue()).toBe(BOB.id);
    expect(await page.getByTestId('access-filter-range').inputValue()).toBe('24h');
    expect(await page.getByTestId('access-filter-result').inputValue()).toBe('failure');
    expect(accessQuery(page)).toEqual({ 'access.range': '24h', 'access.actor': BOB.id, 'access.result': 'failure' });

    // ... and one filter alone from the URL: Ada's groups, the old one included
    const ada = await suite.openViewer(withQuery((await suite.viewerSession()).url, { tab: 'access', 'access.actor': ADA.id }), { ready: false });
    await expect.poll(() => groups(ada.page), { timeout: 15_000 }).toEqual([`${ADA.id}:1:success`, `${ADA.id}:3:success`]);
    expect(await ada.page.getByTestId('access-filter-actor').inputValue()).toBe(ADA.id);
  });
});

describe('viewer: live reconnect', () => {
  it('reconnects by itself after the stream drops and shows what was POSTed meanwhile, once', async () => {
    // Arrange: the stream's WebSocket goes through the test (so it can be dropped from the server
    // side), and the reconnect's ticket request waits until the event is POSTed, so that event
    // can only arrive by the catch-up.
    const project = 'p_reconnect';
    const v = await suite.openViewer(withQuery((await suite.viewerSession()).url, { project }));
    const { page } = v;
    const wsOrigin = new URL(local.websocket).origin;
    const sockets: WebSocketRoute[] = [];
    await page.routeWebSocket((url) => url.origin === wsOrigin, (ws) => {
      ws.connectToServer();
      sockets.push(ws);
    });
    let tickets = 0;
    let openGate!: () => void;
    const gate = new Promise<void>((resolve) => { openGate = resolve; });
    await page.route('**/v1/stream-tickets', async (route) => {
      if (++tickets > 1) await gate;
      await route.continue();
    });
    await page.getByTestId('live-toggle').click();
    const indicator = page.getByTestId('live-indicator');
    await expect.poll(() => indicator.getAttribute('data-state'), { timeout: 15_000 }).toBe('live');
    const before = event({ id: uid('before'), project });
    await ingest(suite.tenant().admin, [before]);
    await expect.poll(() => rowIds(page), { timeout: 15_000 }).toEqual([before.id]);

    // Act: the server drops the connection (as API Gateway does after 2 hours, or on a deploy)
    expect(sockets.length).toBe(1);
    await sockets[0]!.close({ code: 1001, reason: 'Going away' });
    await expect.poll(() => indicator.getAttribute('data-state'), { timeout: 10_000 }).toBe('reconnecting');
    expect(await indicator.innerText()).toBe(strings.liveState.reconnecting);
    const missed = event({ id: uid('missed'), project });
    await ingest(suite.tenant().admin, [missed]);
    await expect.poll(() => tickets, { timeout: 10_000 }).toBe(2); // the reconnect is waiting for its ticket
    openGate();

    // Assess: live again, the missed event caught up, once
    await expect.poll(() => indicator.getAttribute('data-state'), { timeout: 15_000 }).toBe('live');
    expect(sockets.length).toBe(2);
    await expect.poll(() => rowIds(page), { timeout: 10_000 }).toEqual([missed.id, before.id]);
    // ... and a later event arrives live on the new connection, still without a repeat
    const after = event({ id: uid('after'), project });
    await ingest(suite.tenant().admin, [after]);
    await expect.poll(() => rowIds(page), { timeout: 10_000 }).toEqual([after.id, missed.id, before.id]);
  });
});

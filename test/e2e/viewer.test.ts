/**
 * The web viewer in a real browser (Debian's Chromium through playwright-core, see ./browser.ts)
 * against the local stack: sign-in by a viewer-session URL, the page's security headers, every
 * filter alone and combined with the URL round trip, search, details with the before/after diff,
 * restricted and expired sessions, the admin tab by scope, the keyboard-only flow and a 360 px
 * screen. What each screen must show is computed from the seed (./viewer-data.ts), not read back
 * from the API under test. Every page fails its test on a console error, an uncaught exception or
 * a CSP violation.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { browserSuite, focused, HOST, rowIds, type ViewerPage, withQuery } from './browser.js';
import { call, client, ingest, local, type Json } from './helpers.js';
import { strings } from '../../viewer/src/strings.js';
import { buildSeed, expected, NEEDLE, toInput, type Seeded } from './viewer-data.js';

declare const document: Json;
declare const window: Json;
declare const localStorage: Json;
declare const location: Json;
declare function getComputedStyle(el: Json): Json;

const suite = browserSuite();
let seed: Seeded[];
let seededAt: number;
let seedIds: Set<string>;

beforeAll(async () => {
  seededAt = Date.now();
  seed = buildSeed(seededAt);
  seedIds = new Set(seed.map((e) => e.id));
  await ingest(suite.tenant().admin, seed.map(toInput));
});

/**
 * The rows, split into the seed's events (in order) and the others; the others may only be the
 * tenant's own audit trail (viewer sessions created by these tests), checked through the API.
 */
async function seededRows(v: ViewerPage): Promise<string[]> {
  const ids = await rowIds(v.page);
  const others = ids.filter((id) => !seedIds.has(id));
  for (const id of others) {
    const e = await suite.tenant().admin.get(`/v1/events/${encodeURIComponent(id)}`);
    expect(e.body?.action, `row ${id} is neither seeded nor the tenant's audit trail`).toMatch(/^audit_/);
  }
  return ids.filter((id) => seedIds.has(id));
}

/** Waits until the seeded rows are `ids` (auto-retrying). */
async function expectRows(v: ViewerPage, ids: readonly string[], message?: string): Promise<void> {
  await expect.poll(() => seededRows(v), { message, timeout: 10_000 }).toEqual(ids);
}

/** The page's URL query as an object (repeated keys joined with ','). */
function queryOf(v: ViewerPage): Record<string, string> {
  const params = new URL(v.page.url()).searchParams;
  const out: Record<string, string> = {};
  for (const key of new Set(params.keys())) out[key] = params.getAll(key).join(',');
  return out;
}

/**
 * Sets one filter through its control, the way a person does: a `<select>` gets the option of
 * that value, a text or date input is typed into and confirmed with Enter.
 */
async function setFilter(v: ViewerPage, testId: string, value: string): Promise<void> {
  const control = v.page.getByTestId(testId);
  const tag = await control.evaluate((el: Json) => el.tagName.toLowerCase());
  if (tag === 'select') {
    await control.selectOption(value);
  } else if (tag === 'input') {
    await control.fill(value);
    await control.press('Enter');
  } else {
    throw new Error(`${testId} is a <${tag}>: no way to set it`);
  }
}

/** `YYYY-MM-DDTHH:mm` of `ms` in UTC (the contexts of the custom-range test run in UTC). */
const localMinute = (ms: number) => new Date(ms).toISOString().slice(0, 16);

describe('viewer: sign-in and page', () => {
  it('serves the page and its files with the security headers a log viewer needs', async () => {
    // Act
    const page = await call('GET', '/viewer');
    const script = await call('GET', '/viewer/audit-log-viewer.js');

    // Assess
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/^text\/html/);
    const csp = page.headers.get('content-security-policy') ?? '';
    const directives = new Map(csp.split(';').map((d) => d.trim().split(/\s+/)).map(([name, ...values]) => [name!, values]));
    expect(directives.get('script-src'), csp).toBeDefined();
    expect(directives.get('script-src')).not.toContain("'unsafe-inline'");
    expect(directives.get('script-src')).not.toContain("'unsafe-eval'");
    expect(directives.get('frame-ancestors'), csp).toBeDefined();
    expect(page.headers.get('referrer-policy')).toBe('no-referrer');
    expect(page.headers.get('x-content-type-options')).toBe('nosniff');
    expect(page.text).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/); // no inline script
    expect(script.status).toBe(200);
    expect(script.headers.get('content-type')).toMatch(/^text\/javascript/);
    expect(script.headers.get('x-content-type-options')).toBe('nosniff');
  });

  it('signs in from the session URL, then keeps the token out of the address bar, history, storage and requests', async () => {
    // Arrange
    const session = await suite.viewerSession();

    // Act
    const v = await suite.openViewer(session.url);

    // Assess
    await expect.poll(() => rowIds(v.page)).not.toEqual([]);
    expect(await v.page.evaluate(() => location.hash)).toBe('');
    expect(v.page.url()).not.toContain(session.token);
    const address = v.page.url();
    await v.page.goBack(); // the entry before is the new tab's blank page, not the token URL
    expect(v.page.url()).toBe('about:blank');
    await v.page.goForward();
    expect(v.page.url()).toBe(address);
    expect(await v.page.evaluate(() => localStorage.length)).toBe(0);
    expect((await v.context.cookies()).length).toBe(0);
    expect(v.requests.filter((url) => url.includes(session.token))).toEqual([]);
    expect(v.requests.some((url) => url.startsWith(`${local.api}/v1/events`))).toBe(true);
  });

  it('lists the seeded events newest first', async () => {
    const v = await suite.openViewer(withQuery((await suite.viewerSession()).url, { range: '30d' }));
    await expectRows(v, expected(seed, { range: '30d' }, seededAt));
  });
});

describe('viewer: filters and search', () => {
  const cases: [testId: string, param: string, value: string][] = [
    ['filter-action', 'action', 'project.*'],
    ['filter-action', 'action', 'project.updated'],
    ['filter-category', 'category', 'auth'],
    ['filter-resourceType', 'resourceType', 'survey'],
    ['filter-actor', 'actor', 'u_bob'],
    ['filter-project', 'project', 'p_8'],
    ['filter-result', 'result', 'failure'],
    ['filter-severity', 'severity', 'warning'],
    ['filter-q', 'q', NEEDLE.toUpperCase()],
  ];

  it.each(cases)('%s = %s: the matching events, and the filter in the URL', async (testId, param, value) => {
    // Arrange
    const v = await suite.openViewer(withQuery((await suite.viewerSession()).url, { range: '30d' }));

    // Act
    await setFilter(v, testId, value);

    // Assess
    await expectRows(v, expected(seed, { range: '30d', [param]: value }, seededAt), `${param}=${value}`);
    expect(queryOf(v)).toMatchObject({ [param]: value });
    expect(await seededRows(v)).not.toEqual([]);
  });

  it('user: typing a name picks that actor (search as you type)', async () => {
    const v = await suite.openViewer(withQuery((await suite.viewerSession()).url, { range: '30d' }));
    await setFilter(v, 'filter-actor', 'Bob Stone');
    await expectRows(v, expected(seed, { range: '30d', actor: 'u_bob' }, seededAt));
    expect(queryOf(v)).toMatchObject({ actor: 'u_bob' });
  });

  it('range 7d: the week, not the 20-day-old event', async () => {
    const v = await suite.openViewer(withQuery((await suite.viewerSession()).url, { range: '30d' }));
    await setFilter(v, 'filter-range', '7d');
    const week = expected(seed, { range: '7d' }, seededAt);
    expect(week.length).toBe(seed.length - 1);
    await expectRows(v, week);
    expect(queryOf(v)).toMatchObject({ range: '7d' });
  });

  it('custom from/to: only the events between', async () => {
    // Arrange: times in UTC, so the date inputs' local time is UTC
    const v = await suite.openViewer(withQuery((await suite.viewerSession()).url, { range: '30d' }), { timezoneId: 'UTC' });
    const from = localMinute(seededAt - 65 * 60_000);
    const to = localMinute(seededAt - 15 * 60_000);

    // Act
    if (!(await v.page.getByTestId('filter-from').isVisible())) await setFilter(v, 'filter-range', 'custom');
    await setFilter(v, 'filter-from', from);
    await setFilter(v, 'filter-to', to);

    // Assess: events 20 to 60 minutes old
    const between = expected(seed, { from: `${from}:00.000Z`, to: `${to}:59.999Z` }, seededAt);
    expect(between.length).toBe(5);
    await expectRows(v, between);
    expect(Date.parse(queryOf(v).from!)).toBe(Date.parse(`${from}:00.000Z`));
    expect(queryOf(v).range).toBeUndefined();
  });

  it('combines filters, and the URL alone brings back the same rows', async () => {
    // Arrange
    const session = await suite.viewerSession();
    const v = await suite.openViewer(withQuery(session.url, { range: '30d' }));
    const filters = { range: '30d', project: 'p_7', category: 'project', result: 'success' };

    // Act
    await setFilter(v, 'filter-project', 'p_7');
    await setFilter(v, 'filter-category', 'project');
    await setFilter(v, 'filter-result', 'success');
    const want = expected(seed, filters, seededAt);
    await expectRows(v, want);
    const bookmarked = v.page.url();

    // Assess: a reload of the page URL (the tab keeps its session) shows the same rows
    expect(queryOf(v)).toMatchObject(filters);
    expect(want.length).toBe(4);
    await v.page.reload();
    await expectRows(v, want);
    expect(v.page.url()).toBe(bookmarked);

    // ... and so does the bookmark, opened by someone else signed in, with the same filter values
    const other = await suite.openViewer(`${bookmarked.split('#')[0]}#token=${encodeURIComponent((await suite.viewerSession()).token)}`);
    await expectRows(other, want);
    expect(await other.page.getByTestId('filter-project').inputValue()).toBe('p_7');
    expect(await other.page.getByTestId('filter-result').inputValue()).toBe('success');
  });

  it('says so when nothing matches', async () => {
    const v = await suite.openViewer(withQuery((await suite.viewerSession()).url, { range: '30d', q: 'no-such-thing-anywhere' }));
    await expect.poll(() => rowIds(v.page)).toEqual([]);
    await expect.poll(() => v.page.getByText(strings.eventsEmpty).isVisible()).toBe(true);
  });
});

describe('viewer: details', () => {
  it('opens an update on click: every field, and the before/after diff with the changed fields highlighted', async () => {
    // Arrange
    const update = seed.find((e) => e.changes?.after?.status === 'deployed')!;
    const v = await suite.openViewer(withQuery((await suite.viewerSession()).url, { range: '30d' }));

    // Act
    await v.page.locator(`[data-testid="event-row"][data-id="${update.id}"]`).click();

    // Assess
    const details = v.page.getByTestId('event-details');
    await details.waitFor();
    const text = await details.innerText();
    for (const fragment of [update.id, 'project.updated', 'Ada Lovelace', 'ada@example.com', 'Household survey', 'p_7', '203.0.113.7', 'Firefox', 'Ubuntu']) {
      expect(text, `details show ${fragment}`).toContain(fragment);
    }
    const diff = details.getByTestId('diff');
    const diffText = await diff.innerText();
    for (const value of ['draft', 'deployed', 'Household survey 2026']) expect(diffText).toContain(value);
    const marks = await changedMarks(diff);
    expect(marks.changed.sort()).toEqual(['status', 'title']); // owner did not change: not shown, or shown plain
    expect(marks.unchanged).not.toContain('status');
  });
});

/**
 * Which keys of the diff are shown, and which of them are highlighted: the row naming the key
 * (`tr`, `[role=row]` or `li`) is marked (`data-changed`, a changed/added/removed class,
 * `<ins>`/`<del>`/`<mark>`) and one of its cells has a background of its own (what the eye sees).
 */
async function changedMarks(diff: ReturnType<ViewerPage['page']['getByTestId']>): Promise<{ changed: string[]; unchanged: string[] }> {
  return diff.evaluate((root: Json, keys: string[]) => {
    const changed: string[] = [];
    const unchanged: string[] = [];
    const transparent = (el: Json) => ['rgba(0, 0, 0, 0)', 'transparent'].includes(getComputedStyle(el).backgroundColor);
    const rootBg = getComputedStyle(root).backgroundColor;
    for (const keyEl of [...root.querySelectorAll('*')].filter((el: Json) => keys.includes(el.textContent.trim()))) {
      const key = keyEl.textContent.trim();
      const row = keyEl.closest('tr, [role="row"], li') ?? keyEl.parentElement;
      const marked = row.matches('[data-changed], .changed, .added, .removed') || row.querySelector('ins, del, mark, [data-changed], .changed, .added, .removed') !== null;
      const coloured = [row, ...row.querySelectorAll('*')].some((el: Json) => !transparent(el) && getComputedStyle(el).backgroundColor !== rootBg);
      (marked && coloured ? changed : unchanged).push(key);
    }
    return { changed: [...new Set(changed)], unchanged: [...new Set(unchanged)] };
  }, ['title', 'status', 'owner']);
}

describe('viewer: sessions and scopes', () => {
  it('a session restricted to a project shows that project only', async () => {
    const v = await suite.openViewer(withQuery((await suite.viewerSession({ restrict: { project: 'p_7' } })).url, { range: '30d' }));
    const p7 = expected(seed, { range: '30d', project: 'p_7' }, seededAt);
    expect(p7.length).toBeGreaterThan(3);
    await expect.poll(() => rowIds(v.page)).toEqual(p7); // nothing else, not even the audit trail
  });

  it('says the session has ended when its time is up, on time, without waiting for a request to fail', async () => {
    // Arrange: a page whose clock the test moves (timers and Date), signed in with a 60 s session
    const session = await suite.viewerSession({ ttlSeconds: 60 });
    const context = await suite.browser().newContext();
    const page = await context.newPage();
    try {
      await page.clock.install();
      await page.goto(session.url);
      await page.locator('audit-log-viewer[data-ready="events"]').waitFor({ timeout: 15_000 });
      expect(await page.getByTestId('session-expired').count()).toBe(0);

      // Act: a minute and a bit later, with no request made meanwhile
      await page.clock.fastForward('01:01');

      // Assess
      await page.getByTestId('session-expired').waitFor({ timeout: 5_000 });
      expect(await page.getByTestId('event-row').count()).toBe(0);
    } finally {
      await context.close();
    }
  });

  it('says plainly that the session ended once its token is revoked', async () => {
    // Arrange
    const session = await suite.viewerSession({ ttlSeconds: 60 });
    const v = await suite.openViewer(session.url);
    const me = await client(session.token).get('/v1/session');
    expect(me.status, me.text).toBe(200);

    // Act: revoke, wait until the API refuses it (1 s caches in tests), then ask for more data
    expect((await suite.tenant().admin.del(`/v1/tokens/${me.body.tokenId}`)).status).toBe(200);
    await expect.poll(async () => (await client(session.token).get('/v1/events', { limit: 1 })).status, { timeout: 10_000 }).toBe(401);
    v.problems.allowed.push(/status of 401/);
    await v.page.getByTestId('tab-access').click();

    // Assess
    const expired = v.page.getByTestId('session-expired');
    await expired.waitFor({ timeout: 10_000 });
    expect(await expired.innerText()).toMatch(/session|expired|sign/i);
    expect(await v.page.getByTestId('event-row').count()).toBe(0);
  });

  it('hides the admin screens from a read-only session', async () => {
    // Even when the URL asks for the admin tab
    const v = await suite.openViewer(withQuery((await suite.viewerSession({ scopes: ['events:read'] })).url, { tab: 'admin' }), { ready: false });
    await expect.poll(() => v.page.getByTestId('tab-events').isVisible()).toBe(true);
    expect(await v.page.getByTestId('tab-admin').count()).toBe(0);
    expect(await v.page.getByTestId('admin-settings').count()).toBe(0);
    expect(v.requests.filter((url) => /\/v1\/(settings|tokens)/.test(url))).toEqual([]);
  });

  it('shows the admin screens to an admin session: settings as stored, tokens listed', async () => {
    // Arrange
    const settings = await suite.tenant().admin.get('/v1/settings');
    const tokens = await suite.tenant().admin.get('/v1/tokens');
    const v = await suite.openViewer((await suite.viewerSession({ scopes: ['admin'] })).url);

    // Act
    await v.page.getByTestId('tab-admin').click();

    // Assess
    await v.page.getByTestId('admin-settings').waitFor();
    await expect.poll(() => v.page.getByTestId('retention-input').inputValue()).toBe(String(settings.body.retentionDays));
    await expect.poll(() => v.page.getByTestId('token-row').count()).toBeGreaterThanOrEqual(tokens.body.tokens.filter((t: Json) => !t.revokedAt).length);
    expect(queryOf(v)).toMatchObject({ tab: 'admin' });
  });
});

describe('viewer: keyboard and small screens', () => {
  it('works with the keyboard alone: Tab to a row, Enter opens its details, Escape closes them', async () => {
    // Arrange
    const v = await suite.openViewer(withQuery((await suite.viewerSession()).url, { range: '30d' }));

    // Act: Tab until a row has the focus
    let at = await focused(v.page);
    for (let i = 0; i < 80 && at?.testId !== 'event-row'; i++) {
      await v.page.keyboard.press('Tab');
      at = await focused(v.page);
    }
    expect(at?.testId, 'a row is reachable with Tab').toBe('event-row');
    await v.page.keyboard.press('Enter');

    // Assess
    const details = v.page.getByTestId('event-details');
    await details.waitFor();
    expect(await details.innerText()).toContain(at!.id!);
    await v.page.keyboard.press('Escape');
    await details.waitFor({ state: 'hidden' });
    expect((await focused(v.page))?.id, 'the focus returns to the row').toBe(at!.id);
  });

  it('fits a 360 px wide screen without scrolling the page sideways', async () => {
    const v = await suite.openViewer((await suite.viewerSession()).url, { viewport: { width: 360, height: 740 }, isMobile: true, hasTouch: true });
    await expect.poll(() => rowIds(v.page)).not.toEqual([]);
    const widths = await v.page.evaluate(() => ({ doc: document.documentElement.scrollWidth, view: window.innerWidth, host: document.querySelector('audit-log-viewer').getBoundingClientRect().width }));
    expect(widths.doc, JSON.stringify(widths)).toBeLessThanOrEqual(widths.view);
    expect(widths.host).toBeLessThanOrEqual(360);
  });

  it('greets a standalone visit without a token with the token form', async () => {
    const v = await suite.openViewer(`${local.api}/viewer`, { ready: false });
    await v.page.getByTestId('token-form').waitFor();
    expect(await v.page.locator(`${HOST}[data-ready="events"]`).count()).toBe(0);
  });
});

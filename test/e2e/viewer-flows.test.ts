/**
 * The viewer's longer flows in a real browser against the local stack: access logs grouped
 * with their counts, an export from the modal through to the downloaded CSV (and its mail), and
 * live updates receiving events POSTed meanwhile without moving what the reader looks at.
 */
import { parse } from 'csv-parse/sync';
import { beforeAll, describe, expect, it } from 'vitest';
import { browserSuite, rowIds, withQuery, type ViewerPage } from './browser.js';
import { event, ingest, local, MINUTE, type Json, uid } from './helpers.js';
import { strings } from '../../viewer/src/strings.js';
import { ADA, BOB, buildSeed, expected, IP1, IP2, toInput, type Seeded } from './viewer-data.js';


const suite = browserSuite();
let seed: Seeded[];
let seededAt: number;

beforeAll(async () => {
  seededAt = Date.now();
  seed = buildSeed(seededAt);
  await ingest(suite.tenant().admin, seed.map(toInput));
});

/** Mails the SES emulator holds for `to`. */
async function mailsTo(to: string): Promise<Json[]> {
  const store = (await (await fetch(local.mailbox!)).json()) as { emails: Json[] };
  return store.emails.filter((m) => m.destination.to.includes(to));
}

describe('viewer: access logs', () => {
  it('groups the sign-ins: who, IP, device and browser, how many, result', async () => {
    // Arrange
    const v = await suite.openViewer((await suite.viewerSession()).url);

    // Act
    await v.page.getByTestId('tab-access').click();

    // Assess: Ada 3 x from IP1 with Firefox on Ubuntu; Bob once from IP2; Bob failing twice from IP2
    const rows = v.page.getByTestId('access-row');
    await expect.poll(() => rows.count()).toBe(3);
    const texts = await rows.allInnerTexts();
    const ada = texts.find((t) => t.includes(ADA.name))!;
    expect(ada, texts.join('\n---\n')).toBeDefined();
    expect(ada).toContain(IP1);
    expect(ada).toMatch(/Firefox/);
    expect(ada).toMatch(/Ubuntu/);
    expect(countOf(ada), ada).toBe(3);
    const bob = texts.filter((t) => t.includes(BOB.name));
    expect(bob.length).toBe(2);
    const failed = bob.find((t) => /failure/i.test(t))!;
    expect(failed, bob.join('\n---\n')).toBeDefined();
    expect(failed).toContain(IP2);
    expect(countOf(failed), failed).toBe(2);
    expect(countOf(bob.find((t) => t !== failed)!)).toBe(1);
    expect(new URL(v.page.url()).searchParams.get('tab')).toBe('access');
  });
});

/** The sign-in count of an access-log row's text: the cell that is a bare number. */
function countOf(rowText: string): number | undefined {
  const cells = rowText.split(/\t|\n/).map((c) => c.trim()).filter((c) => /^\d+$/.test(c));
  return cells.length === 1 ? Number(cells[0]) : undefined;
}

describe('viewer: export', () => {
  it('exports the filtered events: the modal says it started and mails, shows progress, then a download of the right CSV', async () => {
    // Arrange
    const email = `${uid('exp')}@example.com`;
    const filters = { range: '30d', project: 'p_7' };
    const want = expected(seed, filters, seededAt);
    const v = await suite.openViewer(withQuery((await suite.viewerSession({ scopes: ['events:read', 'exports:write'] })).url, filters));
    await expect.poll(() => rowIds(v.page)).toEqual(want);

    // Act
    await v.page.getByRole('button', { name: 'Export', exact: true }).click();
    const dialog = v.page.getByTestId('export-dialog');
    await dialog.waitFor();
    await v.page.getByTestId('export-email').fill(email);
    await v.page.getByTestId('export-start').click();

    // Assess: started, mail announced, progress, the download
    await expect.poll(() => v.page.getByTestId('export-status').innerText()).toMatch(/\S/);
    expect(await dialog.innerText()).toMatch(/email|e-mail/i);
    const download = v.page.getByTestId('export-download');
    await download.waitFor({ timeout: 30_000 });
    await expect.poll(() => v.page.getByTestId('export-rows').innerText()).toContain(String(want.length));
    const href = await download.getAttribute('href');
    expect(href).toMatch(/^https?:\/\//);
    const res = await fetch(href!);
    expect(res.status).toBe(200);
    const csv = await res.text();
    const records = parse(csv, { bom: true, columns: true }) as Json[];
    expect(Object.keys(records[0] ?? {}).slice(0, 3)).toEqual(['id', 'occurredAt', 'receivedAt']);
    expect(records.length).toBe(want.length);
    expect(records.map((r) => r.id).sort()).toEqual([...want].sort());
    await expect.poll(async () => (await mailsTo(email)).length, { timeout: 10_000 }).toBe(1);

    // ... and the exports tab lists it
    await v.page.keyboard.press('Escape');
    await v.page.getByTestId('tab-exports').click();
    await expect.poll(() => v.page.getByTestId('export-row').count()).toBeGreaterThanOrEqual(1);
    expect(await v.page.getByTestId('export-row').first().innerText()).toMatch(new RegExp(`${email}|${want.length}`));
  });
});

/** Where `id`'s row is on screen (px from the viewport's top). */
function rowTop(v: ViewerPage, id: string): Promise<number> {
  return v.page.locator(`[data-testid="event-row"][data-id="${id}"]`).evaluate((el: Json) => el.getBoundingClientRect().top);
}

describe('viewer: live updates', () => {
  it('shows an event POSTed meanwhile at the top, and keeps the rows the reader looks at in place', async () => {
    // Arrange: 60 more events so the list scrolls; live on
    const filler = Array.from({ length: 60 }, (_, i) => event({ id: uid('fill'), project: 'p_live', occurredAt: new Date(seededAt - (200 + i) * MINUTE).toISOString() }));
    await ingest(suite.tenant().admin, filler);
    const v = await suite.openViewer(withQuery((await suite.viewerSession()).url, { project: 'p_live' }), { viewport: { width: 1280, height: 700 } });
    await expect.poll(() => rowIds(v.page).then((ids) => ids.length)).toBe(50);
    const sockets: { url: string; closed: boolean }[] = [];
    v.page.on('websocket', (ws) => {
      const s = { url: ws.url(), closed: false };
      sockets.push(s);
      ws.on('close', () => { s.closed = true; });
    });
    await v.page.getByTestId('live-toggle').click();
    const indicator = v.page.getByTestId('live-indicator');
    await expect.poll(() => indicator.getAttribute('data-state'), { timeout: 15_000 }).toBe('live');
    expect(await indicator.innerText()).toBe(strings.liveState.live);

    // Act 1: an event arrives while the list is at the top
    const first = event({ id: uid('live'), project: 'p_live' });
    await ingest(suite.tenant().admin, [first]);

    // Assess 1
    await expect.poll(() => rowIds(v.page).then((ids) => ids[0]), { timeout: 15_000 }).toBe(first.id);

    // Act 2: the reader scrolled down to the 30th row; another event arrives
    const reading = (await rowIds(v.page))[30]!;
    await v.page.locator(`[data-testid="event-row"][data-id="${reading}"]`).evaluate((el: Json) => el.scrollIntoView({ block: 'center' }));
    const topBefore = await rowTop(v, reading);
    const second = event({ id: uid('live'), project: 'p_live' });
    await ingest(suite.tenant().admin, [second]);

    // Assess 2: it slid in at the top, and the row being read has not moved on screen
    await expect.poll(() => rowIds(v.page).then((ids) => ids[0]), { timeout: 15_000 }).toBe(second.id);
    expect(Math.abs((await rowTop(v, reading)) - topBefore), 'the row being read stays in place').toBeLessThanOrEqual(2);

    // Act 3: off; the indicator goes and the stream's connection closes
    expect(sockets.map((s) => new URL(s.url).origin)).toEqual([new URL(local.websocket).origin]);
    await v.page.getByTestId('live-toggle').click();
    await expect.poll(async () => (await indicator.count()) === 0 || (await indicator.getAttribute('data-state')) === 'off').toBe(true);
    await expect.poll(() => sockets.every((s) => s.closed)).toBe(true);
  });
});

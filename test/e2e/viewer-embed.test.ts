/**
 * The viewer as a web component in someone else's page: a host app on another origin loads
 * `<api>/viewer/audit-log-viewer.js` and mounts `<audit-log-viewer api token url-state="off">`.
 * It lists the tenant's events (the API answers CORS), its filters work without touching the
 * host's URL (`url-state="off"`), and the host's aggressive CSS does not reach inside.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { browserSuite, rowIds } from './browser.js';
import { event, ingest, local, uid, type Json } from './helpers.js';

const suite = browserSuite();
let inProject: string;
/** The host app: a server of its own on another port, i.e. another origin than the API's (both on loopback, as Chromium's local network rules want). */
let hostApp: Server;
let hostPage = '';
let hostUrl: string;

beforeAll(async () => {
  inProject = uid('embed');
  await ingest(suite.tenant().admin, [event({ id: inProject, project: 'p_embed' }), event({ id: uid('other'), project: 'p_other' })]);
  hostApp = createServer((_req, res) => res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(hostPage));
  await new Promise<void>((resolve) => hostApp.listen(0, '127.0.0.1', resolve));
  hostUrl = `http://127.0.0.1:${(hostApp.address() as AddressInfo).port}/projects/7?view=history#audit`;
});

afterAll(() => new Promise<void>((resolve) => hostApp.close(() => resolve())));

describe('viewer: embedded in a host page', () => {
  it('works as a web component on another origin, keeps its state out of the host URL and the host CSS out', async () => {
    // Arrange: a host page with CSS that would wreck anything it reached
    const session = await suite.viewerSession({ scopes: ['events:read'] });
    const context = await suite.browser().newContext({ viewport: { width: 1280, height: 800 } });
    const problems: string[] = [];
    hostPage = `<!doctype html><html lang="en"><head><title>Host app</title>
        <style>* { color: rgb(255, 0, 0) !important; font-family: serif !important; } div, button { display: none !important; }</style>
        <script type="module" src="${local.api}/viewer/audit-log-viewer.js"></script></head>
        <body><h1>Project 7</h1><audit-log-viewer api="${local.api}" token="${session.token}" url-state="off"></audit-log-viewer></body></html>`;
    const page = await context.newPage();
    page.on('console', (m) => { if (m.type() === 'error') problems.push(m.text()); });
    page.on('pageerror', (e) => problems.push(e.message));

    try {
      // Act
      await page.goto(hostUrl);
      await page.locator('audit-log-viewer[data-ready="events"]').waitFor({ timeout: 15_000 }).catch((e) => { throw new Error(`${e.message}; page problems: ${problems.join(' | ')}`); });
      const all = await rowIds(page);
      const project = page.getByTestId('filter-project');
      await project.fill('p_embed');
      await project.press('Enter');

      // Assess
      expect(all).toContain(inProject);
      await expect.poll(() => rowIds(page)).toEqual([inProject]);
      expect(page.url()).toBe(hostUrl);
      const row = page.getByTestId('event-row').first();
      expect(await row.isVisible()).toBe(true);
      expect(await row.evaluate((el: Json) => (globalThis as Json).getComputedStyle(el).color)).not.toBe('rgb(255, 0, 0)');
      expect(await page.locator('h1').first().evaluate((el: Json) => (globalThis as Json).getComputedStyle(el).color)).toBe('rgb(255, 0, 0)'); // the host's own page is as it styled it
      expect(problems).toEqual([]);
    } finally {
      await context.close();
    }
  });
});

/**
 * The browser harness of the viewer's end-to-end tests: Debian's Chromium (`chromium-headless-shell`
 * from apt, or `CHROMIUM_PATH`) driven by playwright-core, never a downloaded browser.
 *
 * {@link browserSuite} registers the hooks of one test file: one browser for the whole file, a
 * fresh tenant with an admin client, a new browser context per page opened (so storage, history
 * and cookies never leak between tests), and after each test the contexts are closed and the test
 * fails if a page logged a console error, threw, or broke its Content Security Policy (the
 * `securitypolicyviolation` events are forwarded to the console by an init script, which runs
 * outside the page's CSP).
 *
 * Helpers: {@link BrowserSuite.viewerSession} (POST /v1/viewer-sessions in the file's tenant),
 * {@link BrowserSuite.openViewer}, {@link screenshot} (test/e2e/screenshots/, ignored by git so a
 * reviewer can look at the screens of the last run) and {@link axeScan} (axe-core over the page,
 * shadow roots included).
 */
import { mkdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type BrowserContext, type BrowserContextOptions, type Locator, type Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, expect } from 'vitest';
import { adminOfNewTenant, type Client, type Json, local, type Scope } from './helpers.js';

// The callbacks given to page.evaluate run in the page; the test project compiles without the DOM library.
declare const document: Json;
declare const window: Json;

/** The Chromium the tests drive: `CHROMIUM_PATH`, else Debian's chromium-headless-shell. */
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH || '/usr/bin/chromium-headless-shell';

/** Where {@link screenshot} writes (ignored by git). */
export const SCREENSHOTS = join(dirname(fileURLToPath(import.meta.url)), 'screenshots');

/** Launches the browser (one per test file). */
export function launchBrowser(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM_PATH, args: ['--no-sandbox'] });
}

/** The host element the viewer mounts. */
export const HOST = 'audit-log-viewer';

/** What a page did wrong: console errors, uncaught exceptions, CSP violations, in order. */
export interface PageProblems {
  readonly list: string[];
  /** Problems matching one of these are expected by the test (e.g. the 401 of a revoked token). */
  readonly allowed: RegExp[];
}

/** Forwards CSP violations to the console (runs before the page's scripts, not subject to its CSP). */
const REPORT_CSP_VIOLATIONS = `document.addEventListener('securitypolicyviolation', (e) => {
  console.error('CSP violation: ' + e.violatedDirective + ' blocked ' + (e.blockedURI || '(inline)') + ' at ' + e.sourceFile + ':' + e.lineNumber);
}, true);`;

/** A viewer page of its own context. */
export interface ViewerPage {
  readonly page: Page;
  readonly context: BrowserContext;
  readonly problems: PageProblems;
  /** Every URL the page requested. */
  readonly requests: string[];
  /** The host element. */
  readonly host: Locator;
}

/** Options of {@link BrowserSuite.viewerSession}, the body of POST /v1/viewer-sessions. */
export interface ViewerSessionOptions {
  readonly viewer?: { id: string; name?: string; email?: string };
  readonly scopes?: readonly Scope[];
  readonly restrict?: Record<string, string>;
  readonly ttlSeconds?: number;
}

/** A viewer session: its token, the URL handing it to the viewer, its expiry. */
export interface ViewerSession {
  readonly token: string;
  readonly url: string;
  readonly expiresAt: string;
}

/** Options of {@link BrowserSuite.openViewer}. */
export interface OpenOptions extends BrowserContextOptions {
  /** Wait until the first events page rendered (`data-ready="events"`). @default true */
  readonly ready?: boolean;
}

/** The hooks and helpers of one test file. */
export interface BrowserSuite {
  /** The file's browser (after beforeAll). */
  browser(): Browser;
  /** The file's tenant and its admin client (after beforeAll). */
  tenant(): { tenant: string; admin: Client; tokenId: string };
  viewerSession(opts?: ViewerSessionOptions): Promise<ViewerSession>;
  openViewer(url: string, opts?: OpenOptions): Promise<ViewerPage>;
}

/** The default viewer of sessions. */
export const ADA_VIEWER = { id: 'u_1', name: 'Ada', email: 'ada@example.com' } as const;

/**
 * Registers the file's hooks (call at the top of the file or of its describe): the browser and a
 * tenant in beforeAll, contexts closed and page problems asserted after each test.
 */
export function browserSuite(): BrowserSuite {
  let browser: Browser | undefined;
  let tenant: Awaited<ReturnType<typeof adminOfNewTenant>> | undefined;
  const open: ViewerPage[] = [];

  beforeAll(async () => {
    [browser, tenant] = await Promise.all([launchBrowser(), adminOfNewTenant()]);
  });
  afterAll(async () => {
    await browser?.close();
  });
  afterEach(async () => {
    const pages = open.splice(0);
    await Promise.all(pages.map((p) => p.context.close()));
    const unexpected = pages.flatMap((p) => p.problems.list.filter((line) => !p.problems.allowed.some((re) => re.test(line))));
    expect(unexpected, 'console errors, uncaught exceptions or CSP violations in the page').toEqual([]);
  });

  const suite: BrowserSuite = {
    browser: () => browser ?? (() => { throw new Error('browserSuite: browser used before beforeAll'); })(),
    tenant: () => tenant ?? (() => { throw new Error('browserSuite: tenant used before beforeAll'); })(),

    async viewerSession(opts = {}) {
      const body = {
        viewer: opts.viewer ?? ADA_VIEWER,
        scopes: opts.scopes ?? ['events:read', 'exports:write'],
        ...(opts.restrict ? { restrict: opts.restrict } : {}),
        ...(opts.ttlSeconds ? { ttlSeconds: opts.ttlSeconds } : {}),
      };
      const res = await suite.tenant().admin.post('/v1/viewer-sessions', body);
      expect(res.status, `POST /v1/viewer-sessions: ${res.text}`).toBe(201);
      expect(res.body.url).toBe(`${local.api}/viewer#token=${res.body.token}`);
      return { token: res.body.token, url: res.body.url, expiresAt: res.body.expiresAt };
    },

    async openViewer(url, opts = {}) {
      const { ready = true, ...contextOptions } = opts;
      const context = await suite.browser().newContext({ viewport: { width: 1280, height: 800 }, ...contextOptions });
      await context.addInitScript(REPORT_CSP_VIOLATIONS);
      const page = await context.newPage();
      const problems: PageProblems = { list: [], allowed: [] };
      const requests: string[] = [];
      page.on('console', (msg) => {
        if (msg.type() === 'error') problems.list.push(`console: ${msg.text()} (${msg.location().url})`);
      });
      page.on('pageerror', (err) => problems.list.push(`uncaught: ${err.message}`));
      page.on('request', (req) => requests.push(req.url()));
      const viewer: ViewerPage = { page, context, problems, requests, host: page.locator(HOST) };
      open.push(viewer);
      await page.goto(url);
      if (ready) await waitReady(viewer);
      return viewer;
    },
  };
  return suite;
}

/** A viewer-session URL with `query` (filters, tab) put before its `#token=` fragment. */
export function withQuery(url: string, query: Record<string, string>): string {
  const [page, fragment] = url.split('#');
  return `${page}?${new URLSearchParams(query)}#${fragment}`;
}

/** Waits until the viewer rendered its first events page. */
export async function waitReady(v: ViewerPage, timeout = 15_000): Promise<void> {
  await v.page.locator(`${HOST}[data-ready="events"]`).waitFor({ timeout });
}

/** The `data-id`s of the event rows, top to bottom. */
export function rowIds(page: Page): Promise<string[]> {
  return page.getByTestId('event-row').evaluateAll((rows) => rows.map((r) => (r as Json).dataset.id as string));
}

/**
 * Writes a screenshot to test/e2e/screenshots/<name>.png: the whole page by default; `fullPage:
 * false` for what the viewport shows (a modal dialog, which a full-page capture would centre in
 * a page-tall viewport).
 */
export async function screenshot(page: Page, name: string, opts: { fullPage?: boolean } = {}): Promise<string> {
  mkdirSync(SCREENSHOTS, { recursive: true });
  const path = join(SCREENSHOTS, `${name}.png`);
  await page.screenshot({ path, fullPage: opts.fullPage ?? true, animations: 'disabled' });
  return path;
}

let axeSource: string | undefined;

/** One axe-core violation, trimmed to what a failure message needs. */
export interface AxeViolation {
  readonly id: string;
  readonly impact: string;
  readonly help: string;
  readonly targets: string[];
}

/**
 * Runs axe-core (WCAG 2 A/AA rules and best practices) over the whole page, open shadow roots
 * included, and returns the serious and critical violations. axe is evaluated through the
 * DevTools protocol (`page.evaluate`), which the page's CSP does not govern, so no
 * `bypassCSP` and no inline script tag are needed.
 */
export async function axeScan(page: Page): Promise<AxeViolation[]> {
  axeSource ??= readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');
  const loaded = await page.evaluate('typeof window.axe');
  if (loaded !== 'object') await page.evaluate(axeSource);
  const violations = await page.evaluate(async () => {
    const result = await window.axe.run(document, { resultTypes: ['violations'] });
    // The shadow DOM was reached: axe saw the events table's rows (or the screen's own table) inside the viewer.
    if (!result.passes.some((p: Json) => p.nodes.some((n: Json) => Array.isArray(n.target[0])))) throw new Error('axe-core checked nothing inside the shadow DOM');
    return result.violations.map((v: Json) => ({
      id: v.id, impact: v.impact, help: v.help,
      targets: v.nodes.slice(0, 5).map((n: Json) => `${JSON.stringify(n.target)}: ${n.failureSummary?.split('\n').slice(0, 2).join(' ')}`),
    }));
  }) as AxeViolation[];
  return violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
}

/** The element that has the focus, through shadow roots: its test id, data-id, tag and role. */
export function focused(page: Page): Promise<{ testId?: string; id?: string; tag: string; role?: string } | null> {
  return page.evaluate(() => {
    let el = document.activeElement;
    while (el?.shadowRoot?.activeElement) el = el.shadowRoot.activeElement;
    if (!el || el === document.body) return null;
    return { testId: el.dataset?.testid, id: el.dataset?.id, tag: el.tagName.toLowerCase(), role: el.getAttribute('role') ?? undefined };
  });
}

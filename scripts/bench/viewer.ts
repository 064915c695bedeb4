/**
 * The web viewer's figures (issue 9), measured in Debian's Chromium (`chromium-headless-shell`,
 * or `CHROMIUM_PATH`) driven by playwright-core, against a local stack of its own in this process.
 *
 * - V1 bundle: the viewer built by `buildViewer()` (viewer/build.ts, as the stack bundles it):
 *   the script and the stylesheet, raw and gzipped (level 9, as the serving function compresses),
 *   against 60 KB gzip for JS + CSS together.
 * - V2 time to first page: 100,000 events in one tenant (loaded with raw BatchWriteItem like the
 *   P2 figures, over the last 30 days), then 10 loads of each page, interleaved, each in a fresh
 *   browser context (cold HTTP cache, new connections): the viewer signed in by a viewer-session
 *   URL, from navigation start to its first 50 rows (`performance.mark('alv:first-rows')`, else
 *   the host's `data-ready="events"` seen by a MutationObserver installed before the page runs),
 *   and a baseline: a minimal static page without framework, served from the same origin (the
 *   browser answers its URL under the API's origin through `page.route`), that fetches the very
 *   `GET /v1/events` request the viewer made first and writes 50 table rows with plain DOM calls,
 *   marking the same moment. The API call's own time (Resource Timing) is printed beside both,
 *   and the requests of the median load of each. For information, a third page: the baseline
 *   served with the viewer page's response headers except its CSP (COOP and the like).
 * - V3 live burst: the viewer with live updates on while 200 events/s are POSTed for
 *   `--viewer-burst-seconds` (default 30; 10 POSTs of 20 per second, paced); a `longtask`
 *   PerformanceObserver in the page reports the longest task (target: none over 200 ms); the
 *   events that reached the page (WebSocket frames seen by the browser) and the rows it shows.
 *
 * Used by `npm run bench -- --only viewer` ({@link benchViewer}).
 */
import { gzipSync } from 'node:zlib';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { buildViewer, VIEWER_FILES } from '../../viewer/build.js';
import { localTableAdapters } from '../../local/adapters.js';
import { startLocal } from '../../local/runner.js';
import { api, expectStatus } from './clients.js';
import { ingestSetup } from './ingest.js';
import { loadTenant } from './query.js';
import { line, median, ms, note, num, quantile, section, verdict } from './report.js';
import { eventSource, population } from './workload.js';

// Page-side callbacks are compiled without the DOM library.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
declare const document: any;
// eslint-disable-next-line @typescript-eslint/no-explicit-any
declare const performance: any;
// eslint-disable-next-line @typescript-eslint/no-explicit-any
declare const window: any;

/** Targets of the issue. */
export const VIEWER_TARGETS = { bundleGzipBytes: 60 * 1024, firstPageRatio: 1.5, longestTaskMs: 200 } as const;

const CHROMIUM_PATH = process.env.CHROMIUM_PATH || '/usr/bin/chromium-headless-shell';
const MARK = 'alv:first-rows';
const LOADS = 10;

/** Options of {@link benchViewer}. */
export interface ViewerBenchOptions {
  /** Events loaded into the tenant the pages read. @default 100000 */
  readonly events?: number;
  /** Duration of the live burst (s). @default 30 */
  readonly burstSeconds?: number;
  /** Events per second of the burst. @default 200 */
  readonly burstRate?: number;
}

/** `--viewer-burst-seconds N` (5..600), else `fallback`. */
export function viewerBurstSecondsOption(argv: readonly string[], fallback = 30): number {
  const i = argv.indexOf('--viewer-burst-seconds');
  if (i < 0) return fallback;
  const value = Number(argv[i + 1]);
  if (!Number.isInteger(value) || value < 5 || value > 600) throw new Error('--viewer-burst-seconds must be an integer in 5..600');
  return value;
}

const kb = (bytes: number) => `${(bytes / 1024).toFixed(1)} KB`;

/** V1: the built files, raw and gzipped. */
export async function benchBundle(): Promise<{ gzipBytes: number }> {
  section('V1 viewer bundle: buildViewer() (viewer/build.ts), gzip level 9 as served');
  const files = await buildViewer();
  let gz = 0;
  let raw = 0;
  for (const [name, file] of files) {
    const zipped = gzipSync(file.body, { level: 9 }).length;
    const counted = name !== VIEWER_FILES.page; // every script and stylesheet; the HTML page itself is not bundle
    if (counted) {
      gz += zipped;
      raw += file.body.length;
    }
    line(name, `${num(file.body.length)} B`, `gzip ${num(zipped)} B${counted ? '' : ' (not counted: the page itself)'}`);
  }
  line('JS + CSS', `${num(raw)} B`, `gzip ${num(gz)} B = ${kb(gz)}  target <= 60 KB gzip  ${verdict('V1 viewer bundle, JS + CSS gzip', `${kb(gz)} (${kb(raw)} raw)`, '<= 60 KB', gz <= VIEWER_TARGETS.bundleGzipBytes)}`);
  return { gzipBytes: gz };
}

/**
 * Runs before any page script (outside the page's CSP): records when the host element first
 * gets `data-ready="events"`, and every long task.
 */
const PAGE_PROBES = `(() => {
  window.__alv = { readyAt: undefined, longTasks: [] };
  new MutationObserver((_, obs) => {
    const host = document.querySelector('audit-log-viewer[data-ready="events"]');
    if (host && window.__alv.readyAt === undefined) { window.__alv.readyAt = performance.now(); obs.disconnect(); }
  }).observe(document, { subtree: true, attributes: true, attributeFilter: ['data-ready'] });
  try {
    new PerformanceObserver((list) => { for (const e of list.getEntries()) window.__alv.longTasks.push(e.duration); })
      .observe({ type: 'longtask', buffered: true });
  } catch { window.__alv.longTasks = null; }
})();`;

/** The baseline: a static page, no framework, 50 rows with plain DOM calls, the same mark. */
function baselinePage(eventsQuery: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>baseline</title></head><body>
<table><thead><tr><th>Time</th><th>Actor</th><th>Action</th><th>Resource</th><th>Project</th><th>Result</th><th>Severity</th><th>IP</th></tr></thead><tbody id="rows"></tbody></table>
<script type="module">
const token = new URLSearchParams(location.hash.slice(1)).get('token');
const res = await fetch('/v1/events${eventsQuery}', { headers: { authorization: 'Bearer ' + token }, cache: 'no-store' });
const { events } = await res.json();
const tbody = document.getElementById('rows');
for (const e of events) {
  const tr = document.createElement('tr');
  for (const text of [new Date(e.occurredAt).toLocaleString(), e.actor.name || e.actor.email || e.actor.id, e.action, e.resource ? e.resource.name || e.resource.id : '', e.project || '', e.result, e.severity, e.ip || '']) {
    const td = document.createElement('td');
    td.textContent = text;
    tr.appendChild(td);
  }
  tbody.appendChild(tr);
}
performance.mark('${MARK}', { detail: events.length });
</script></body></html>`;
}

/** One request of a load: path, start and end (ms from navigation start). */
interface Fetched { readonly path: string; readonly start: number; readonly end: number }

/** One load's timings (ms from navigation start). */
interface Load {
  readonly firstRows: number;
  readonly source: 'mark' | 'data-ready';
  readonly apiStart: number;
  readonly apiDuration: number;
  readonly rows: number;
  readonly eventsUrl: string;
  /** The document's response end, then every resource, in order of start. */
  readonly waterfall: readonly Fetched[];
}

/** Loads `url` in a fresh context and waits for the first rows; returns the timings. */
async function load(browser: Browser, url: string, prepare?: (context: BrowserContext) => Promise<unknown>): Promise<Load> {
  const context = await browser.newContext({ viewport: { width: 1440, height: 900 } });
  try {
    await context.addInitScript(PAGE_PROBES);
    await prepare?.(context);
    const page = await context.newPage();
    await page.goto(url);
    await page.waitForFunction((mark: string) => performance.getEntriesByName(mark).length > 0 || window.__alv.readyAt !== undefined, MARK, { timeout: 30_000, polling: 10 });
    // Rows of the baseline's table, or the viewer's rows (in nested shadow roots: the locator pierces them).
    const rows = (await page.locator('tbody#rows tr').count()) || (await page.getByTestId('event-row').count());
    const timings = await page.evaluate((mark: string) => {
      const m = performance.getEntriesByName(mark)[0];
      const resources = performance.getEntriesByType('resource');
      const call = resources.find((e: { name: string }) => new URL(e.name).pathname === '/v1/events');
      const nav = performance.getEntriesByType('navigation')[0];
      return {
        firstRows: m ? m.startTime : window.__alv.readyAt,
        source: m ? 'mark' : 'data-ready',
        apiStart: call ? call.startTime : Number.NaN,
        apiDuration: call ? call.responseEnd - call.startTime : Number.NaN,
        eventsUrl: call ? call.name : '',
        waterfall: [
          { path: '(document)', start: nav ? nav.requestStart : 0, end: nav ? nav.responseEnd : 0 },
          ...resources.map((e: { name: string; startTime: number; responseEnd: number }) => ({ path: new URL(e.name).pathname + new URL(e.name).search, start: e.startTime, end: e.responseEnd })),
        ],
      };
    }, MARK);
    return { ...timings, rows } as Load;
  } finally {
    await context.close();
  }
}

/** V2 and V3 on one local stack. */
export async function benchViewer(opts: ViewerBenchOptions = {}): Promise<void> {
  const events = opts.events ?? 100_000;
  const burstSeconds = opts.burstSeconds ?? 30;
  const burstRate = opts.burstRate ?? 200;
  await benchBundle();

  section(`V2 time to first page: ${num(events)} events in one tenant, ${LOADS} loads each, viewer vs a plain-DOM baseline`);
  // The handlers talk to DynamoDB Local directly (no fault-proxy hop), as in the other figures.
  const stack = await startLocal({ quiet: true, writeEndpoints: false, dynamoDbFaultProxy: false });
  const { endpoints } = stack;
  const browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: ['--no-sandbox'] });
  note(`browser: ${CHROMIUM_PATH}, Chromium ${browser.version()}; API ${endpoints.api}`);
  try {
    const loaded = await loadTenant(ingestSetup(endpoints), 'bench-viewer', events);
    const stores = localTableAdapters(endpoints);
    const admin = await stores.tokenStore.createToken({ tenant: loaded.tenant, name: 'bench viewer admin', scopes: ['admin'] });
    stores.ddb.destroy();
    const session = async (): Promise<{ url: string; token: string }> => {
      const r = await api<{ url: string; token: string }>(endpoints.api, admin.token, 'POST', '/v1/viewer-sessions', { viewer: { id: 'u_bench', name: 'Bench' }, scopes: ['events:read', 'exports:write'], ttlSeconds: 3600 });
      expectStatus(r, 201, 'POST /v1/viewer-sessions');
      return r.body;
    };
    const { url, token } = await session();

    // A warm-up load of each (the stack's first requests pay module init), and the viewer's first events request, which the baseline repeats.
    const warm = await load(browser, url);
    if (!warm.eventsUrl) throw new Error('the viewer made no GET /v1/events request');
    const eventsQuery = new URL(warm.eventsUrl).search;
    note(`the viewer's first events request: GET /v1/events${eventsQuery} (the baseline makes the same one); first rows from ${warm.source === 'mark' ? `performance.mark('${MARK}')` : 'data-ready="events" (no mark found)'}`);
    const baselineUrl = `${endpoints.api}/viewer-baseline.html#token=${encodeURIComponent(token)}`;
    const html = baselinePage(eventsQuery);
    const serveBaseline = (context: BrowserContext) => context.route(`${endpoints.api}/viewer-baseline.html`, (route) => route.fulfill({ status: 200, contentType: 'text/html; charset=utf-8', body: html }));
    await load(browser, baselineUrl, serveBaseline);
    // A diagnostic third page: the baseline with the viewer page's own response headers but its CSP (which
    // would block the baseline's inline script), to show what the headers cost (COOP: a new browsing context group).
    const viewerHeaders = Object.fromEntries([...(await fetch(`${endpoints.api}/viewer`)).headers].filter(([k]) => /^(cross-origin-|permissions-policy|referrer-policy|x-content-type-options|x-frame-options)/.test(k)));
    const headeredUrl = `${endpoints.api}/viewer-baseline-headers.html#token=${encodeURIComponent(token)}`;
    const serveHeadered = (context: BrowserContext) => context.route(`${endpoints.api}/viewer-baseline-headers.html`, (route) => route.fulfill({ status: 200, contentType: 'text/html; charset=utf-8', headers: viewerHeaders, body: html }));
    await load(browser, headeredUrl, serveHeadered);

    const viewer: Load[] = [];
    const baseline: Load[] = [];
    const headered: Load[] = [];
    for (let i = 0; i < LOADS; i++) {
      // Interleaved, so drift on the shared cores hits all alike.
      viewer.push(await load(browser, url));
      baseline.push(await load(browser, baselineUrl, serveBaseline));
      headered.push(await load(browser, headeredUrl, serveHeadered));
    }
    const show = (label: string, loads: Load[]) => {
      const first = loads.map((l) => l.firstRows);
      line(label, `p50 ${ms(median(first))}`, `p90 ${ms(quantile(first, 0.9))}; API call starts at p50 ${ms(median(loads.map((l) => l.apiStart)))}, takes p50 ${ms(median(loads.map((l) => l.apiDuration)))}; ${loads[0]!.rows} rows`);
    };
    show('viewer: navigation -> first 50 rows', viewer);
    show('baseline (plain DOM): navigation -> 50 rows', baseline);
    const v = median(viewer.map((l) => l.firstRows));
    const b = median(baseline.map((l) => l.firstRows));
    const ratio = v / b;
    line('viewer / baseline, p50', `${ratio.toFixed(2)} x`, `target <= 1.5 x  ${verdict('V2 time to first page of 50, p50, viewer / plain-DOM baseline', `${ms(v)} vs ${ms(b)} (${ratio.toFixed(2)} x)`, '<= 1.5 x', ratio <= VIEWER_TARGETS.firstPageRatio)}`);
    show('baseline with the viewer\'s headers but CSP', headered);
    const h = median(headered.map((l) => l.firstRows));
    line('viewer / that baseline, p50', `${(v / h).toFixed(2)} x`, `INFO: the headers (${Object.keys(viewerHeaders).join(', ')}) cost ${ms(h - b)} at p50`);
    verdict('V2 viewer / baseline served with the viewer\'s headers (CSP aside), p50', `${ms(v)} vs ${ms(h)} (${(v / h).toFixed(2)} x)`, 'reported', undefined);
    if (viewer.some((l) => l.rows < 50) || baseline.some((l) => l.rows < 50)) note('warning: a load showed fewer than 50 rows');
    // Where the time goes: the requests of the median load of each page.
    for (const [label, loads] of [['viewer', viewer], ['baseline', baseline], ['baseline with headers', headered]] as const) {
      const mid = [...loads].sort((x, y) => x.firstRows - y.firstRows)[Math.floor(loads.length / 2)]!;
      note(`${label}, median load (${ms(mid.firstRows)} to the first rows): ${mid.waterfall.map((f) => `${f.path.length > 40 ? `${f.path.slice(0, 40)}…` : f.path} ${f.start.toFixed(0)}-${f.end.toFixed(0)} ms`).join('; ')}`);
    }

    await benchLiveBurst(browser, endpoints.api, admin.token, (await session()).url, loaded.tenant, burstSeconds, burstRate);
  } finally {
    await browser.close();
    await stack.stop();
  }
}

const sleep = (msecs: number) => new Promise((r) => setTimeout(r, msecs));

/** V3: the viewer live while `rate` events/s are POSTed for `seconds`. */
async function benchLiveBurst(browser: Browser, base: string, adminToken: string, url: string, tenant: string, seconds: number, rate: number): Promise<void> {
  section(`V3 live burst: the viewer with live updates on, ${rate} events/s POSTed for ${seconds} s`);
  const context = await browser.newContext({ viewport: { width: 1440, height: 900 } });
  try {
    await context.addInitScript(PAGE_PROBES);
    const page: Page = await context.newPage();
    const framesIn = new Set<string>();
    let sockets = 0;
    page.on('websocket', (ws) => {
      sockets++;
      ws.on('framereceived', ({ payload }) => {
        try {
          const frame = JSON.parse(String(payload));
          if (frame.type === 'event' && frame.event?.id) framesIn.add(frame.event.id);
        } catch { /* not JSON: not an event */ }
      });
    });
    await page.goto(url);
    await page.locator('audit-log-viewer[data-ready="events"]').waitFor({ timeout: 30_000 });
    await page.getByTestId('live-toggle').click();
    // Subscribed (not just connecting): events POSTed from now on are the stream's to deliver.
    await page.locator('[data-testid="live-indicator"][data-state="live"]').waitFor({ timeout: 15_000 });
    const before = await page.evaluate(() => (window.__alv.longTasks ?? []).length);
    if (await page.evaluate(() => window.__alv.longTasks === null)) note('warning: this Chromium has no longtask entries');

    const next = eventSource(population(), 4242);
    const perPost = 20;
    const posts = Math.round(rate / perPost);
    const sent: string[] = [];
    const inflight: Promise<void>[] = [];
    const t0 = performance.now();
    let late = 0;
    for (let s = 0; s < seconds; s++) {
      for (let p = 0; p < posts; p++) {
        const due = t0 + (s * posts + p) * (1000 / posts);
        const wait = due - performance.now();
        if (wait > 0) await sleep(wait); else late++;
        const batch = Array.from({ length: perPost }, (_, i) => ({ ...next(new Date().toISOString()), id: `burst-${s}-${p}-${i}` }));
        sent.push(...batch.map((e) => e.id));
        inflight.push(api(base, adminToken, 'POST', '/v1/events', { events: batch }).then((r) => expectStatus(r, 201, 'POST /v1/events (burst)')));
      }
    }
    await Promise.all(inflight);
    const postedSecs = (performance.now() - t0) / 1000;
    // Let the stream catch up: until nothing new arrived for 3 s (at most 60 s).
    for (let last = -1, still = 0; still < 3 && (performance.now() - t0) / 1000 < postedSecs + 60; still = framesIn.size === last ? still + 1 : 0, last = framesIn.size) await sleep(1000);
    const settled = (performance.now() - t0) / 1000;
    const shown = new Set(await page.getByTestId('event-row').evaluateAll((rows) => rows.map((r) => (r as unknown as { dataset: { id: string } }).dataset.id)));
    const stats = { longTasks: await page.evaluate(() => window.__alv.longTasks ?? []), rows: shown.size, burstRows: sent.filter((id) => shown.has(id)).length };
    const tasks = (stats.longTasks as number[]).slice(before);
    const longest = tasks.length ? Math.max(...tasks) : 0;
    const arrived = sent.filter((id) => framesIn.has(id)).length;
    line('events POSTed', num(sent.length), `in ${postedSecs.toFixed(1)} s (${late} POSTs started late); ${tenant}`);
    line('events that reached the page (WebSocket frames)', num(arrived), `${(100 * arrived / sent.length).toFixed(1)} %; settled ${settled.toFixed(1)} s after the first POST`);
    line('burst events shown as rows', num(stats.burstRows), `${num(stats.rows)} rows in the table (live rows are capped by design); ${sockets} WebSocket connection(s) opened`);
    line('long tasks (> 50 ms) during the burst', num(tasks.length), `total ${ms(tasks.reduce((a, d) => a + d, 0))}`);
    line('longest task', ms(longest), `target <= 200 ms  ${verdict('V3 live burst, longest task', `${ms(longest)} (${tasks.length} long tasks; ${num(arrived)} of ${num(sent.length)} events arrived)`, '<= 200 ms', longest <= VIEWER_TARGETS.longestTaskMs)}`);
  } finally {
    await context.close();
  }
}

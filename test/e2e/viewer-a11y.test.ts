/**
 * Accessibility and looks: axe-core over the main screens of the viewer (events, details open,
 * access logs, exports, admin), through its shadow DOM, with 0 serious or critical violations;
 * and screenshots of those screens, light and dark, 360 px and 1440 px wide (and the events list
 * on a 3840 px screen), written to
 * test/e2e/screenshots/ (ignored by git) for a reviewer to open.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { axeScan, browserSuite, rowIds, screenshot, type ViewerPage } from './browser.js';
import { ingest } from './helpers.js';
import { buildSeed, toInput, type Seeded } from './viewer-data.js';

const suite = browserSuite();
let seed: Seeded[];

beforeAll(async () => {
  seed = buildSeed();
  await ingest(suite.tenant().admin, seed.map(toInput));
  // An export, so the exports tab has a row to show
  const created = await suite.tenant().admin.post('/v1/exports', { email: 'ada@example.com', filters: { project: 'p_7' } });
  expect(created.status, created.text).toBe(202);
});

/** The screens, each reached from a freshly loaded events list. */
const SCREENS: Record<string, (v: ViewerPage) => Promise<void>> = {
  events: async () => {},
  details: async (v) => {
    const update = seed.find((e) => e.changes?.after?.status === 'deployed')!;
    await v.page.locator(`[data-testid="event-row"][data-id="${update.id}"]`).click();
    await v.page.getByTestId('diff').waitFor();
  },
  access: async (v) => {
    await v.page.getByTestId('tab-access').click();
    await v.page.getByTestId('access-row').first().waitFor();
  },
  exports: async (v) => {
    await v.page.getByTestId('tab-exports').click();
    await v.page.getByTestId('exports-table').waitFor();
    await v.page.getByTestId('export-row').first().waitFor();
  },
  admin: async (v) => {
    await v.page.getByTestId('tab-admin').click();
    await v.page.getByTestId('admin-settings').waitFor();
    await v.page.getByTestId('token-row').first().waitFor();
  },
};

describe('viewer: accessibility', () => {
  it.each(Object.keys(SCREENS))('%s: no serious or critical axe-core violation, light and dark', async (name) => {
    for (const colorScheme of ['light', 'dark'] as const) {
      // Arrange
      const v = await suite.openViewer((await suite.viewerSession({ scopes: ['admin'] })).url, { colorScheme, viewport: { width: 1440, height: 900 } });
      await expect.poll(() => rowIds(v.page)).not.toEqual([]);

      // Act
      await SCREENS[name]!(v);
      const violations = await axeScan(v.page);

      // Assess
      expect(violations, `${name} (${colorScheme}): ${JSON.stringify(violations, null, 2)}`).toEqual([]);
    }
  });
});

describe('viewer: screenshots', () => {
  it('writes the main screens, light and dark, 360 px and 1440 px', async () => {
    const written: string[] = [];
    for (const colorScheme of ['light', 'dark'] as const) {
      for (const width of [360, 1440]) {
        for (const [name, reach] of Object.entries(SCREENS)) {
          const v = await suite.openViewer((await suite.viewerSession({ scopes: ['admin'] })).url, {
            colorScheme, viewport: { width, height: width === 360 ? 740 : 900 }, ...(width === 360 ? { isMobile: true, hasTouch: true } : {}),
          });
          await expect.poll(() => rowIds(v.page)).not.toEqual([]);
          await reach(v);
          written.push(await screenshot(v.page, `${name}-${colorScheme}-${width}`, { fullPage: name !== 'details' }));
          await v.context.close();
        }
      }
    }
    // A 4K screen (CSS pixels at device scale 1): the events list as it fills it
    const wide = await suite.openViewer((await suite.viewerSession({ scopes: ['admin'] })).url, { viewport: { width: 3840, height: 2160 } });
    await expect.poll(() => rowIds(wide.page)).not.toEqual([]);
    written.push(await screenshot(wide.page, 'events-light-3840', { fullPage: false }));
    expect(written.length).toBe(2 * 2 * Object.keys(SCREENS).length + 1);
  });
});

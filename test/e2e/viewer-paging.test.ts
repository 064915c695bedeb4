/**
 * The viewer pages with the API's cursors to the end: 120 events of one project at the API's
 * page size of 50 are three pages; "Load more" adds each page once, in order, and then the list
 * says it has reached the end.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { browserSuite, rowIds, withQuery } from './browser.js';
import { strings } from '../../viewer/src/strings.js';
import { event, ingest, MINUTE, uid } from './helpers.js';

const suite = browserSuite();
const COUNT = 120;
let ids: string[];

beforeAll(async () => {
  const now = Date.now();
  // One project, one event per minute: newest first is ids in order.
  const events = Array.from({ length: COUNT }, (_, i) => event({ id: uid(`pg${String(i).padStart(3, '0')}`), project: 'p_page', occurredAt: new Date(now - (i + 1) * MINUTE).toISOString() }));
  await ingest(suite.tenant().admin, events);
  ids = events.map((e) => e.id as string);
});

describe('viewer: paging', () => {
  it('loads 120 events in pages of 50 with "Load more", each once and in order, then says it is at the end', async () => {
    // Arrange
    const session = await suite.viewerSession();
    const v = await suite.openViewer(withQuery(session.url, { project: 'p_page' }));
    const eventCalls = () => v.requests.filter((url) => new URL(url).pathname === '/v1/events' && !new URL(url).searchParams.has('q'));
    await expect.poll(() => rowIds(v.page)).toEqual(ids.slice(0, 50));
    const loadMore = v.page.getByTestId('load-more');

    // Act + Assess: page 2, page 3
    await loadMore.click();
    await expect.poll(() => rowIds(v.page)).toEqual(ids.slice(0, 100));
    await loadMore.click();
    await expect.poll(() => rowIds(v.page)).toEqual(ids);

    // Assess: the end is said, nothing more to load, three requests in all
    await expect.poll(async () => (await loadMore.count()) === 0 || !(await loadMore.isVisible()) || (await loadMore.isDisabled())).toBe(true);
    await expect.poll(() => v.page.getByText(strings.noMoreEvents).isVisible()).toBe(true);
    expect(eventCalls().length).toBe(3);
    expect(eventCalls().filter((url) => new URL(url).searchParams.has('cursor')).length).toBe(2);
    expect(new Set(await rowIds(v.page)).size).toBe(COUNT);
  });
});

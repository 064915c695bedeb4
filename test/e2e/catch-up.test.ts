/**
 * Catching up after a disconnect (contract: "Live stream"): `GET /v1/events?receivedFrom=`
 * lists every event received at or after the instant, oldest first by `receivedAt`, late
 * events with an old `occurredAt` and slightly future-dated ones included, page by page.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { adminOfNewTenant, ago, type Client, DAY, event, expectValidation, ingest, MINUTE, paginate, uid } from './helpers.js';

let admin: Client;
let receivedFrom: string;
let before: string[];
let after: { id: string; late: boolean }[];

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

beforeAll(async () => {
  ({ admin } = await adminOfNewTenant());
  // Received before the instant: never listed.
  const early = [event({ id: uid('early') }), event({ id: uid('early-late'), occurredAt: ago(3 * DAY) })];
  await ingest(admin, early);
  before = early.map((e) => e.id as string);
  await sleep(20);
  receivedFrom = new Date().toISOString();
  await sleep(5);
  // Received after it, one POST at a time (each its own receivedAt): on time, late (old occurredAt), a little ahead.
  const kinds = [
    { e: event({ id: uid('on-time'), action: 'project.created' }), late: false },
    { e: event({ id: uid('late'), occurredAt: ago(2 * DAY), action: 'project.deleted' }), late: true },
    { e: event({ id: uid('ahead'), occurredAt: ago(-4 * MINUTE), action: 'project.created' }), late: false },
    { e: event({ id: uid('late'), occurredAt: ago(20 * MINUTE), action: 'project.created' }), late: true },
    { e: event({ id: uid('on-time'), occurredAt: ago(2 * MINUTE), action: 'project.deleted' }), late: false },
  ];
  for (const { e } of kinds) {
    await ingest(admin, [e]);
    await sleep(3);
  }
  after = kinds.map(({ e, late }) => ({ id: e.id as string, late }));
});

describe('GET /v1/events?receivedFrom= (catch-up)', () => {
  it('lists exactly the events received since, late and future-dated ones included, oldest first by receivedAt', async () => {
    // Act
    const { items } = await paginate(admin, '/v1/events', { receivedFrom });
    const mine = items.filter((e) => !String(e.action).startsWith('audit_'));

    // Assess
    expect(mine.map((e) => e.id)).toEqual(after.map((a) => a.id));
    const receivedAts = items.map((e) => e.receivedAt as string);
    expect(receivedAts).toEqual([...receivedAts].sort());
    for (const id of before) expect(items.map((e) => e.id)).not.toContain(id);
  });

  it('pages through the same list, one event a page', async () => {
    const whole = (await paginate(admin, '/v1/events', { receivedFrom })).items.map((e) => e.id);
    const { items, pages } = await paginate(admin, '/v1/events', { receivedFrom, limit: 1 });
    expect(items.map((e) => e.id)).toEqual(whole);
    expect(pages).toBeGreaterThanOrEqual(whole.length);
  });

  it('applies the other filters', async () => {
    const { items } = await paginate(admin, '/v1/events', { receivedFrom, action: 'project.deleted' });
    expect(items.map((e) => e.id)).toEqual(after.filter((_, i) => i === 1 || i === 4).map((a) => a.id));
  });

  it('refuses receivedFrom with a window on occurredAt, naming it', async () => {
    expect(expectValidation(await admin.get('/v1/events', { receivedFrom, range: '24h' }))).toEqual(['receivedFrom']);
    expect(expectValidation(await admin.get('/v1/events', { receivedFrom: 'yesterday' }))).toEqual(['receivedFrom']);
  });
});

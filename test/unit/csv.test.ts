/**
 * The export CSV (lambdas/core/csv.ts, contract: Exports): BOM + header, one
 * CRLF-terminated row per event in the contract's column order, RFC 4180
 * quoting, spreadsheet formulas neutralised, UTF-8 intact, JSON in `changes`
 * and `metadata`. Files are parsed back with csv-parse and compared cell by cell.
 */
import { parse } from 'csv-parse/sync';
import { describe, expect, it } from 'vitest';
import { csvHeader, csvRecord, csvRows, EXPORT_COLUMNS, UTF8_BOM } from '../../lambdas/core/csv.js';
import type { AuditEvent } from '../../lambdas/core/event.js';
import { ACTOR_TYPES, RESULTS, SEVERITIES } from '../../lambdas/core/schemas.js';
import { prng, type Rng } from '../../local/prng.js';

/** The contract's column list, written out (not imported) so a change to the code cannot move it silently. */
const CONTRACT_COLUMNS = [
  'id', 'occurredAt', 'receivedAt', 'actorType', 'actorId', 'actorName', 'actorEmail', 'action', 'category',
  'resourceType', 'resourceId', 'resourceName', 'project', 'result', 'severity', 'ip', 'userAgent',
  'browser', 'os', 'device', 'message', 'changedFields', 'changes', 'metadata',
];

/**
 * Parses a whole export file (BOM, CRLF) into rows of cells. Like a spreadsheet, it takes a lone LF or CR outside
 * quotes as a row break (csv-parse would otherwise settle on the first delimiter it sees and read lone ones as text).
 */
const parseCsv = (text: string): string[][] => parse(text, { bom: true, record_delimiter: ['\r\n', '\n', '\r'] }) as string[][];

/** What a cell must read as after neutralisation: a leading `=`, `+`, `-`, `@`, tab or CR gets a `'`. */
const neutralised = (cell: string): string => (/^[=+\-@\t\r]/.test(cell) ? `'${cell}` : cell);

const full: AuditEvent = {
  id: '01JD5X0000000000000000000A',
  occurredAt: '2026-11-22T09:15:00.123Z',
  receivedAt: '2026-11-22T09:15:00.456Z',
  action: 'project.updated',
  category: 'project',
  actor: { type: 'user', id: 'u_42', name: 'Ada Lovelace', email: 'ada@example.com' },
  resource: { type: 'project', id: 'p_7', name: 'Household survey' },
  project: 'hs-2026',
  ip: '203.0.113.9',
  userAgent: 'Mozilla/5.0',
  client: { browser: 'Firefox 132', os: 'Linux', device: 'desktop' },
  result: 'success',
  severity: 'notice',
  message: 'Ada Lovelace updated project Household survey',
  changes: { before: { name: 'Survey' }, after: { name: 'Household survey', public: true }, fields: ['name', 'public'] },
  metadata: { requestId: 'r-1', tags: ['a', 'b'] },
};

const minimal: AuditEvent = {
  id: 'ev-min',
  occurredAt: '2026-11-22T09:15:00.000Z',
  receivedAt: '2026-11-22T09:15:01.000Z',
  action: 'auth.signed_in',
  category: 'auth',
  actor: { type: 'system', id: 'cron' },
  result: 'failure',
  severity: 'info',
  message: 'cron signed in (failure)',
};

const withMessage = (message: string): AuditEvent => ({ ...minimal, message });
/** The raw CSV text of `event`'s row (the message is column 21, index 20). */
const rawRow = (event: AuditEvent): string => csvRows([event]);

describe('csvHeader', () => {
  it('is the UTF-8 BOM, then the contract columns in order, then CRLF', () => {
    // Act
    const header = csvHeader();

    // Assess
    expect(header).toBe(`\uFEFF${CONTRACT_COLUMNS.join(',')}\r\n`);
    expect([...EXPORT_COLUMNS]).toEqual(CONTRACT_COLUMNS);
    expect(UTF8_BOM).toBe('\uFEFF');
    expect([...Buffer.from(header, 'utf8').subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
  });
});

describe('csvRows', () => {
  it('writes every column of an event in contract order', () => {
    // Act
    const text = csvRows([full]);

    // Assess
    expect(text).toBe(
      '01JD5X0000000000000000000A,2026-11-22T09:15:00.123Z,2026-11-22T09:15:00.456Z,user,u_42,Ada Lovelace,ada@example.com,'
      + 'project.updated,project,project,p_7,Household survey,hs-2026,success,notice,203.0.113.9,Mozilla/5.0,'
      + 'Firefox 132,Linux,desktop,Ada Lovelace updated project Household survey,name;public,'
      + '"{""before"":{""name"":""Survey""},""after"":{""name"":""Household survey"",""public"":true}}",'
      + '"{""requestId"":""r-1"",""tags"":[""a"",""b""]}"\r\n',
    );
  });

  it('leaves absent optional fields as empty cells', () => {
    // Act
    const text = csvRows([minimal]);

    // Assess
    expect(text).toBe('ev-min,2026-11-22T09:15:00.000Z,2026-11-22T09:15:01.000Z,system,cron,,,auth.signed_in,auth,,,,,failure,info,,,,,,cron signed in (failure),,,\r\n');
    expect(csvRecord(minimal)).toHaveLength(CONTRACT_COLUMNS.length);
  });

  it('writes one CRLF-terminated row per event, in the given order, and nothing for no events', () => {
    // Prepare
    const events = [full, minimal, { ...minimal, id: 'ev-3' }];

    // Act
    const text = csvRows(events);

    // Assess
    expect(csvRows([])).toBe('');
    expect(text.endsWith('\r\n')).toBe(true);
    expect(text.split('\r\n').slice(0, -1).map((line) => line.split(',')[0])).toEqual([full.id, 'ev-min', 'ev-3']);
    expect(parseCsv(text).map((row) => row[0])).toEqual([full.id, 'ev-min', 'ev-3']);
  });

  it('puts JSON that parses back in `changes` (without `fields`) and `metadata`, and joins changedFields with ;', () => {
    // Prepare
    const event: AuditEvent = {
      ...full,
      changes: { after: { role: 'admin', note: 'a, "quoted"\r\nline' }, fields: ['note', 'role'] },
      metadata: { nested: { list: [1, 'two', null] }, 'key,with"odd': '=1+1' },
    };
    const at = (name: string) => CONTRACT_COLUMNS.indexOf(name);

    // Act
    const [row] = parseCsv(csvRows([event]));

    // Assess
    expect(row![at('changedFields')]).toBe('note;role');
    expect(JSON.parse(row![at('changes')]!)).toEqual({ after: { role: 'admin', note: 'a, "quoted"\r\nline' } });
    expect(JSON.parse(row![at('metadata')]!)).toEqual(event.metadata);
  });
});

describe('csvRows — RFC 4180 quoting', () => {
  it.each([
    ['a comma', 'a, b', '"a, b"'],
    ['double quotes (doubled)', 'say "hi"', '"say ""hi"""'],
    ['only a quote', '"', '""""'],
    ['CRLF', 'line 1\r\nline 2', '"line 1\r\nline 2"'],
    ['a semicolon (not a separator)', 'a;b', 'a;b'],
    ['a single quote', "it's", "it's"],
  ])('quotes a cell holding %s only as needed', (_what, message, cell) => {
    // Act
    const text = rawRow(withMessage(message));

    // Assess
    expect(text).toContain(`,${cell},`);
    expect(parseCsv(text)[0]![20]).toBe(message);
  });

  it.each([
    ['a lone LF', 'line 1\nline 2', '"line 1\nline 2"'],
    ['a lone CR', 'line 1\rline 2', '"line 1\rline 2"'],
    ['a leading CR (neutralised and quoted)', '\r=cmd', `"'\r=cmd"`],
  ])('quotes a cell holding %s', (_what, message, cell) => {
    // Act
    const text = rawRow(withMessage(message));

    // Assess
    expect(text).toContain(`,${cell},`);
    expect(parseCsv(text)).toHaveLength(1);
    expect(parseCsv(text)[0]![20]).toBe(neutralised(message));
  });
});

describe('csvRows — formula neutralisation', () => {
  it.each([
    ['=', '=HYPERLINK("http://evil.example","click")'],
    ['+', '+1+cmd|" /C calc"!A0'],
    ['-', '-2+3'],
    ['@', '@SUM(A1:A2)'],
    ['tab', '\t=1+1'],
  ])('prefixes a cell starting with %s with a quote', (_lead, message) => {
    // Act
    const [row] = parseCsv(rawRow(withMessage(message)));

    // Assess
    expect(row![20]).toBe(`'${message}`);
  });

  it('neutralises every column, not only the message', () => {
    // Prepare
    const event: AuditEvent = { ...full, actor: { type: 'user', id: '-u', name: '=Ada', email: '@ada' }, resource: { type: '+t', id: '=r', name: '@n' }, project: '-p' };

    // Act
    const [row] = parseCsv(csvRows([event]));

    // Assess
    expect(row!.slice(4, 13)).toEqual(["'-u", "'=Ada", "'@ada", 'project.updated', 'project', "'+t", "'=r", "'@n", "'-p"]);
  });

  it.each(['a-b', 'ada@example.com', 'x=1', '1+1', 'Ada (admin)', "'quoted already", ' =padded'])('leaves the safe cell %j as it is', (message) => {
    // Act
    const text = rawRow(withMessage(message));

    // Assess
    expect(parseCsv(text)[0]![20]).toBe(message);
    expect(text).not.toContain(`'${message}`);
  });
});

describe('csvRows — UTF-8', () => {
  it.each(['Zoë Ødegård', '李雷', 'émoji 🙂 and 👩‍💻', 'Ünïcödé – “quotes” ‘too’'])('keeps %j byte-exact', (name) => {
    // Prepare
    const event: AuditEvent = { ...minimal, actor: { ...minimal.actor, name } };

    // Act
    const bytes = Buffer.from(csvHeader() + csvRows([event]), 'utf8');

    // Assess
    expect(bytes.includes(Buffer.from(name, 'utf8'))).toBe(true);
    expect(parseCsv(bytes.toString('utf8'))[1]![5]).toBe(name);
  });
});

/** Pieces of hostile cell text: separators, quotes, CRLF, formula leads, non-ASCII. */
const PIECES = [
  ',', '"', '""', '\r\n', ';', "'", ' ', '=', '+', '-', '@', '\t', 'a-b', 'SUM(A1)', '\\', '#', '{}', '[1]',
  'x', 'ada@example.com', 'Zoë Ødegård', '李雷', '🙂', '👩‍💻', '\u2028', 'null', 'true', '0',
];
const LONE_BREAKS = ['\n', '\r'];

function hostile(rng: Rng, pieces: readonly string[]): string {
  return Array.from({ length: rng.int(1, 6) }, () => rng.pick(pieces)).join('');
}

function randomEvent(rng: Rng, i: number, pieces: readonly string[]): AuditEvent {
  const s = () => hostile(rng, pieces);
  const maybe = <T>(make: () => T): T | undefined => (rng.chance(0.6) ? make() : undefined);
  const event: AuditEvent = {
    id: `${rng.pick(['', '-', '='])}ev${i}`,
    occurredAt: new Date(Date.UTC(2026, 0, 1) + i * 1000).toISOString(),
    receivedAt: new Date(Date.UTC(2026, 0, 1) + i * 1000 + 5).toISOString(),
    action: rng.pick(['project.updated', 'auth.signed_in', 'x']),
    category: s(),
    actor: { type: rng.pick(ACTOR_TYPES), id: s(), ...(rng.chance(0.5) ? { name: s() } : {}), ...(rng.chance(0.5) ? { email: s() } : {}) },
    result: rng.pick(RESULTS),
    severity: rng.pick(SEVERITIES),
    message: s(),
  };
  const resource = maybe(() => ({ type: s(), id: s(), ...(rng.chance(0.5) ? { name: s() } : {}) }));
  if (resource) event.resource = resource;
  const project = maybe(s);
  if (project) event.project = project;
  if (rng.chance(0.5)) event.ip = rng.pick(['203.0.113.9', '::1', '2001:db8::1']);
  const ua = maybe(s);
  if (ua) event.userAgent = ua;
  if (rng.chance(0.5)) event.client = { device: s(), ...(rng.chance(0.5) ? { browser: s() } : {}), ...(rng.chance(0.5) ? { os: s() } : {}) };
  if (rng.chance(0.5)) {
    const before = rng.chance(0.7) ? { [s()]: s(), n: rng.int(0, 9) } : undefined;
    const after = rng.chance(0.7) ? { [s()]: [s(), null, true] } : undefined;
    event.changes = { ...(before ? { before } : {}), ...(after ? { after } : {}), fields: Array.from({ length: rng.int(0, 3) }, (_, k) => `f${k}_${rng.pick(['a', 'b', 'ä'])}`) };
  }
  if (rng.chance(0.5)) event.metadata = { [s()]: s(), deep: { list: [s(), rng.int(-5, 5)] } };
  return event;
}

/** The cells an event must read as after a round trip (absent → empty, JSON compared separately). */
function expectedCells(e: AuditEvent): string[] {
  const plain = [
    e.id, e.occurredAt, e.receivedAt, e.actor.type, e.actor.id, e.actor.name ?? '', e.actor.email ?? '', e.action, e.category,
    e.resource?.type ?? '', e.resource?.id ?? '', e.resource?.name ?? '', e.project ?? '', e.result, e.severity, e.ip ?? '',
    e.userAgent ?? '', e.client?.browser ?? '', e.client?.os ?? '', e.client?.device ?? '', e.message, e.changes?.fields.join(';') ?? '',
  ];
  return plain.map(neutralised);
}

/** Writes `events` the way WriteChunk does (header, then rows chunk by chunk), parses the file, compares every cell. */
function roundTrip(rng: Rng, events: AuditEvent[]): void {
  // Act
  let file = csvHeader();
  for (let at = 0; at < events.length;) {
    const n = rng.int(1, 7);
    file += csvRows(events.slice(at, at + n));
    at += n;
  }
  const rows = parseCsv(Buffer.from(file, 'utf8').toString('utf8'));

  // Assess
  expect(rows[0]).toEqual(CONTRACT_COLUMNS);
  expect(rows).toHaveLength(events.length + 1);
  events.forEach((e, i) => {
    const row = rows[i + 1]!;
    expect(row).toHaveLength(CONTRACT_COLUMNS.length);
    expect(row.slice(0, 22)).toEqual(expectedCells(e));
    expect(row[22] === '' ? undefined : JSON.parse(row[22]!)).toEqual(e.changes && JSON.parse(JSON.stringify({ before: e.changes.before, after: e.changes.after })));
    expect(row[23] === '' ? undefined : JSON.parse(row[23]!)).toEqual(e.metadata);
  });
}

describe('csvRows — round trip of random hostile events (seeded)', () => {
  const SEEDS = Array.from({ length: 40 }, (_, i) => 300 + i);

  it.each(SEEDS)('seed %i: every cell reads back as written (neutralised where needed)', (seed) => {
    // Prepare
    const rng = prng(seed);
    const events = Array.from({ length: rng.int(1, 60) }, (_, i) => randomEvent(rng, i, PIECES));

    roundTrip(rng, events);
  });

  it.each(SEEDS)('seed %i: with lone LF and CR in cells too', (seed) => {
    // Prepare
    const rng = prng(seed);
    const events = Array.from({ length: rng.int(1, 60) }, (_, i) => randomEvent(rng, i, [...PIECES, ...LONE_BREAKS]));

    roundTrip(rng, events);
  });
});

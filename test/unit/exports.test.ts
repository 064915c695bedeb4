/**
 * The export model (lambdas/core/exports.ts, contract: Exports): the request
 * schema, the frozen read window, link lifetimes, user-facing failure reasons,
 * the notification mails and the public view.
 */
import { describe, expect, it } from 'vitest';
import type { ValidationError } from '../../lambdas/core/errors.js';
import {
  createExportSchema, describeFailure, describeFilters, ExportDependencyError, type ExportRecord, exportView, failedMail,
  formatBytes, freezeWindow, linkLifetimeSeconds, PermanentExportError, readyMail,
} from '../../lambdas/core/exports.js';
import { parseInput } from '../../lambdas/core/schemas.js';
import { rejection } from './support.js';

const parse = (body: unknown) => parseInput(createExportSchema, body, 'export request');
const pathsOf = (error: ValidationError): string[] => (error.details ?? []).map((d) => d.path);

describe('createExportSchema', () => {
  it('defaults format to csv and filters to {}', () => {
    // Act
    const input = parse({ email: 'ops@example.com' });

    // Assess
    expect(input).toEqual({ email: 'ops@example.com', filters: {}, format: 'csv' });
  });

  it('accepts every filter of GET /v1/events, and normalises the email and timestamps', () => {
    // Prepare
    const filters = {
      from: '2026-01-01T10:00:00+01:00', to: '2026-02-01T00:00:00Z', action: ['project.updated', 'auth.*'], category: 'project',
      actor: 'u_42', actorEmail: 'ada@example.com', resourceType: 'project', resourceId: 'p_7', project: 'hs', result: 'failure',
      severity: 'critical', q: 'survey',
    };

    // Act
    const input = parse({ email: '  ops@example.com ', filters, format: 'csv' });

    // Assess
    expect(input.email).toBe('ops@example.com');
    expect(input.filters).toEqual({ ...filters, from: '2026-01-01T09:00:00.000Z', to: '2026-02-01T00:00:00.000Z' });
  });

  it.each([
    ['one action as a string', 'project.*', ['project.*']],
    ['a list of actions', ['project.updated', 'auth.*'], ['project.updated', 'auth.*']],
  ])('accepts filters.action as %s', (_what, action, expected) => {
    // Act
    const input = parse({ email: 'ops@example.com', filters: { action } });

    // Assess
    expect(input.filters.action).toEqual(expected);
  });

  it('rejects unknown top-level and filter keys, naming each (cursor and limit are not export filters)', () => {
    // Act
    const error = rejection(() => parse({ email: 'ops@example.com', filters: { bogus: 1, cursor: 'c', limit: 5 }, extra: true }));

    // Assess
    expect(error.code).toBe('validation_error');
    expect(error.details).toEqual(expect.arrayContaining([
      { path: 'filters.bogus', message: 'is not a known field' },
      { path: 'filters.cursor', message: 'is not a known field' },
      { path: 'filters.limit', message: 'is not a known field' },
      { path: 'extra', message: 'is not a known field' },
    ]));
    expect(pathsOf(error)).toHaveLength(4);
  });

  it.each([
    ['a bad email', { email: 'not-an-email' }, 'email'],
    ['a missing email', {}, 'email'],
    ['a non-string email', { email: 42 }, 'email'],
    ['a bad format', { email: 'ops@example.com', format: 'xlsx' }, 'format'],
    ['a bad action', { email: 'ops@example.com', filters: { action: ['Project Updated'] } }, 'filters.action[0]'],
    ['a bad action string', { email: 'ops@example.com', filters: { action: 'Project Updated' } }, 'filters.action[0]'],
    ['a bad range', { email: 'ops@example.com', filters: { range: '1y' } }, 'filters.range'],
    ['a bad timestamp', { email: 'ops@example.com', filters: { from: '2026-02-30T00:00:00Z' } }, 'filters.from'],
    ['a non-object filters', { email: 'ops@example.com', filters: ['x'] }, 'filters'],
  ])('rejects %s at its path', (_what, body, path) => {
    // Act
    const error = rejection(() => parse(body));

    // Assess
    expect(pathsOf(error)).toEqual([path]);
  });

  it('reports a missing email as required', () => {
    // Act
    const error = rejection(() => parse({ filters: {} }));

    // Assess
    expect(error.details).toEqual([{ path: 'email', message: 'is required' }]);
  });

  it('rejects range together with from, at filters.range', () => {
    // Act
    const error = rejection(() => parse({ email: 'ops@example.com', filters: { range: '7d', from: '2026-01-01T00:00:00Z' } }));

    // Assess
    expect(error.details).toEqual([{ path: 'filters.range', message: 'use either range or from/to, not both' }]);
  });

  it('rejects from after to, at filters.from', () => {
    // Act
    const error = rejection(() => parse({ email: 'ops@example.com', filters: { from: '2026-02-01T00:00:00Z', to: '2026-01-01T00:00:00Z' } }));

    // Assess
    expect(error.details).toEqual([{ path: 'filters.from', message: 'must not be after to' }]);
  });

  it.each([[null], [[]], ['ops@example.com'], [42]])('rejects the non-object body %j', (body) => {
    // Act
    const error = rejection(() => parse(body));

    // Assess
    expect(error.details).toEqual([{ path: '(body)', message: 'must be a JSON object' }]);
  });
});

describe('freezeWindow', () => {
  const createdAt = '2026-03-10T12:00:00.000Z';

  it('turns a range into an absolute from, closes the open end at createdAt and drops range', () => {
    // Act
    const window = freezeWindow({ range: '7d', actor: 'u_42' }, createdAt);

    // Assess
    expect(window).toEqual({ actor: 'u_42', from: '2026-03-03T12:00:00.000Z', to: createdAt });
    expect(window).not.toHaveProperty('range');
  });

  it.each([['24h', '2026-03-09T12:00:00.000Z'], ['30d', '2026-02-08T12:00:00.000Z'], ['90d', '2025-12-10T12:00:00.000Z']] as const)(
    'range %s starts at %s',
    (range, from) => {
      // Act / Assess
      expect(freezeWindow({ range }, createdAt).from).toBe(from);
    },
  );

  it('keeps an explicit from and to', () => {
    // Prepare
    const filters = { from: '2026-01-01T00:00:00.000Z', to: '2026-02-01T00:00:00.000Z', action: ['a.b'] };

    // Act
    const window = freezeWindow(filters, createdAt);

    // Assess
    expect(window).toEqual(filters);
  });

  it('closes an open end at createdAt and leaves no from when none was given', () => {
    // Act
    const window = freezeWindow({ project: 'hs' }, createdAt);

    // Assess
    expect(window).toEqual({ project: 'hs', to: createdAt });
  });
});

describe('linkLifetimeSeconds', () => {
  const now = Date.parse('2026-03-10T12:00:00.000Z');

  it('is the TTL when the file has no expiry', () => {
    expect(linkLifetimeSeconds(now, 24)).toBe(86_400);
  });

  it('is the TTL when the file outlives it', () => {
    expect(linkLifetimeSeconds(now, 24, '2026-03-17T12:00:00.000Z')).toBe(86_400);
  });

  it('is capped by the file expiry', () => {
    expect(linkLifetimeSeconds(now, 24, '2026-03-10T13:30:00.000Z')).toBe(5_400);
  });

  it('is 0 at and after the file expiry', () => {
    expect(linkLifetimeSeconds(now, 24, '2026-03-10T12:00:00.000Z')).toBe(0);
    expect(linkLifetimeSeconds(now, 24, '2026-03-01T00:00:00.000Z')).toBe(0);
  });
});

describe('describeFailure', () => {
  const lambdaCause = (errorType: string, errorMessage: string) => JSON.stringify({ errorType, errorMessage, trace: [`${errorType}: ${errorMessage}`, '    at handler (/var/task/index.mjs:1:2)'] });
  const GENERIC = 'An internal error stopped the export; it has been logged. Please try again.';

  it.each([
    [new PermanentExportError('The export is too large (over 50,000,000 rows); narrow the filters.')],
    [new ExportDependencyError('S3 did not accept the file part; the export will be retried.')],
  ])('shows our own error\'s message from a Lambda JSON Cause ($name)', (error) => {
    // Act
    const reason = describeFailure({ Error: error.name, Cause: lambdaCause(error.name, error.message) });

    // Assess
    expect(reason).toBe(error.message);
  });

  it('shows our own error\'s message from a plain-text Cause', () => {
    // Act
    const reason = describeFailure({ Error: 'PermanentExportError', Cause: 'Export x is failed, not running.' });

    // Assess
    expect(reason).toBe('Export x is failed, not running.');
  });

  it('trusts the errorType in the Cause over the Error name', () => {
    // Act
    const reason = describeFailure({ Error: 'States.TaskFailed', Cause: lambdaCause('PermanentExportError', 'Narrow the filters.') });

    // Assess
    expect(reason).toBe('Narrow the filters.');
  });

  it.each([
    ['a TypeError', { Error: 'TypeError', Cause: lambdaCause('TypeError', "Cannot read properties of undefined (reading 'tenant')") }],
    ['an unknown error', { Error: 'Error', Cause: lambdaCause('Error', 'connect ECONNREFUSED 10.0.0.7:443 secret-table-name') }],
    ['a plain-text internal error', { Error: 'ValidationException', Cause: 'Table arn:aws:dynamodb:eu-west-1:123456789012:table/x not found' }],
    ['our error disguised in the Cause only', { Error: 'PermanentExportError', Cause: lambdaCause('TypeError', 'x is not a function') }],
    ['our error with no message', { Error: 'PermanentExportError', Cause: '' }],
    ['nothing', undefined],
    ['an empty object', {}],
  ])('hides the internals of %s behind a generic sentence', (_what, error) => {
    // Act
    const reason = describeFailure(error);

    // Assess
    expect(reason).toBe(GENERIC);
  });

  it.each([
    [{ Error: 'States.Timeout', Cause: '' }],
    [{ Error: 'Sandbox.Timedout', Cause: lambdaCause('Sandbox.Timedout', 'RequestId: 1 Error: Task timed out after 900.00 seconds') }],
  ])('explains a timeout (%j)', (error) => {
    // Act
    const reason = describeFailure(error);

    // Assess
    expect(reason).toMatch(/took longer than allowed/);
    expect(reason).not.toContain('RequestId');
  });

  it.each(['Lambda.ServiceException', 'Lambda.Unknown', 'Lambda.TooManyRequestsException', 'Runtime.ExitError'])('explains a worker failure (%s)', (type) => {
    // Act
    const reason = describeFailure({ Error: type, Cause: 'RequestId: abc Error: Runtime exited with error: signal: killed' });

    // Assess
    expect(reason).toBe('The export worker failed repeatedly; the export was stopped. Please try again.');
  });
});

describe('describeFilters', () => {
  it('lists every filter, actions joined with "or", and the window', () => {
    // Act
    const text = describeFilters({
      actor: 'u_42', actorEmail: 'ada@example.com', action: ['project.*', 'auth.signed_in'], category: 'project', resourceType: 'project',
      resourceId: 'p_7', project: 'hs', result: 'failure', severity: 'critical', q: 'survey', from: '2026-01-01T00:00:00.000Z', to: '2026-02-01T00:00:00.000Z',
    });

    // Assess
    expect(text).toBe(
      'actor u_42 · actor email ada@example.com · action project.* or auth.signed_in · category project · resource type project · resource p_7'
      + ' · project hs · result failure · severity critical · text "survey" · from 2026-01-01T00:00:00.000Z to 2026-02-01T00:00:00.000Z',
    );
  });

  it('describes an unfiltered window', () => {
    expect(describeFilters({})).toBe('from the start of retention to now');
    expect(describeFilters({ to: '2026-02-01T00:00:00.000Z' })).toBe('from the start of retention to 2026-02-01T00:00:00.000Z');
  });
});

describe('formatBytes', () => {
  it.each([
    [0, '0 B'], [120, '120 B'], [999, '999 B'], [1_000, '1.0 KB'], [1_500, '1.5 KB'], [512_000, '512 KB'],
    [8_400_000, '8.4 MB'], [25_000_000, '25 MB'], [3_200_000_000, '3.2 GB'], [5e15, '5000 TB'],
  ])('%i bytes read as %s', (bytes, text) => {
    expect(formatBytes(bytes)).toBe(text);
  });

  it.each([[999_999, '1.0 MB'], [9_960, '10 KB']])('%i bytes read as %s (rounding at a unit boundary)', (bytes, text) => {
    expect(formatBytes(bytes)).toBe(text);
  });
});

const record = (over: Partial<ExportRecord> = {}): ExportRecord => ({
  id: '01jexport0000000000000000a',
  tenant: 'acme',
  status: 'succeeded',
  format: 'csv',
  filters: { range: '7d', action: ['project.*'] },
  window: { action: ['project.*'], from: '2026-03-03T12:00:00.000Z', to: '2026-03-10T12:00:00.000Z' },
  retentionDays: 90,
  email: 'ops@example.com',
  requestedBy: 'tok_1',
  createdAt: '2026-03-10T12:00:00.000Z',
  startedAt: '2026-03-10T12:00:01.000Z',
  completedAt: '2026-03-10T12:03:00.000Z',
  fileExpiresAt: '2026-03-17T12:03:00.000Z',
  key: 'exports/acme/01jexport0000000000000000a.csv',
  uploadId: 'up-1',
  seq: 3,
  part: 3,
  rowCount: 123_456,
  bytes: 8_400_000,
  ...over,
});
const link = { url: 'https://bucket.s3.amazonaws.com/exports/acme/x.csv?X-Amz-Signature=abc&X-Amz-Expires=86400', expiresAt: '2026-03-11T12:03:00.000Z' };

describe('readyMail', () => {
  it('gives the row count and size in the subject; the link, filters and expiry in the text', () => {
    // Act
    const mail = readyMail(record(), link);

    // Assess
    expect(mail.subject).toBe('Audit log export ready: 123,456 events, 8.4 MB');
    expect(mail.text).toContain('123,456 events, 8.4 MB');
    expect(mail.text).toContain(link.url);
    expect(mail.text).toContain('action project.* · from 2026-03-03T12:00:00.000Z to 2026-03-10T12:00:00.000Z');
    expect(mail.text).toContain(`valid until ${link.expiresAt}`);
    expect(mail.text).toContain('2026-03-17T12:03:00.000Z');
    expect(mail.html).toContain(`href="${link.url.replace(/&/g, '&#38;')}"`);
  });

  it('says "1 event" for one row', () => {
    expect(readyMail(record({ rowCount: 1, bytes: 300 }), link).subject).toBe('Audit log export ready: 1 event, 300 B');
  });

  it('escapes HTML in the filters of the HTML part', () => {
    // Prepare
    const r = record({ window: { q: '<script>alert("x")</script>', actor: '<img src=x onerror=alert(1)>', to: '2026-03-10T12:00:00.000Z' } });

    // Act
    const mail = readyMail(r, link);

    // Assess
    expect(mail.html).not.toContain('<script>');
    expect(mail.html).not.toContain('<img');
    expect(mail.html).toContain('&#60;script&#62;alert(&#34;x&#34;)&#60;/script&#62;');
    expect(mail.text).toContain('<script>alert("x")</script>');
  });
});

describe('failedMail', () => {
  it('gives the reason and the filters', () => {
    // Act
    const mail = failedMail(record({ status: 'failed' }), 'The export took longer than allowed.');

    // Assess
    expect(mail.subject).toBe('Audit log export failed');
    expect(mail.text).toContain('Why: The export took longer than allowed.');
    expect(mail.text).toContain('action project.*');
    expect(mail.html).toContain('The export took longer than allowed.');
  });

  it('escapes HTML in the reason and the filters of the HTML part', () => {
    // Act
    const mail = failedMail(record({ status: 'failed', window: { q: '<script>x</script>' } }), 'bad <script>alert(1)</script> & worse');

    // Assess
    expect(mail.html).not.toContain('<script>');
    expect(mail.html).toContain('bad &#60;script&#62;alert(1)&#60;/script&#62; &#38; worse');
    expect(mail.html).toContain('text &#34;&#60;script&#62;x&#60;/script&#62;&#34;');
  });
});

describe('exportView', () => {
  /** The contract's fields of GET /v1/exports/{id}. */
  const CONTRACT_FIELDS = ['id', 'status', 'rowCount', 'bytes', 'createdAt', 'completedAt', 'downloadUrl', 'error'];

  it('gives a succeeded export its download link, size and expiry', () => {
    // Act
    const view = exportView(record(), link);

    // Assess
    expect(view).toEqual({
      id: '01jexport0000000000000000a', status: 'succeeded', format: 'csv', filters: { range: '7d', action: ['project.*'] },
      email: 'ops@example.com', rowCount: 123_456, bytes: 8_400_000, createdAt: '2026-03-10T12:00:00.000Z',
      startedAt: '2026-03-10T12:00:01.000Z', completedAt: '2026-03-10T12:03:00.000Z', downloadUrl: link.url,
      downloadUrlExpiresAt: link.expiresAt, fileExpiresAt: '2026-03-17T12:03:00.000Z', error: null,
    });
  });

  it('never exposes internals (tenant, key, upload id, window, requester, progress)', () => {
    // Act
    const view = exportView(record(), link) as unknown as Record<string, unknown>;

    // Assess
    for (const key of ['tenant', 'key', 'uploadId', 'window', 'requestedBy', 'seq', 'part', 'carry', 'after', 'mail', 'retentionDays']) expect(view).not.toHaveProperty(key);
  });

  it.each([
    ['queued', { status: 'queued', startedAt: undefined, completedAt: undefined, fileExpiresAt: undefined, uploadId: undefined, rowCount: 0, bytes: 0 }],
    ['running', { status: 'running', completedAt: undefined, fileExpiresAt: undefined, rowCount: 5_000 }],
    ['failed', { status: 'failed', fileExpiresAt: undefined, error: 'Narrow the filters.' }],
  ] as const)('gives a %s export no link, even when one is passed, and every contract field', (status, over) => {
    // Act
    const view = exportView(record(over as Partial<ExportRecord>), link);

    // Assess
    expect(view.status).toBe(status);
    expect(view.downloadUrl).toBeNull();
    expect(view.downloadUrlExpiresAt).toBeNull();
    expect(view.fileExpiresAt).toBeNull();
    for (const field of CONTRACT_FIELDS) expect(view).toHaveProperty(field);
    expect(Object.values(view)).not.toContain(undefined);
  });

  it('shows rows written so far while running; null sizes and times when absent', () => {
    // Act
    const running = exportView(record({ status: 'running', completedAt: undefined, rowCount: 5_000, bytes: 6_000_000 }));
    const queued = exportView(record({ status: 'queued', startedAt: undefined, completedAt: undefined, rowCount: 0, bytes: 0 }));
    const failed = exportView(record({ status: 'failed', error: 'Narrow the filters.' }));

    // Assess
    expect(running).toMatchObject({ rowCount: 5_000, bytes: 6_000_000, completedAt: null, error: null });
    expect(queued).toMatchObject({ rowCount: 0, bytes: null, startedAt: null, completedAt: null, downloadUrl: null, error: null });
    expect(failed).toMatchObject({ bytes: null, error: 'Narrow the filters.', downloadUrl: null });
  });

  it('gives a succeeded export without a link (file deleted) a null downloadUrl', () => {
    // Act
    const view = exportView(record({ fileExpiresAt: '2026-03-01T00:00:00.000Z' }));

    // Assess
    expect(view).toMatchObject({ status: 'succeeded', downloadUrl: null, downloadUrlExpiresAt: null, fileExpiresAt: '2026-03-01T00:00:00.000Z' });
  });
});

import { describe, expect, it } from 'vitest';
import { actorDetail, actorLabel, clientLabel, diffPath, diffRows, formatBytes, formatJson, formatSpan, formatTime, resourceLabel, resultBadge, severityLabel } from '../../../viewer/src/format.js';

describe('format', () => {
  it('shows local time with the UTC instant for hover', () => {
    const t = formatTime('2026-12-03T09:25:01.449Z', 'en-GB', 'Europe/Paris');
    expect(t.text).toBe('3 Dec 2026, 10:25:01');
    expect(t.utc).toBe('2026-12-03 09:25:01.449 UTC');
    expect(t.iso).toBe('2026-12-03T09:25:01.449Z');
    expect(formatTime('garbage').text).toBe('garbage');
  });

  it('shows a span without repeating the date on the same day', () => {
    expect(formatSpan('2026-12-03T08:00:00.000Z', '2026-12-03T09:00:00.000Z', 'en-GB', 'UTC').text).toBe('3 Dec 2026, 08:00:00 – 09:00:00');
    expect(formatSpan('2026-12-02T08:00:00.000Z', '2026-12-03T09:00:00.000Z', 'en-GB', 'UTC').text).toBe('2 Dec 2026, 08:00:00 – 3 Dec 2026, 09:00:00');
    expect(formatSpan('2026-12-02T08:00:00.000Z', '2026-12-02T08:00:00.000Z', 'en-GB', 'UTC').text).toBe('2 Dec 2026, 08:00:00');
  });

  it('labels actors: users by name or email, system-style actors by kind, a missing actor as [nobody]', () => {
    expect(actorLabel({ type: 'user', id: 'u_1', name: 'Ada', email: 'ada@example.com' })).toBe('Ada');
    expect(actorDetail({ type: 'user', id: 'u_1', name: 'Ada', email: 'ada@example.com' })).toBe('ada@example.com');
    expect(actorLabel({ type: 'user', id: 'u_1', email: 'ada@example.com' })).toBe('ada@example.com');
    expect(actorLabel({ type: 'user', id: 'u_1' })).toBe('u_1');
    expect(actorLabel({ type: 'system', id: 'npm-start' })).toBe('System (npm-start)');
    expect(actorLabel({ type: 'service', id: 'svc', name: 'billing' })).toBe('Service: billing');
    expect(actorLabel({ type: 'api_token', id: 'tok_1' })).toBe('API token: tok_1');
    expect(actorLabel(undefined)).toBe('[nobody]');
    expect(actorLabel({ type: 'user', id: '' })).toBe('[nobody]');
  });

  it('gives result badges and severity labels', () => {
    expect(resultBadge('success')).toEqual({ label: 'Success', tone: 'ok' });
    expect(resultBadge('failure')).toEqual({ label: 'Failure', tone: 'bad' });
    expect(resultBadge('invalid_input')).toEqual({ label: 'Invalid input', tone: 'warn' });
    expect(severityLabel('critical')).toBe('Critical');
    expect(severityLabel('weird')).toBe('weird');
  });

  it('formats clients, resources, bytes and JSON', () => {
    expect(clientLabel({ browser: 'Firefox 133', os: 'Windows 10', device: 'desktop' })).toBe('Firefox 133 · Windows 10 · desktop');
    expect(clientLabel(undefined)).toBe('—');
    expect(resourceLabel({ type: 'project', id: 'p_7', name: 'Survey' })).toBe('project Survey');
    expect(resourceLabel({ type: 'project', id: 'p_7' })).toBe('project p_7');
    expect(formatBytes(512)).toBe('512 B');
    expect(formatBytes(1536)).toBe('1.5 KB');
    expect(formatBytes(5 * 1024 * 1024)).toBe('5 MB');
    expect(formatBytes(undefined)).toBe('—');
    expect(formatJson({ a: [1] })).toBe('{\n  "a": [\n    1\n  ]\n}');
  });

  it('writes diff paths as a.b[2]', () => {
    expect(diffPath(['a', 'b', 2])).toBe('a.b[2]');
    expect(diffPath(['settings', 'odd key'])).toBe('settings["odd key"]');
    expect(diffPath([0, 'x'])).toBe('[0].x');
  });

  it('lists changed, added and removed leaves between before and after', () => {
    const rows = diffRows(
      { name: 'Old', tags: ['a', 'b'], owner: { id: 'u_1' }, gone: true },
      { name: 'New', tags: ['a', 'c'], owner: { id: 'u_1', role: 'admin' } },
    );
    expect(rows).toEqual([
      { path: 'gone', kind: 'removed', before: 'true', after: '' },
      { path: 'name', kind: 'changed', before: 'Old', after: 'New' },
      { path: 'owner.role', kind: 'added', before: '', after: 'admin' },
      { path: 'tags[1]', kind: 'changed', before: 'b', after: 'c' },
    ]);
    expect(diffRows(undefined, { a: 1 })).toEqual([{ path: 'a', kind: 'added', before: '', after: '1' }]);
  });
});

/** The stored form of event bodies: plain when tiny, versioned dictionary deflate otherwise. */
import { describe, expect, it } from 'vitest';
import { decodeBody, encodeBody } from '../../lambdas/core/body-codec.js';

const typical = JSON.stringify({
  id: '01M80P6HANMPQE2WGG4WPZNZ7T', occurredAt: '2026-11-22T03:53:32.757Z', receivedAt: '2026-11-22T03:53:32.757Z',
  action: 'project.updated', category: 'project', actor: { type: 'user', id: 'u_42', name: 'Ada Lovelace', email: 'ada@example.com' },
  resource: { type: 'project', id: 'p_7', name: 'Household survey' }, project: 'p_7', ip: '203.0.113.9',
  userAgent: 'Mozilla/5.0 (X11; Ubuntu; Linux x86_64; rv:132.0) Gecko/20100101 Firefox/132.0',
  client: { device: 'desktop', browser: 'Firefox 132', os: 'Ubuntu' }, result: 'success', severity: 'info',
  message: 'Ada updated project Household survey', changes: { before: { name: 'Survey' }, after: { name: 'Household survey' }, fields: ['name'] },
});

describe('body codec', () => {
  it('keeps tiny bodies as plain JSON', () => {
    expect(encodeBody('{"a":1}')).toBe('{"a":1}');
    expect(decodeBody('{"a":1}')).toBe('{"a":1}');
  });

  it('stores a typical event in well under half its JSON size, version byte first, and decodes it exactly', () => {
    // Act
    const stored = encodeBody(typical);

    // Assess
    expect(stored).toBeInstanceOf(Uint8Array);
    expect((stored as Uint8Array)[0]).toBe(1);
    expect((stored as Uint8Array).length).toBeLessThan(typical.length * 0.45);
    expect(decodeBody(stored)).toBe(typical);
  });

  it('round-trips non-ASCII text', () => {
    const text = JSON.stringify({ message: 'Zoë a renommé « Enquête ménages » — 東京 ✓'.repeat(10) });
    expect(decodeBody(encodeBody(text))).toBe(text);
  });

  it('refuses an unknown encoding version instead of returning garbage', () => {
    expect(() => decodeBody(new Uint8Array([9, 1, 2, 3]))).toThrow(/version 9/);
  });
});

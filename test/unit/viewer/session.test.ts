import { describe, expect, it } from 'vitest';
import { takeTokenFromHash } from '../../../viewer/src/session.js';

function fakes(hash: string) {
  const calls: string[] = [];
  const loc = { hash, pathname: '/viewer', search: '?tab=access' } as Location;
  const hist = { state: null, replaceState: (_s: unknown, _t: string, url: string) => calls.push(url) } as unknown as History;
  return { loc, hist, calls };
}

describe('session', () => {
  it('takes the token out of the fragment without a history entry, keeping the query and other fragment parameters', () => {
    // Prepare
    const { loc, hist, calls } = fakes('#token=alog_abc&x=1');
    // Act
    const token = takeTokenFromHash(loc, hist);
    // Assess
    expect(token).toBe('alog_abc');
    expect(calls).toEqual(['/viewer?tab=access#x=1']);
  });

  it('leaves the address alone without a token', () => {
    const { loc, hist, calls } = fakes('#section');
    expect(takeTokenFromHash(loc, hist)).toBeUndefined();
    expect(calls).toEqual([]);
  });

  it('drops the fragment entirely when the token was all it held', () => {
    const { loc, hist, calls } = fakes('#token=alog_abc');
    takeTokenFromHash(loc, hist);
    expect(calls).toEqual(['/viewer?tab=access']);
  });
});

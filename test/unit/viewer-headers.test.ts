/**
 * The web viewer's server side, pure parts (lambdas/core/viewer.ts): the signed-in link and
 * the security headers every viewer file is served with.
 */
import { describe, expect, it } from 'vitest';
import { checkFrameAncestors, requestOrigin, viewerHeaders, viewerSignInUrl } from '../../lambdas/core/viewer.js';

const csp = (headers: Record<string, string>) =>
  Object.fromEntries(headers['content-security-policy']!.split('; ').map((d) => { const [name, ...v] = d.split(' '); return [name!, v.join(' ')]; }));

describe('viewer sign-in link', () => {
  it('puts the token in the fragment of the viewer page, never in the path or query', () => {
    // Act
    const url = new URL(viewerSignInUrl('https://abc.execute-api.eu-west-1.amazonaws.com/', 'alog_x_y-z'));

    // Assess
    expect(url.pathname).toBe('/viewer');
    expect(url.search).toBe('');
    expect(url.hash).toBe('#token=alog_x_y-z');
  });

  it('takes the origin the client addressed, http only when the gateway saw http', () => {
    expect(requestOrigin({ host: 'audit.example.com' }, 'abc.execute-api.aws')).toBe('https://audit.example.com');
    expect(requestOrigin({ host: '127.0.0.1:4000', 'x-forwarded-proto': 'http' }, '127.0.0.1')).toBe('http://127.0.0.1:4000');
    expect(requestOrigin({}, 'abc.execute-api.aws')).toBe('https://abc.execute-api.aws');
  });
});

describe('viewer security headers', () => {
  const stream = 'wss://ws.example.com/live';

  it('allows scripts and styles from its own origin only: no inline script, no eval', () => {
    // Act
    const d = csp(viewerHeaders({ frameAncestors: "'none'", streamUrl: stream }));

    // Assess
    expect(d['default-src']).toBe("'none'");
    expect(d['script-src']).toBe("'self'");
    expect(d['style-src']).toBe("'self'");
    expect(JSON.stringify(d)).not.toMatch(/unsafe-(inline|eval)/);
    expect(d['connect-src']).toBe("'self' wss://ws.example.com");
    expect(d['base-uri']).toBe("'none'");
    expect(d['object-src']).toBe("'none'");
  });

  it('forbids framing by default (frame-ancestors and X-Frame-Options) and never leaks a referrer', () => {
    // Act
    const h = viewerHeaders({ frameAncestors: "'none'", streamUrl: stream });

    // Assess
    expect(csp(h)['frame-ancestors']).toBe("'none'");
    expect(h['x-frame-options']).toBe('DENY');
    expect(h['referrer-policy']).toBe('no-referrer');
    expect(h['x-content-type-options']).toBe('nosniff');
  });

  it('lets the configured origins frame it, without X-Frame-Options (which would forbid them)', () => {
    // Act
    const h = viewerHeaders({ frameAncestors: "'self'  https://app.example.com https://*.example.org:8443", streamUrl: stream });

    // Assess
    expect(csp(h)['frame-ancestors']).toBe("'self' https://app.example.com https://*.example.org:8443");
    expect(h['x-frame-options']).toBeUndefined();
  });

  it.each([
    ['*'], ["'unsafe-inline'"], ['javascript:alert(1)'], ['https://a.example.com; script-src *'], ["'none' https://a.example.com"],
  ])('rejects the frame-ancestors value %s at init', (value) => {
    expect(() => checkFrameAncestors(value)).toThrow(/ViewerFrameAncestors/);
  });

  it('treats an empty value as no framing', () => {
    expect(checkFrameAncestors('  ')).toBe("'none'");
  });
});

/**
 * The web viewer as the server sees it: where it is served, the sign-in link a viewer
 * session hands out, and the security headers of its files. Pure (no AWS SDK): used by
 * the catalogue (the route paths), the serving function and the session route.
 */

/** CSP `frame-ancestors` when nothing else is configured: no one may frame the viewer. */
export const NO_FRAMING = "'none'";

/** Path of the viewer's page; its files are served under `${VIEWER_PATH}/<file>`. */
export const VIEWER_PATH = '/viewer';

/**
 * The signed-in link of a viewer session: the page with the token in the URL's fragment,
 * which browsers never send to a server (so it is in no access log), and which the viewer
 * takes off the address bar on load.
 */
export function viewerSignInUrl(origin: string, token: string): string {
  return `${origin.replace(/\/+$/, '')}${VIEWER_PATH}#token=${encodeURIComponent(token)}`;
}

/** The request's own origin, as the client addressed it (`Host`, and the scheme the gateway saw). */
export function requestOrigin(headers: Readonly<Record<string, string | undefined>>, domainName: string): string {
  const proto = headers['x-forwarded-proto'] === 'http' ? 'http' : 'https';
  return `${proto}://${headers.host ?? domainName}`;
}

/** What the viewer page may embed in and connect to. */
export interface ViewerSecurity {
  /**
   * CSP `frame-ancestors` sources: who may show the viewer in a frame (stack parameter
   * `ViewerFrameAncestors`), e.g. `'self' https://app.example.com`; `'none'` forbids framing.
   */
  readonly frameAncestors: string;
  /** The live stream's WebSocket URL (the one other origin the viewer talks to). */
  readonly streamUrl: string;
}

/** Sources a `frame-ancestors` value may hold: keywords `'self'`/`'none'`, or http(s) origins with an optional `*.` host wildcard. */
const FRAME_SOURCE = /^('self'|'none'|https?:\/\/(\*\.)?[a-z0-9.-]+(:\d{1,5})?)$/i;

/** `frameAncestors` checked (space-separated sources); throws naming the bad source, so a wrong stack parameter fails at init. */
export function checkFrameAncestors(value: string): string {
  const sources = value.trim().split(/\s+/).filter(Boolean);
  if (!sources.length) return NO_FRAMING;
  for (const s of sources) if (!FRAME_SOURCE.test(s)) throw new Error(`ViewerFrameAncestors: '${s}' is not 'self', 'none' or an http(s) origin`);
  if (sources.includes("'none'") && sources.length > 1) throw new Error("ViewerFrameAncestors: 'none' cannot be combined with other sources");
  return sources.join(' ');
}

/**
 * Headers of every viewer response. The CSP allows scripts and styles from the API's own
 * origin only (no inline script, no eval), API calls to that origin and the live stream,
 * no plugins, no forms posting elsewhere, no `<base>` tricks; images only inline (`data:`)
 * or own. The token never leaks through a referrer (`no-referrer`).
 */
export function viewerHeaders(security: ViewerSecurity): Record<string, string> {
  const stream = new URL(security.streamUrl);
  const streamOrigin = `${stream.protocol}//${stream.host}`;
  const frameAncestors = checkFrameAncestors(security.frameAncestors);
  const csp = [
    "default-src 'none'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    "font-src 'self'",
    `connect-src 'self' ${streamOrigin}`,
    "base-uri 'none'",
    "form-action 'none'",
    "object-src 'none'",
    `frame-ancestors ${frameAncestors}`,
  ].join('; ');
  return {
    'content-security-policy': csp,
    'referrer-policy': 'no-referrer',
    'x-content-type-options': 'nosniff',
    'cross-origin-resource-policy': 'same-origin',
    'permissions-policy': 'camera=(), microphone=(), geolocation=(), payment=()',
    // Older browsers that ignore frame-ancestors: forbid framing outright when nothing may frame the viewer.
    ...(frameAncestors === NO_FRAMING ? { 'x-frame-options': 'DENY' } : {}),
  };
}

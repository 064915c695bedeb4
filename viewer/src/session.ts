/**
 * Where the viewer's token comes from and where it is kept.
 *
 * A viewer-session link carries the token in the URL fragment (`…/viewer#token=…`): browsers
 * never send a fragment to a server, so it is in no access log. On load it is taken off the
 * address bar at once with `history.replaceState` (so it never lands in history, bookmarks or
 * a shared link) and kept in `sessionStorage` only: a reload in the same tab still works,
 * closing the tab forgets it, other tabs and `localStorage` never see it.
 */

const KEY = 'alv.token';

/** The key of the stored token: one per API, so two viewers of two stacks do not mix tokens. */
function key(api: string): string {
  return `${KEY}:${api}`;
}

function storage(): Storage | undefined {
  try {
    return globalThis.sessionStorage;
  } catch {
    return undefined; // storage blocked (sandboxed frame, privacy settings): sign-in lasts until reload
  }
}

/**
 * Takes `token` out of the location's fragment (other fragment parameters are kept), removes
 * it from the address bar without a history entry, and returns it; undefined when absent.
 */
export function takeTokenFromHash(loc: Location = location, hist: History = history): string | undefined {
  const hash = loc.hash.startsWith('#') ? loc.hash.slice(1) : loc.hash;
  if (!hash) return undefined;
  const params = new URLSearchParams(hash);
  const token = params.get('token');
  if (!token) return undefined;
  params.delete('token');
  const rest = params.toString();
  hist.replaceState(hist.state, '', `${loc.pathname}${loc.search}${rest ? `#${rest}` : ''}`);
  return token;
}

/** The token for `api`: from the fragment (then stored for this tab) or the tab's storage. */
export function resolveToken(api: string): string | undefined {
  const fromHash = takeTokenFromHash();
  if (fromHash) {
    saveToken(api, fromHash);
    return fromHash;
  }
  return storage()?.getItem(key(api)) ?? undefined;
}

/** Keeps a token for this tab only. */
export function saveToken(api: string, token: string): void {
  try {
    storage()?.setItem(key(api), token);
  } catch {
    // quota or blocked storage: the token still works until reload
  }
}

/** Forgets the tab's token (expired, revoked or signed out). */
export function forgetToken(api: string): void {
  try {
    storage()?.removeItem(key(api));
  } catch {
    // nothing stored
  }
}

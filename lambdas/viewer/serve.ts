/**
 * GET /viewer and GET /viewer/{file+} (public): the web viewer's page and files, from the
 * same origin as the API (no CORS, no extra service, scales to zero). The files are built
 * at bundling time beside this function's code (see `viewer/build.ts`), read once per cold
 * start, and served with the viewer's security headers (core/viewer.ts), an ETag, and gzip
 * when the browser accepts it (API Gateway does not compress). Nothing here is secret: the
 * token reaches the page in the URL fragment, which no request carries.
 */
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { extname, join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { NotFoundError } from '../core/errors.js';
import { viewerHeaders } from '../core/viewer.js';
import { config } from '../shared/config.js';
import { countOutcome, route, type ApiResult } from '../shared/http.js';

const PAGE = 'index.html';
const TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
};

interface Asset { readonly body: Buffer; readonly gzip: Buffer; readonly etag: string; readonly type: string }

const dir = config.viewerAssetsDir;
const assets = new Map<string, Asset>(readdirSync(dir).filter((name) => TYPES[extname(name)]).map((name) => {
  const body = readFileSync(join(dir, name));
  return [name, { body, gzip: gzipSync(body, { level: 9 }), etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 27)}"`, type: TYPES[extname(name)]! }];
}));
if (!assets.has(PAGE)) throw new Error(`The viewer's ${PAGE} is missing from ${dir}`);
const security = viewerHeaders({ frameAncestors: config.viewerFrameAncestors, streamUrl: config.streamUrl });

export const handler = route({}, async (event): Promise<ApiResult> => {
  const name = event.pathParameters?.file ?? PAGE;
  const asset = assets.get(name);
  if (!asset) throw new NotFoundError(`The viewer file '${name}'`);
  countOutcome(name === PAGE ? 'ViewerPagesServed' : 'ViewerFilesServed'); // page loads: how much the viewer is used
  // Revalidate every time (names carry no content hash); an unchanged file costs a 304.
  const headers: Record<string, string> = { ...security, 'content-type': asset.type, etag: asset.etag, 'cache-control': 'no-cache', vary: 'accept-encoding' };
  if (event.headers['if-none-match'] === asset.etag) return { statusCode: 304, headers, body: '' };
  if (/\bgzip\b/.test(event.headers['accept-encoding'] ?? '')) {
    return { statusCode: 200, headers: { ...headers, 'content-encoding': 'gzip' }, body: asset.gzip.toString('base64'), isBase64Encoded: true };
  }
  return { statusCode: 200, headers, body: asset.body.toString('base64'), isBase64Encoded: true };
});

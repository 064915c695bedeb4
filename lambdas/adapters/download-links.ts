/**
 * Presigned download links for export files, signed with the long-lived key of
 * the `ExportLinkSigner` IAM user (see ExportWorkflow) instead of the
 * function's role: links signed with a role's temporary credentials stop
 * working when that session ends (an hour or so), long before the link's
 * advertised lifetime. The signer may only `s3:GetObject` export files.
 *
 * Only the SigV4 presigner is bundled, not the S3 client: signing is local
 * arithmetic (no request), which keeps the API's bundles small.
 */
import { formatUrl } from '@aws-sdk/core/util';
import { S3RequestPresigner } from '@aws-sdk/s3-request-presigner';
import { HttpRequest } from '@smithy/core/protocols';
import { Hash } from '@smithy/core/serde';
import { config } from '../shared/config.js';

const region = config.region;
const bucket = config.exportsBucket;
const presigner = new S3RequestPresigner({ credentials: config.exportSigner, region, sha256: Hash.bind(null, 'sha256') });
/** Locally: s3rver, path-style. */
const endpoint = process.env.AWS_ENDPOINT_URL_S3;

/** A link to download `key` as `fileName`, valid `seconds` from `now`. */
export async function downloadLink(key: string, fileName: string, seconds: number, now = Date.now()): Promise<{ url: string; expiresAt: string }> {
  const path = `/${key.split('/').map(encodeURIComponent).join('/')}`;
  const base = new URL(endpoint ? `${endpoint.replace(/\/$/, '')}/${bucket}` : `https://${bucket}.s3.${region}.amazonaws.com`);
  const request = new HttpRequest({
    method: 'GET',
    protocol: base.protocol,
    hostname: base.hostname,
    port: base.port ? Number(base.port) : undefined,
    path: `${base.pathname === '/' ? '' : base.pathname}${path}`,
    query: {
      'response-content-disposition': `attachment; filename="${fileName}"`,
      'response-content-type': 'text/csv; charset=utf-8',
    },
    headers: { host: base.host },
  });
  const signed = await presigner.presign(request, { expiresIn: seconds, signingDate: new Date(now) });
  return { url: formatUrl(signed), expiresAt: new Date(now + seconds * 1000).toISOString() };
}

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

/** What {@link createDownloadLinks} needs. */
export interface DownloadLinksConfig {
  readonly region: string;
  /** The exports bucket. */
  readonly bucket: string;
  /** The link signer's long-lived key. */
  readonly signer: { readonly accessKeyId: string; readonly secretAccessKey: string };
  /** An S3 endpoint to address path-style (locally: s3rver). @default - the bucket's virtual-hosted regional endpoint */
  readonly endpoint?: string;
}

/** Presigns download links. */
export interface DownloadLinks {
  /** A link to download `key` as `fileName`, valid `seconds` from `now`. */
  downloadLink(key: string, fileName: string, seconds: number, now?: number): Promise<{ url: string; expiresAt: string }>;
}

/** Links to objects of `bucket`, presigned with the signer's key (no request is made). */
export function createDownloadLinks({ region, bucket, signer, endpoint }: DownloadLinksConfig): DownloadLinks {
  const presigner = new S3RequestPresigner({ credentials: { ...signer }, region, sha256: Hash.bind(null, 'sha256') });
  return {
    async downloadLink(key, fileName, seconds, now = Date.now()) {
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
    },
  };
}

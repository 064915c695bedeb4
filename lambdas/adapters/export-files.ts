/**
 * Export files in S3: one multipart upload per export, one part per chunk
 * (part numbers follow the chunk sequence, so a retried chunk overwrites its
 * own part: idempotent), and small carry-over objects between chunks. Every S3
 * failure surfaces as an {@link ExportDependencyError} (retried by the state
 * machine) or a {@link PermanentExportError}, with a message safe to show.
 *
 * Locally (s3rver) the client's endpoint comes from `AWS_ENDPOINT_URL_S3`, with
 * path-style addressing (`config.s3ForcePathStyle`, set by the composition module)
 * and checksums only where required (`AWS_REQUEST_CHECKSUM_CALCULATION` /
 * `AWS_RESPONSE_CHECKSUM_VALIDATION`).
 */
import {
  AbortMultipartUploadCommand, CompleteMultipartUploadCommand, CreateMultipartUploadCommand, DeleteObjectCommand,
  GetObjectCommand, HeadObjectCommand, PutObjectCommand, type S3Client, UploadPartCommand,
} from '@aws-sdk/client-s3';
import { ExportDependencyError, PermanentExportError } from '../core/exports.js';

const CSV = 'text/csv; charset=utf-8';

/** Runs an S3 call; turns its failure into a workflow error that names what failed. */
async function call<T>(what: string, send: () => Promise<T>, permanent: readonly string[] = []): Promise<T> {
  try {
    return await send();
  } catch (err) {
    const name = (err as Error).name;
    const message = `S3 could not ${what} (${name}).`;
    throw permanent.includes(name) ? new PermanentExportError(message, { cause: err }) : new ExportDependencyError(message, { cause: err });
  }
}

/** What {@link createExportFiles} needs. */
export interface ExportFilesConfig {
  /** An S3 client (path-style locally: s3rver has no virtual-hosted buckets). */
  readonly s3: S3Client;
  /** The exports bucket. */
  readonly bucket: string;
}

/** Export files: multipart uploads, carry-overs, clean-up. */
export type ExportFiles = ReturnType<typeof createExportFiles>;

/** Export files in `bucket`, through `s3`. */
export function createExportFiles({ s3, bucket: Bucket }: ExportFilesConfig) {
  /** Opens the multipart upload of the file `key`, saved by browsers as `fileName`. */
  async function createUpload(key: string, fileName: string): Promise<string> {
    const r = await call('start the file upload', () => s3.send(new CreateMultipartUploadCommand({
      Bucket, Key: key, ContentType: CSV, ContentDisposition: `attachment; filename="${fileName}"`,
    })));
    return r.UploadId!;
  }

  /** Uploads part `n`; returns its ETag. */
  async function uploadPart(key: string, uploadId: string, n: number, body: Buffer): Promise<string> {
    const r = await call(`store part ${n} of the file`, () => s3.send(new UploadPartCommand({
      Bucket, Key: key, UploadId: uploadId, PartNumber: n, Body: body, ContentLength: body.length,
    })), ['NoSuchUpload']);
    return r.ETag!;
  }

  /** Completes the upload from its parts; a retry after a completed one finds the file and succeeds. */
  async function completeUpload(key: string, uploadId: string, parts: { n: number; etag: string }[]): Promise<void> {
    try {
      await s3.send(new CompleteMultipartUploadCommand({
        Bucket, Key: key, UploadId: uploadId,
        MultipartUpload: { Parts: parts.map((p) => ({ PartNumber: p.n, ETag: p.etag })) },
      }));
    } catch (err) {
      // A retry after a completion whose answer was lost: the upload is gone and the file is there.
      if ((err as Error).name === 'NoSuchUpload' && (await fileSize(key)) !== undefined) return;
      const name = (err as Error).name;
      const message = `S3 could not assemble the file (${name}).`;
      throw ['NoSuchUpload', 'InvalidPart', 'InvalidPartOrder', 'EntityTooSmall'].includes(name)
        ? new PermanentExportError(message, { cause: err })
        : new ExportDependencyError(message, { cause: err });
    }
  }

  /** Aborts the upload (its parts are deleted); an upload that is already gone is fine. */
  async function abortUpload(key: string, uploadId: string): Promise<void> {
    try {
      await s3.send(new AbortMultipartUploadCommand({ Bucket, Key: key, UploadId: uploadId }));
    } catch (err) {
      if ((err as Error).name !== 'NoSuchUpload') throw new ExportDependencyError(`S3 could not abort the upload (${(err as Error).name}).`, { cause: err });
    }
  }

  /** The size of object `key`, or undefined when absent. */
  async function fileSize(key: string): Promise<number | undefined> {
    try {
      return (await s3.send(new HeadObjectCommand({ Bucket, Key: key }))).ContentLength;
    } catch (err) {
      if ((err as Error).name === 'NotFound' || (err as Error).name === 'NoSuchKey') return undefined;
      throw new ExportDependencyError(`S3 could not read the file's size (${(err as Error).name}).`, { cause: err });
    }
  }

  /** Stores a carry-over (rows too few for a part) for the next chunk. */
  async function putCarry(key: string, body: Buffer): Promise<void> {
    await call('keep rows for the next chunk', () => s3.send(new PutObjectCommand({ Bucket, Key: key, Body: body, ContentLength: body.length, ContentType: CSV })));
  }

  /** Reads a carry-over back; undefined when it is gone (a duplicate attempt of its chunk consumed it). */
  async function getCarry(key: string): Promise<Buffer | undefined> {
    try {
      const r = await s3.send(new GetObjectCommand({ Bucket, Key: key }));
      return Buffer.from(await r.Body!.transformToByteArray());
    } catch (err) {
      if ((err as Error).name === 'NoSuchKey') return undefined;
      throw new ExportDependencyError(`S3 could not read the rows kept by the last chunk (${(err as Error).name}).`, { cause: err });
    }
  }

  /** Deletes an object (deleting an absent one succeeds in S3). */
  async function deleteFile(key: string): Promise<void> {
    await call('delete a temporary file', () => s3.send(new DeleteObjectCommand({ Bucket, Key: key })));
  }

  return { createUpload, uploadPart, completeUpload, abortUpload, fileSize, putCarry, getCarry, deleteFile };
}

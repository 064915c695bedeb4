/**
 * Opaque, tamper-proof cursors: base64url(JSON) + HMAC-SHA256, bound to the
 * tenant and the canonical filter. A forged, altered or foreign cursor fails
 * verification and the caller gets 400 `invalid_cursor`.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { ValidationError } from './errors.js';

/** Signs `state` for `tenant` + `binding` (the canonical filter). */
export function encodeCursor(secret: string, tenant: string, binding: string, state: unknown): string {
  const payload = Buffer.from(JSON.stringify(state)).toString('base64url');
  return `${payload}.${mac(secret, tenant, binding, payload)}`;
}

/** Verifies and decodes a cursor made by {@link encodeCursor}; throws 400 otherwise. */
export function decodeCursor<T>(secret: string, tenant: string, binding: string, cursor: string): T {
  const [payload, signature, extra] = cursor.split('.');
  // Compare the signature as text: base64url decoding is lenient (spare bits, stray characters), the text is not.
  const expected = Buffer.from(payload ? mac(secret, tenant, binding, payload) : '');
  const given = Buffer.from(signature ?? '');
  if (!payload || extra !== undefined || given.length !== expected.length || !timingSafeEqual(given, expected)) {
    throw new ValidationError('The cursor is not valid for this tenant and these filters.', [{ path: 'cursor', message: 'is invalid, altered, or was issued for other filters' }], 'invalid_cursor');
  }
  return JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as T;
}

function mac(secret: string, tenant: string, binding: string, payload: string): string {
  return createHmac('sha256', secret).update(`${tenant}\n${binding}\n${payload}`).digest('base64url');
}

/**
 * How an event's JSON is stored in the `b` attribute. Every byte is paid for
 * five times (the item and its four index copies) for the whole retention, so
 * bodies above a few hundred bytes are deflated against a preset dictionary of
 * the JSON keys and values audit events share (their own short body repeats
 * little, so a plain deflate only gets ~40 %; the dictionary gets ~65 %).
 *
 * Binary layout: one version byte, then raw deflate. A dictionary is never
 * edited once items exist: a new one gets a new version and old items keep
 * decoding with theirs. Bodies that would not shrink are stored as plain JSON
 * strings. Pure, no AWS SDK.
 */
import { deflateRawSync, inflateRawSync } from 'node:zlib';

/** Version 1: raw deflate with this dictionary. NEVER EDIT (see above). */
const DICTIONARY_V1 = Buffer.from(
  '{"id":"","occurredAt":"20","receivedAt":"20","action":"","category":"","actor":{"type":"user","id":"","name":"","email":"@"},' +
    '"resource":{"type":"","id":"","name":""},"project":"","ip":"",' +
    '"userAgent":"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/ Safari/537.36",' +
    '"userAgent":"Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/ Mobile/15E148 Safari/604.1",' +
    '"userAgent":"Mozilla/5.0 (X11; Ubuntu; Linux x86_64; rv:) Gecko/20100101 Firefox/",' +
    '"client":{"device":"desktop","browser":"Chrome ","os":"Windows 10"},"result":"success","severity":"info","message":"",' +
    '"changes":{"before":{},"after":{},"fields":[]},"metadata":{}}',
);
const CURRENT = 1;
const DICTIONARIES: Record<number, Buffer> = { 1: DICTIONARY_V1 };
/** Below this, deflate's overhead eats the gain. */
const COMPRESS_ABOVE = 200;
/** A 4 KB window and lighter state cut zlib's per-call set-up; events are small. */
const DEFLATE = { windowBits: 12, memLevel: 5 } as const;

/** The stored form of an event's JSON. */
export function encodeBody(json: string): string | Uint8Array {
  if (json.length <= COMPRESS_ABOVE) return json;
  const deflated = deflateRawSync(json, { ...DEFLATE, dictionary: DICTIONARIES[CURRENT] });
  if (deflated.length + 1 >= Buffer.byteLength(json)) return json;
  const out = new Uint8Array(deflated.length + 1);
  out[0] = CURRENT;
  out.set(deflated, 1);
  return out;
}

/** The JSON of a stored body. */
export function decodeBody(body: string | Uint8Array): string {
  if (typeof body === 'string') return body;
  const dictionary = DICTIONARIES[body[0]!];
  if (!dictionary) throw new Error(`Unknown body encoding version ${body[0]}`);
  return inflateRawSync(body.subarray(1), { dictionary }).toString('utf8');
}

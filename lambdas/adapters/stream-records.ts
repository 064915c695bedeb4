/**
 * The "stored item → event" step every Events-table stream consumer starts with: a
 * Lambda `DynamoDBStreamEvent` batch becomes the events it inserted, decoded, with the item
 * attributes filters are evaluated on. Modifications never happen (the table is append-only)
 * and removals are TTL expiries or deletions of nothing a consumer sends.
 */
import { unmarshall } from '@aws-sdk/util-dynamodb';
import type { AttributeValue as StreamAttributeValue, DynamoDBRecord } from 'aws-lambda';
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { type EventItem, fromItem } from '../core/keys.js';
import { splitEventPk, type StoredEvent } from '../core/stream.js';

/** One inserted event with where it sits in the stream. */
export interface InsertedEvent extends StoredEvent {
  readonly sequenceNumber: string;
}

/**
 * Lambda delivers binary attributes (`B`) as base64 text in the JSON event, where the SDK has
 * bytes (the deflated event body `b` is one).
 */
function binaryDecoded(image: Record<string, StreamAttributeValue>): Record<string, AttributeValue> {
  const out: Record<string, AttributeValue> = {};
  for (const [name, value] of Object.entries(image)) {
    out[name] = (typeof value.B === 'string' ? { B: Buffer.from(value.B, 'base64') } : value) as AttributeValue;
  }
  return out;
}

/**
 * The events `records` inserted, in stream order. An item that does not decode as an event (no
 * retry can change that) is left out and reported to `onUndecodable`, rather than failing the
 * batch again and again until the event source mapping gives the record up.
 */
export function insertedEvents(records: readonly DynamoDBRecord[], onUndecodable?: (sequenceNumber: string, error: unknown) => void): InsertedEvent[] {
  const out: InsertedEvent[] = [];
  for (const record of records) {
    const image = record.dynamodb?.NewImage;
    if (record.eventName !== 'INSERT' || !image) continue;
    const sequenceNumber = record.dynamodb?.SequenceNumber ?? '';
    try {
      const item = unmarshall(binaryDecoded(image)) as EventItem;
      const key = splitEventPk(item.pk);
      if (!key) throw new Error(`the key ${JSON.stringify(item.pk)} is not {tenant}#{id}`);
      out.push({ tenant: key.tenant, item, event: fromItem(item), sequenceNumber });
    } catch (error) {
      onUndecodable?.(sequenceNumber, error);
    }
  }
  return out;
}

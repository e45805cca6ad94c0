import type { TranscriptEvent } from './events.js';

/** S3 keys in event notifications are URL-encoded with `+` for space (`@` arrives as `%40`). */
export function decodeS3Key(key: string): string {
  try {
    return decodeURIComponent(key.replace(/\+/g, ' '));
  } catch {
    return key;
  }
}

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/** An S3 event notification record (direct, or inside SQS/SNS) as an object reference; null if not one. */
export function s3RecordToObject(record: Json): TranscriptEvent | null {
  const s3 = record.s3;
  if (record.eventSource !== 'aws:s3' || !isObject(s3)) return null;
  if (typeof record.eventName === 'string' && !record.eventName.startsWith('ObjectCreated:')) return null;
  const bucket = isObject(s3.bucket) ? s3.bucket.name : undefined;
  const object = isObject(s3.object) ? s3.object : undefined;
  if (typeof bucket !== 'string' || typeof object?.key !== 'string') return null;
  return {
    type: 'object',
    bucket,
    key: decodeS3Key(object.key),
    size: typeof object.size === 'number' ? object.size : null,
    versionId: typeof object.versionId === 'string' ? object.versionId : null,
  };
}

/** An EventBridge `Object Created` event as an object reference (its key is not URL-encoded). */
export function eventBridgeToObject(event: Json): TranscriptEvent | null {
  if (event.source !== 'aws.s3' || event['detail-type'] !== 'Object Created' || !isObject(event.detail)) return null;
  const { bucket, object } = event.detail;
  if (!isObject(bucket) || !isObject(object) || typeof bucket.name !== 'string' || typeof object.key !== 'string') {
    return null;
  }
  return {
    type: 'object',
    bucket: bucket.name,
    key: object.key,
    size: typeof object.size === 'number' ? object.size : null,
    versionId: typeof object['version-id'] === 'string' ? object['version-id'] : null,
  };
}

export { isObject, type Json };

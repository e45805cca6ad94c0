/** An `s3://bucket/key` URI split, or an error naming the bad value. */
export interface S3Location {
  readonly bucket: string;
  readonly key: string;
  /** A key ending in `/` names every object under it (a rules folder); otherwise one object. */
  readonly isPrefix: boolean;
}

const BUCKET = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;

/**
 * IOC and rule sources: a full `s3://bucket/key` URI, or a key inside the pipeline's config bucket. Keys with `*` are
 * refused: the IAM grant is written from them and must not widen silently.
 */
export function parseSource(source: string, configBucket: string): S3Location {
  const uri = source.startsWith('s3://') ? source : `s3://${configBucket}/${source.replace(/^\/+/, '')}`;
  const match = /^s3:\/\/([^/]+)\/(.+)$/.exec(uri);
  if (!match || !BUCKET.test(match[1]!)) throw new Error(`not an s3://bucket/key source: ${source}`);
  const key = match[2]!;
  if (key.includes('*') || key.includes('?')) throw new Error(`wildcards are not allowed in sources: ${source}`);
  return { bucket: match[1]!, key, isPrefix: key.endsWith('/') };
}

export function sourceUri(location: S3Location): string {
  return `s3://${location.bucket}/${location.key}`;
}

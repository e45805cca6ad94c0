import type { S3Client } from '@aws-sdk/client-s3';
import type { ObjectReader } from './inputs.js';

/** S3 through the standard credential chain; `endpoint` points at an emulator or a VPC endpoint. */
export function s3ObjectReader(options: { endpoint?: string; region?: string } = {}): ObjectReader {
  let sdk: Promise<{ s3: typeof import('@aws-sdk/client-s3'); client: S3Client }> | null = null;
  // the SDK is loaded on first use: local runs never pay for it
  const open = () => {
    sdk ??= import('@aws-sdk/client-s3').then((s3) => ({
      s3,
      client: new s3.S3Client({
        ...(options.endpoint ? { endpoint: options.endpoint, forcePathStyle: true } : {}),
        region: options.region ?? process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION ?? 'us-east-1',
      }),
    }));
    return sdk;
  };
  return {
    async *list(bucket, prefix) {
      const { s3, client } = await open();
      let token: string | undefined;
      do {
        const page = await client.send(
          new s3.ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ContinuationToken: token }),
        );
        for (const o of page.Contents ?? []) if (o.Key && !o.Key.endsWith('/')) yield o.Key;
        token = page.IsTruncated ? page.NextContinuationToken : undefined;
      } while (token);
    },
    async get(bucket, key, o = {}) {
      const { s3, client } = await open();
      const out = await client.send(
        new s3.GetObjectCommand({
          Bucket: bucket,
          Key: key,
          ...(o.offset ? { Range: `bytes=${o.offset}-` } : {}),
          ...(o.versionId ? { VersionId: o.versionId } : {}),
        }),
      );
      if (!out.Body) throw new Error(`s3://${bucket}/${key} has no body`);
      return out.Body as AsyncIterable<Uint8Array>;
    },
  };
}

import type { S3Client } from '@aws-sdk/client-s3';
import { s3Client, sdk } from '../aws/clients.js';
import type { ObjectReader } from './inputs.js';

/**
 * S3 through the standard credential chain, with the shared connection and request timeouts (a hung endpoint fails
 * the object instead of the run); `endpoint` points at an emulator or a VPC endpoint. The SDK loads on first use:
 * local runs never pay for it.
 */
export function s3ObjectReader(options: { endpoint?: string; region?: string } = {}): ObjectReader {
  return s3Objects(
    s3Client({
      ...(options.endpoint ? { endpoint: options.endpoint } : {}),
      region: options.region ?? process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION ?? 'us-east-1',
    }),
  );
}

/** Lists and reads objects through an S3 client (folder markers, keys ending in `/`, are not listed). */
export function s3Objects(client: Pick<S3Client, 'send'>): ObjectReader {
  return {
    async *list(bucket, prefix) {
      const { ListObjectsV2Command } = await sdk.s3();
      let token: string | undefined;
      do {
        const page = await client.send(
          new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ContinuationToken: token }),
        );
        for (const o of page.Contents ?? []) if (o.Key && !o.Key.endsWith('/')) yield o.Key;
        token = page.IsTruncated ? page.NextContinuationToken : undefined;
      } while (token);
    },
    async get(bucket, key, o = {}) {
      const { GetObjectCommand } = await sdk.s3();
      const out = await client.send(
        new GetObjectCommand({
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

import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixturesDir, sessionsDir } from '../../helpers/paths.js';
import {
  captureOutput,
  cliAlertIds,
  coldStart,
  type Emulators,
  ids,
  s3Record,
  sqsEvent,
  startEmulators,
  TRANSCRIPT_KEY,
} from './helpers.js';

/**
 * SSE-KMS transcripts are read with the ordinary GetObject: S3 decrypts, and refuses when the caller's role may not
 * use the key. s3rver has no KMS, so a local endpoint answers GetObject as S3 does (REST, XML errors) with the
 * answers S3 gives for an SSE-KMS object: the bytes, or AccessDenied naming kms:Decrypt, or a disabled key.
 */
const MALLORY = 'mallory-09f8e7d6c5b4a3921';
const ROLE =
  'arn:aws:sts::111122223333:assumed-role/sessionwatch-pipeline-transcripts-eu-west-1/sessionwatch-transcripts';
const KEY_ARN = 'arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab';
const keys = {
  readable: TRANSCRIPT_KEY(MALLORY),
  kmsDenied: '111122223333/session-logs/bob-0a1b2c3d4e5f60718.log',
  keyDisabled: '111122223333/session-logs/carol-0b1c2d3e4f5a60718.log',
  bucketDenied: '111122223333/session-logs/dave-0c1d2e3f4a5b60718.log',
};

const s3Error = (status: number, code: string, message: string) => ({
  status,
  body: `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>${message}</Message><RequestId>4442587FB7D0A2F9</RequestId><HostId>aGVsbG8=</HostId></Error>`,
});

function answer(path: string): { status: number; body: Buffer | string; kms?: boolean } {
  switch (path) {
    case `/transcripts/${keys.readable}`:
      return { status: 200, body: readFileSync(join(sessionsDir, `${MALLORY}.log`)), kms: true };
    case '/config/iocs/iocs.txt':
      return { status: 200, body: readFileSync(join(fixturesDir, 'iocs.txt')) };
    case `/transcripts/${keys.kmsDenied}`:
      return s3Error(
        403,
        'AccessDenied',
        `User: ${ROLE} is not authorized to perform: kms:Decrypt on resource: ${KEY_ARN} because no identity-based policy allows the kms:Decrypt action`,
      );
    case `/transcripts/${keys.keyDisabled}`:
      return s3Error(400, 'KMS.DisabledException', `${KEY_ARN} is disabled.`);
    case `/transcripts/${keys.bucketDenied}`:
      return s3Error(
        403,
        'AccessDenied',
        `User: ${ROLE} is not authorized to perform: s3:GetObject on resource: "arn:aws:s3:::transcripts/${keys.bucketDenied}" with an explicit deny in a resource-based policy`,
      );
    default:
      return s3Error(404, 'NoSuchKey', 'The specified key does not exist.');
  }
}

let server: Server;
let endpoint: string;
let emu: Emulators;
const requests: string[] = [];

beforeAll(async () => {
  emu = await startEmulators(); // the tables
  server = createServer((req, res) => {
    const path = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
    requests.push(`${req.method} ${path}`);
    const a = answer(path);
    res.writeHead(a.status, {
      'content-type': a.status === 200 ? 'text/plain' : 'application/xml',
      'x-amz-request-id': '4442587FB7D0A2F9',
      ...(a.kms
        ? { 'x-amz-server-side-encryption': 'aws:kms', 'x-amz-server-side-encryption-aws-kms-key-id': KEY_ARN }
        : {}),
    });
    res.end(a.body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise<void>((resolve) => server?.close(() => resolve()));
  await emu?.close();
});

describe('SSE-KMS transcripts', () => {
  it('are read through GetObject; a KMS refusal is reported as a KMS permission problem, the rest of the batch goes on', async () => {
    const { handler, delivered } = await coldStart(emu, {
      AWS_ENDPOINT_URL_S3: endpoint,
      LOG_LEVEL: 'INFO',
      POWERTOOLS_METRICS_DISABLED: 'false',
    });
    const message = (id: string, key: string) => ({ id, body: JSON.stringify({ Records: [s3Record(key)] }) });
    const { result, output } = await captureOutput(() =>
      handler(
        sqsEvent([
          message('m-kms', keys.kmsDenied),
          message('m-ok', keys.readable),
          message('m-disabled', keys.keyDisabled),
          message('m-bucket', keys.bucketDenied),
        ]),
      ),
    );

    expect(requests).toContain(`GET /transcripts/${keys.kmsDenied}`);
    // each unreadable object fails alone (retried, then dead-lettered); the readable one alerted
    expect(result).toEqual({
      batchItemFailures: [
        { itemIdentifier: 'm-kms' },
        { itemIdentifier: 'm-disabled' },
        { itemIdentifier: 'm-bucket' },
      ],
    });
    expect(ids(delivered())).toEqual(await cliAlertIds(join(sessionsDir, `${MALLORY}.log`)));

    expect(output.metrics).toMatchObject({ KmsAccessDenied: 2, ObjectReadErrors: 3 });
    const errors = output.logs.filter((l) => l.level === 'ERROR');
    const byMessage = (id: string) => errors.find((l) => l.messageId === id)!;
    expect(byMessage('m-kms')).toMatchObject({
      message: 'transcript key refused: KMS permission problem',
      reason: 'kms',
      key: keys.kmsDenied,
    });
    expect(String(byMessage('m-kms').error)).toMatch(/KMS refused to decrypt .*grant kms:Decrypt .*AccessDenied/);
    expect(byMessage('m-disabled')).toMatchObject({ reason: 'kms' });
    expect(String(byMessage('m-disabled').error)).toMatch(/KMS\.DisabledException/);
    // an S3 refusal is not blamed on the key
    expect(byMessage('m-bucket')).toMatchObject({ message: 'object failed; it will be retried', reason: 'access' });
  });

  it('a direct S3 event of an object the key refuses fails the invocation with the KMS explanation', async () => {
    const { handler } = await coldStart(emu, { AWS_ENDPOINT_URL_S3: endpoint });
    await expect(handler({ Records: [s3Record(keys.kmsDenied)] })).rejects.toThrow(
      /KMS refused to decrypt the object: grant kms:Decrypt on the transcript key/,
    );
  });
});

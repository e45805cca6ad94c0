import { createHash, randomUUID } from 'node:crypto';
import { startHttpReceiver } from './http-receiver.js';

/**
 * An in-process endpoint for the AWS APIs no local emulator speaks here: SNS (query protocol), SQS, Secrets Manager
 * and CloudTrail (JSON protocols). The real SDK clients talk to it over HTTP, so requests are serialised and responses
 * parsed exactly as against AWS.
 */
export interface FakeAwsOptions {
  secrets?: Record<string, string>;
  /** CloudTrail events (the CloudTrailEvent JSON strings), newest first, served 2 a page unless pageSize says. */
  cloudTrailEvents?: string[];
  pageSize?: number;
  /** Answer the first N LookupEvents calls with ThrottlingException. */
  throttleLookups?: number;
}

export interface SnsPublished {
  topicArn: string;
  id: string;
  subject: string;
  message: string;
  attributes: Record<string, string>;
}

const xmlEscape = (s: string) => s.replace(/[<>&'"]/g, (c) => `&#${c.charCodeAt(0)};`);

export async function startFakeAws(options: FakeAwsOptions = {}) {
  const published: SnsPublished[] = [];
  const queue: { id: string; receipt: string; body: string; visible: boolean }[] = [];
  const calls: string[] = [];
  const state = { snsDown: false, throttleLookups: options.throttleLookups ?? 0 };

  const json = (status: number, body: unknown) => ({ status, body: JSON.stringify(body) });
  const jsonError = (status: number, type: string, message: string) => json(status, { __type: type, message });

  const receiver = await startHttpReceiver((req) => {
    const target = String(req.headers['x-amz-target'] ?? '');
    if (target) {
      const input = JSON.parse(req.body || '{}') as Record<string, unknown>;
      const op = target.split('.').pop()!;
      calls.push(op);
      switch (op) {
        case 'GetSecretValue': {
          const value = options.secrets?.[String(input.SecretId)];
          if (value === undefined)
            return jsonError(400, 'ResourceNotFoundException', 'Secrets Manager can’t find the specified secret.');
          return json(200, { ARN: input.SecretId, Name: 'secret', SecretString: value, VersionId: randomUUID() });
        }
        case 'LookupEvents': {
          if (state.throttleLookups > 0) {
            state.throttleLookups--;
            return jsonError(400, 'ThrottlingException', 'Rate exceeded');
          }
          const all = options.cloudTrailEvents ?? [];
          const size = options.pageSize ?? 2;
          const start = input.NextToken ? Number(input.NextToken) : 0;
          const page = all.slice(start, start + size);
          return json(200, {
            Events: page.map((e) => ({ EventId: randomUUID(), EventName: 'StartSession', CloudTrailEvent: e })),
            ...(start + size < all.length ? { NextToken: String(start + size) } : {}),
          });
        }
        case 'SendMessageBatch': {
          const entries = input.Entries as { Id: string; MessageBody: string }[];
          for (const e of entries)
            queue.push({ id: randomUUID(), receipt: randomUUID(), body: e.MessageBody, visible: true });
          const md5 = (text: string) => createHash('md5').update(text).digest('hex');
          return json(200, {
            Successful: entries.map((e) => ({
              Id: e.Id,
              MessageId: randomUUID(),
              MD5OfMessageBody: md5(e.MessageBody),
            })),
            Failed: [],
          });
        }
        case 'ReceiveMessage': {
          const max = Number(input.MaxNumberOfMessages ?? 1);
          const batch = queue.filter((m) => m.visible).slice(0, max);
          for (const m of batch) m.visible = false;
          return json(200, {
            Messages: batch.map((m) => ({
              MessageId: m.id,
              ReceiptHandle: m.receipt,
              Body: m.body,
              MD5OfBody: createHash('md5').update(m.body).digest('hex'),
            })),
          });
        }
        case 'DeleteMessage': {
          const i = queue.findIndex((m) => m.receipt === input.ReceiptHandle);
          if (i >= 0) queue.splice(i, 1);
          return json(200, {});
        }
        default:
          return jsonError(400, 'UnknownOperationException', op);
      }
    }
    // SNS: the query protocol (form-encoded request, XML response).
    const form = new URLSearchParams(req.body);
    const action = form.get('Action');
    calls.push(action ?? '?');
    if (action !== 'PublishBatch')
      return { status: 400, body: '<ErrorResponse><Error><Code>InvalidAction</Code></Error></ErrorResponse>' };
    if (state.snsDown) {
      return {
        status: 500,
        body: '<ErrorResponse><Error><Type>Receiver</Type><Code>InternalError</Code><Message>down</Message></Error><RequestId>x</RequestId></ErrorResponse>',
      };
    }
    const topicArn = form.get('TopicArn') ?? '';
    const ids: string[] = [];
    for (let i = 1; form.has(`PublishBatchRequestEntries.member.${i}.Id`); i++) {
      const p = `PublishBatchRequestEntries.member.${i}`;
      const attributes: Record<string, string> = {};
      for (let j = 1; form.has(`${p}.MessageAttributes.entry.${j}.Name`); j++) {
        attributes[form.get(`${p}.MessageAttributes.entry.${j}.Name`)!] =
          form.get(`${p}.MessageAttributes.entry.${j}.Value.StringValue`) ?? '';
      }
      const id = form.get(`${p}.Id`)!;
      ids.push(id);
      published.push({
        topicArn,
        id,
        subject: form.get(`${p}.Subject`) ?? '',
        message: form.get(`${p}.Message`) ?? '',
        attributes,
      });
    }
    const members = ids
      .map((id) => `<member><Id>${xmlEscape(id)}</Id><MessageId>${randomUUID()}</MessageId></member>`)
      .join('');
    return {
      status: 200,
      body: `<PublishBatchResponse xmlns="http://sns.amazonaws.com/doc/2010-03-31/"><PublishBatchResult><Successful>${members}</Successful><Failed/></PublishBatchResult><ResponseMetadata><RequestId>${randomUUID()}</RequestId></ResponseMetadata></PublishBatchResponse>`,
    };
  });
  return { ...receiver, published, queue, calls, state };
}

export type FakeAws = Awaited<ReturnType<typeof startFakeAws>>;

export const TEST_CREDENTIALS = { accessKeyId: 'AKIDLOCALTEST', secretAccessKey: 'local-test-secret' };

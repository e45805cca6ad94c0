import { randomUUID } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';

/**
 * Serves recorded AWS API responses over the real wire protocols, so the AWS SDK v3 clients serialise requests and
 * parse responses exactly as against AWS: SSM speaks JSON 1.1 (`X-Amz-Target: AmazonSSM.<Op>`), EC2 the EC2 query
 * protocol and IAM the query protocol (form-encoded `Action=<Op>&Version=…`, XML answers).
 *
 * A response is the file `<dir>/<service>/<Op>[@<param>…].<json|xml>` (params: the ones that pick the resource, e.g.
 * the role name; characters other than letters, digits, `.`, `_`, `-` become `_`), or `<…>.<status>.<ext>` to answer
 * with that HTTP status (a recorded error). No file: the error AWS gives for a missing resource.
 */
export interface RecordedAwsOptions {
  /** Answer these operations (`service:Op`) with AccessDenied, as a role without the permission would get. */
  deny?: string[];
  /** Answer as if this recorded file did not exist (`service:Op`). */
  missing?: string[];
  /** Replace a recorded body (`service:Op` → body text). */
  override?: Record<string, string>;
}

export interface RecordedCall {
  service: 'ssm' | 'ec2' | 'iam';
  operation: string;
  params: Record<string, string>;
  signed: boolean;
}

const safe = (s: string) => s.replace(/[^A-Za-z0-9._-]/g, '_');

/** The request parameters that name the recorded resource, in file-name order. */
const KEYS: Record<string, string[]> = {
  DescribeSecurityGroups: ['NextToken'],
  DescribeInstances: ['NextToken'],
  GetInstanceProfile: ['InstanceProfileName'],
  ListAttachedRolePolicies: ['RoleName'],
  ListRolePolicies: ['RoleName'],
  GetRolePolicy: ['RoleName', 'PolicyName'],
  GetPolicy: ['PolicyArn'],
  GetPolicyVersion: ['PolicyArn', 'VersionId'],
};

const CONTENT_TYPE = { ssm: 'application/x-amz-json-1.1', ec2: 'text/xml;charset=UTF-8', iam: 'text/xml' } as const;

function notFound(service: RecordedCall['service'], operation: string, params: Record<string, string>) {
  const requestId = randomUUID();
  if (service === 'ssm') {
    const message =
      operation === 'GetDocument' ? `Document with name ${params.Name} does not exist.` : `${operation} not recorded`;
    const type = operation === 'GetDocument' ? 'InvalidDocument' : 'ServiceSettingNotFound';
    return { status: 400, body: JSON.stringify({ __type: type, message }) };
  }
  if (service === 'iam') {
    return {
      status: 404,
      body: `<ErrorResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/"><Error><Type>Sender</Type><Code>NoSuchEntity</Code><Message>The ${operation} resource cannot be found.</Message></Error><RequestId>${requestId}</RequestId></ErrorResponse>`,
    };
  }
  return {
    status: 400,
    body: `<Response><Errors><Error><Code>InvalidParameterValue</Code><Message>${operation} not recorded</Message></Error></Errors><RequestID>${requestId}</RequestID></Response>`,
  };
}

function accessDenied(service: RecordedCall['service'], operation: string) {
  const message = `User: arn:aws:sts::111122223333:assumed-role/posture-audit/cli is not authorized to perform: ${service}:${operation}`;
  if (service === 'ssm') return { status: 400, body: JSON.stringify({ __type: 'AccessDeniedException', message }) };
  if (service === 'iam') {
    return {
      status: 403,
      body: `<ErrorResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/"><Error><Type>Sender</Type><Code>AccessDenied</Code><Message>${message}</Message></Error><RequestId>${randomUUID()}</RequestId></ErrorResponse>`,
    };
  }
  return {
    status: 403,
    body: `<Response><Errors><Error><Code>UnauthorizedOperation</Code><Message>You are not authorized to perform this operation.</Message></Error></Errors><RequestID>${randomUUID()}</RequestID></Response>`,
  };
}

export async function startRecordedAws(dir: string, options: RecordedAwsOptions = {}) {
  const calls: RecordedCall[] = [];

  function answer(req: IncomingMessage, body: string): { status: number; body: string; type: string } {
    const target = req.headers['x-amz-target'];
    let service: RecordedCall['service'];
    let operation: string;
    let params: Record<string, string>;
    if (typeof target === 'string') {
      service = 'ssm';
      operation = target.slice(target.indexOf('.') + 1);
      params = Object.fromEntries(
        Object.entries(JSON.parse(body || '{}') as Record<string, unknown>).map(([k, v]) => [k, String(v)]),
      );
    } else {
      const form = new URLSearchParams(body);
      operation = form.get('Action') ?? '';
      service = form.get('Version') === '2016-11-15' ? 'ec2' : 'iam';
      params = Object.fromEntries(form);
    }
    calls.push({
      service,
      operation,
      params,
      signed: /^AWS4-HMAC-SHA256 Credential=/.test(String(req.headers.authorization)),
    });
    const type = CONTENT_TYPE[service];
    const name = `${service}:${operation}`;
    if (options.deny?.includes(name)) return { ...accessDenied(service, operation), type };
    if (options.override?.[name] !== undefined) return { status: 200, body: options.override[name]!, type };
    const base = join(
      dir,
      service,
      [operation, ...(KEYS[operation] ?? []).filter((k) => params[k]).map((k) => safe(params[k]!))].join('@'),
    );
    if (!options.missing?.includes(name)) {
      const ext = service === 'ssm' ? 'json' : 'xml';
      if (existsSync(`${base}.${ext}`)) return { status: 200, body: readFileSync(`${base}.${ext}`, 'utf8'), type };
      for (const status of [400, 403, 404]) {
        const file = `${base}.${status}.${ext}`;
        if (existsSync(file)) return { status, body: readFileSync(file, 'utf8'), type };
      }
    }
    return { ...notFound(service, operation, params), type };
  }

  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const { status, body, type } = answer(req, Buffer.concat(chunks).toString('utf8'));
      res.writeHead(status, { 'content-type': type, 'x-amzn-requestid': randomUUID() });
      res.end(body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    calls,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

import { isLineFormat, type LineFormat } from '../alerts/formats/index.js';

export class SinkUriError extends Error {
  override name = 'SinkUriError';
}

export type SinkSpec =
  | { kind: 'stdout'; format: LineFormat; options: Record<string, string> }
  | { kind: 'file'; path: string; format: LineFormat; options: Record<string, string> }
  | { kind: 'sns'; topicArn: string; region: string; options: Record<string, string> }
  | { kind: 'hec'; url: string; options: Record<string, string> }
  | { kind: 'webhook'; url: string; format: LineFormat; options: Record<string, string> }
  | { kind: 'syslog'; tls: boolean; host: string; port: number; options: Record<string, string> }
  | { kind: 's3'; bucket: string; prefix: string; format: LineFormat; options: Record<string, string> };

const SNS_ARN = /^arn:aws[a-z-]{0,20}:sns:([a-z0-9-]{1,30}):\d{12}:[A-Za-z0-9_-]{1,256}(\.fifo)?$/;
const BUCKET = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;

function splitOptions(text: string, separator: '?' | '#'): [string, Record<string, string>] {
  const at = text.indexOf(separator);
  if (at < 0) return [text, {}];
  return [text.slice(0, at), Object.fromEntries(new URLSearchParams(text.slice(at + 1)))];
}

function format(options: Record<string, string>, uri: string, fallback: LineFormat = 'jsonl'): LineFormat {
  const f = options.format ?? fallback;
  if (!isLineFormat(f)) throw new SinkUriError(`${uri}: unknown format "${f}" (jsonl, ocsf, ecs, hec, cef)`);
  return f;
}

function httpUrl(raw: string, uri: string): string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new SinkUriError(`${uri}: not a URL`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new SinkUriError(`${uri}: needs http(s)://`);
  if (url.username || url.password) throw new SinkUriError(`${uri}: credentials do not belong in a sink URI`);
  return url.toString();
}

/**
 * Parses a sink URI (DESIGN.md): stdout, file:PATH, sns:TOPIC_ARN, hec:https://HOST:8088, webhook:https://…,
 * syslog+tcp://HOST:PORT, syslog+tls://HOST:PORT, s3:BUCKET/PREFIX. Options follow `?` (`format=ocsf`, `burst=0`,
 * `index=main`, `ca=/path`); for webhook the URL's own query goes to the receiver, so options follow `#`.
 */
export function parseSinkUri(uri: string): SinkSpec {
  if (uri === 'stdout' || uri.startsWith('stdout?')) {
    const [, options] = splitOptions(uri, '?');
    return { kind: 'stdout', format: format(options, uri), options };
  }
  const colon = uri.indexOf(':');
  const scheme = colon < 0 ? uri : uri.slice(0, colon);
  const rest = uri.slice(colon + 1);
  switch (scheme) {
    case 'file': {
      const [path, options] = splitOptions(rest, '?');
      if (!path) throw new SinkUriError(`${uri}: file: needs a path`);
      return { kind: 'file', path, format: format(options, uri), options };
    }
    case 'sns': {
      const [topicArn, options] = splitOptions(rest, '?');
      const m = SNS_ARN.exec(topicArn);
      if (!m) throw new SinkUriError(`${uri}: not an SNS topic ARN`);
      return { kind: 'sns', topicArn, region: m[1]!, options };
    }
    case 'hec': {
      const [raw, options] = splitOptions(rest, '?');
      return { kind: 'hec', url: httpUrl(raw, uri), options };
    }
    case 'webhook': {
      const [raw, options] = splitOptions(rest, '#');
      return { kind: 'webhook', url: httpUrl(raw, uri), format: format(options, uri), options };
    }
    case 'syslog+tcp':
    case 'syslog+tls': {
      const [raw, options] = splitOptions(rest, '?');
      const m = /^\/\/(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]+):(\d{1,5})\/?$/.exec(raw);
      const port = m ? Number(m[2]) : 0;
      if (!m || port < 1 || port > 65535) throw new SinkUriError(`${uri}: expected ${scheme}://HOST:PORT`);
      return { kind: 'syslog', tls: scheme === 'syslog+tls', host: m[1]!.replace(/^\[|\]$/g, ''), port, options };
    }
    case 's3': {
      const [path, options] = splitOptions(rest.replace(/^\/\//, ''), '?');
      const slash = path.indexOf('/');
      const bucket = slash < 0 ? path : path.slice(0, slash);
      if (!BUCKET.test(bucket)) throw new SinkUriError(`${uri}: not a bucket name`);
      return {
        kind: 's3',
        bucket,
        prefix: slash < 0 ? '' : path.slice(slash + 1),
        format: format(options, uri),
        options,
      };
    }
    default:
      throw new SinkUriError(
        `unknown sink "${uri}": use stdout, file:PATH, sns:TOPIC_ARN, hec:https://HOST:8088, webhook:https://…, syslog+tcp://HOST:PORT, syslog+tls://HOST:PORT or s3:BUCKET/PREFIX`,
      );
  }
}

import { describe, expect, it } from 'vitest';
import { parseSinkUri } from '../../../forwarder/sinks/uri.js';

describe('sink URIs', () => {
  it.each([
    ['stdout', { kind: 'stdout', format: 'jsonl' }],
    ['stdout?format=ecs', { kind: 'stdout', format: 'ecs' }],
    ['file:/var/log/sw/alerts.jsonl', { kind: 'file', path: '/var/log/sw/alerts.jsonl', format: 'jsonl' }],
    ['file:out.cef?format=cef', { kind: 'file', path: 'out.cef', format: 'cef' }],
    [
      'sns:arn:aws:sns:eu-west-1:111122223333:alerts',
      { kind: 'sns', region: 'eu-west-1', topicArn: 'arn:aws:sns:eu-west-1:111122223333:alerts' },
    ],
    [
      'sns:arn:aws:sns:us-east-1:111122223333:alerts.fifo?burst=0',
      { kind: 'sns', region: 'us-east-1', options: { burst: '0' } },
    ],
    [
      'hec:https://splunk.example.com:8088?index=security',
      { kind: 'hec', url: 'https://splunk.example.com:8088/', options: { index: 'security' } },
    ],
    [
      'webhook:https://hooks.example.com/x?a=1#format=ecs',
      { kind: 'webhook', url: 'https://hooks.example.com/x?a=1', format: 'ecs' },
    ],
    ['syslog+tcp://siem.example.com:6514', { kind: 'syslog', tls: false, host: 'siem.example.com', port: 6514 }],
    [
      'syslog+tls://[::1]:6514?ca=/etc/ca.pem',
      { kind: 'syslog', tls: true, host: '::1', port: 6514, options: { ca: '/etc/ca.pem' } },
    ],
    ['s3:alert-archive/sessionwatch/alerts', { kind: 's3', bucket: 'alert-archive', prefix: 'sessionwatch/alerts' }],
    ['s3:alert-archive', { kind: 's3', bucket: 'alert-archive', prefix: '' }],
  ])('%s', (uri, expected) => {
    expect(parseSinkUri(uri)).toMatchObject(expected);
  });

  it.each([
    ['kafka://x', /unknown sink/],
    ['file:', /needs a path/],
    ['sns:topic-name', /not an SNS topic ARN/],
    ['hec:splunk:8088', /http/],
    ['hec:https://admin:pw@splunk:8088', /credentials do not belong/],
    ['syslog+tcp://host', /HOST:PORT/],
    ['syslog+tcp://host:99999', /HOST:PORT/],
    ['s3:Bad_Bucket/x', /bucket/],
    ['stdout?format=xml', /unknown format/],
  ])('rejects %s', (uri, message) => {
    expect(() => parseSinkUri(uri)).toThrow(message);
  });
});

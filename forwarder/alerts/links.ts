import type { Alert } from './alert.js';

/** The Session Manager console page of the session (history, and the transcript when logging is on). */
export function sessionConsoleUrl(alert: Pick<Alert, 'sessionId' | 'region'>): string {
  const host = alert.region ? `${alert.region}.console.aws.amazon.com` : 'console.aws.amazon.com';
  return `https://${host}/systems-manager/session-manager/${encodeURIComponent(alert.sessionId)}`;
}

/** The S3 console page of the transcript object, when the alert knows its bucket and key. */
export function transcriptConsoleUrl(alert: Pick<Alert, 'transcript' | 'region'>): string | null {
  if (!alert.transcript) return null;
  const region = alert.region ? `region=${encodeURIComponent(alert.region)}&` : '';
  return `https://s3.console.aws.amazon.com/s3/object/${encodeURIComponent(alert.transcript.bucket)}?${region}prefix=${encodeURIComponent(alert.transcript.key)}`;
}

export function transcriptS3Uri(alert: Pick<Alert, 'transcript'>): string | null {
  return alert.transcript ? `s3://${alert.transcript.bucket}/${alert.transcript.key}` : null;
}

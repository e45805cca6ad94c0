import { type ReceivedRequest, startHttpReceiver } from './http-receiver.js';

export interface HecEvent {
  time: number;
  host: string;
  source: string;
  sourcetype: string;
  event: Record<string, unknown> & { id: string };
  fields?: Record<string, string>;
}

/** HEC sends concatenated JSON objects (we separate them by newlines). */
export function parseHecBody(body: string): HecEvent[] {
  return body
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l) as HecEvent);
}

/**
 * A Splunk HTTP Event Collector stand-in: checks `Authorization: Splunk <token>` (401 code 2 without, 403 code 4
 * for a wrong token), parses the (gzipped) batch, and answers failures queued with `failNext` (503 code 9 busy,
 * 429, ...) or hangs when `hang` is set.
 */
export async function startHecServer(token: string) {
  const failures: { status: number; code: number; text: string }[] = [];
  const state = { hang: false, down: false };
  const accepted: HecEvent[] = [];
  const receiver = await startHttpReceiver((req: ReceivedRequest) => {
    if (state.hang) return 'hang';
    if (req.url !== '/services/collector/event')
      return { status: 404, body: '{"text":"The requested URL was not found on this server.","code":404}' };
    const auth = req.headers.authorization;
    if (!auth) return { status: 401, body: '{"text":"Token is required","code":2}' };
    if (auth !== `Splunk ${token}`) return { status: 403, body: '{"text":"Invalid token","code":4}' };
    if (state.down) return { status: 503, body: '{"text":"Server is busy","code":9}' };
    const fail = failures.shift();
    if (fail) return { status: fail.status, body: JSON.stringify({ text: fail.text, code: fail.code }) };
    let events: HecEvent[];
    try {
      events = parseHecBody(req.body);
    } catch {
      return { status: 400, body: '{"text":"Invalid data format","code":6}' };
    }
    accepted.push(...events);
    return { status: 200, body: '{"text":"Success","code":0}' };
  });
  return {
    ...receiver,
    accepted,
    state,
    failNext(status: 429 | 503 | 500 | 404, times = 1) {
      const code = status === 503 ? 9 : status === 429 ? 9 : 8;
      for (let i = 0; i < times; i++)
        failures.push({ status, code, text: status === 429 ? 'Too many requests' : 'Server is busy' });
    },
  };
}

export type HecServer = Awaited<ReturnType<typeof startHecServer>>;

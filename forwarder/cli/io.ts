/** What a CLI command may touch: passed in, so tests run commands in-process. */
export interface CliIo {
  stdout: NodeJS.WritableStream & { isTTY?: boolean; columns?: number };
  stderr: NodeJS.WritableStream & { isTTY?: boolean };
  stdin: NodeJS.ReadableStream;
  env: NodeJS.ProcessEnv;
}

export const processIo = (): CliIo => ({
  stdout: process.stdout,
  stderr: process.stderr,
  stdin: process.stdin,
  env: process.env,
});

/** Exit codes of the DESIGN.md contract. */
export const EXIT = { ok: 0, failure: 1, usage: 2, alerts: 3 } as const;

export class UsageError extends Error {
  override name = 'UsageError';
}

/** Writes and resolves once the stream accepted the text (respects back-pressure). */
export function write(stream: NodeJS.WritableStream, text: string): Promise<void> | void {
  if (!stream.write(text)) return new Promise((resolve) => stream.once('drain', () => resolve()));
}

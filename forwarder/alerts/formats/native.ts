import type { Alert } from '../alert.js';

/** The native format: the alert itself, one JSON object a line (jsonl). */
export function toNativeJson(alert: Alert): Alert {
  return alert;
}

export function toJsonLine(alert: Alert): string {
  return JSON.stringify(toNativeJson(alert));
}

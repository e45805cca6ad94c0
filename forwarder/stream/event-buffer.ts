import type { SessionEvent } from './session-replay.js';

/** A buffered event's identity, order and size: enough to recognise a duplicate and to decide a fold without its text. */
export interface EventStamp {
  id: string;
  timestamp: number;
  chars: number;
}

/**
 * Events kept for reordering, in the chunks they were added in (one per delivery). The stamps are always at hand;
 * the events themselves are read only when the buffer is replayed (a late event, a fold), so a delivery that resumes
 * at the head neither decodes nor re-encodes what earlier deliveries buffered.
 */
export interface BufferChunk {
  stamps: EventStamp[];
  events(): SessionEvent[];
  /** The chunk's encoding in the store it was read from, written back as it is. */
  packed?: unknown;
}

export const eventChars = (e: SessionEvent) =>
  (e.text?.length ?? 0) + (e.lines ?? []).reduce((n, l) => n + l.length + 1, 0);

export const stampOf = (e: SessionEvent): EventStamp => ({ id: e.id, timestamp: e.timestamp, chars: eventChars(e) });

export function chunkOf(events: SessionEvent[]): BufferChunk {
  return { stamps: events.map(stampOf), events: () => events };
}

/** A chunk read from a store: its events decoded on first use. */
export function packedChunk<P>(stamps: EventStamp[], packed: P, decode: (packed: P) => SessionEvent[]): BufferChunk {
  let events: SessionEvent[] | null = null;
  return {
    stamps,
    packed,
    events: () => {
      events ??= decode(packed);
      return events;
    },
  };
}

export const stampsOf = (buffer: readonly BufferChunk[]): EventStamp[] => buffer.flatMap((c) => c.stamps);
export const eventsOf = (buffer: readonly BufferChunk[]): SessionEvent[] => buffer.flatMap((c) => c.events());

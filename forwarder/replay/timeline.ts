/** Terminal output at a moment of the replay (seconds from its start). */
export interface Frame {
  time: number;
  data: string;
}

/** The replay of a session: its output over time, and when each command is on screen. */
export interface Timeline {
  frames: Frame[];
  /** Command seq → a moment at which the command is typed in full and its output is not shown yet. */
  moments: Map<number, number>;
  /** Whether times come from the transcript's events or were made up (formats without per-line times). */
  timing: 'recorded' | 'synthesised';
}

/** Pace of a synthesised replay (seconds). */
const PACE = {
  /** per typed character, and at most for a whole command line */
  key: 0.05,
  maxTyping: 1.5,
  /** typing shown in at most this many steps (a 50,000-character paste is not 50,000 events) */
  maxSteps: 60,
  /** from the end of typing to Enter; the command's moment is halfway */
  enter: 0.5,
  /** time to read a command's output before the next prompt */
  read: 0.6,
  /** from the prompt to the first key */
  think: 0.3,
};

/** A prompt ends at the first `$ `, `# `, `> ` or `% ` of the line (what a shell prints before input). */
const PROMPT_END = /[$#>%] /;
/** An escape sequence (kept whole), else one code point. */
const TOKEN = /\x1b\[[0-?]{0,64}[ -/]{0,8}[@-~]|\x1b\][^\x07\x1b]{0,4096}(?:\x07|\x1b\\)?|\x1b[\s\S]?|[\s\S]/gu;

/**
 * A replay of terminal text that has no per-keystroke times (script keeps none): each command line is typed at a
 * readable pace, output appears at once. `commands` are the records' offsets into `text` (just after the typing).
 */
export function pacedTerminal(text: string, commands: readonly { seq: number; offset: number }[]): Timeline {
  const frames: Frame[] = [];
  const moments = new Map<number, number>();
  let t = 0;
  let pos = 0;
  let lastMoment = 0;
  const emit = (data: string) => {
    if (data) frames.push({ time: round(t), data });
  };
  for (const c of [...commands].sort((a, b) => a.offset - b.offset)) {
    const offset = Math.min(Math.max(c.offset, pos), text.length);
    if (offset === pos && moments.size > 0) {
      moments.set(c.seq, lastMoment); // nothing typed since the previous command (a line the shell split in two)
      continue;
    }
    const lineStart = Math.max(pos, text.lastIndexOf('\n', offset - 1) + 1);
    if (lineStart > pos) {
      emit(text.slice(pos, lineStart));
      t += PACE.read;
    }
    const line = text.slice(lineStart, offset);
    const promptEnd = PROMPT_END.exec(line);
    const typedFrom = promptEnd ? promptEnd.index + 2 : 0;
    emit(line.slice(0, typedFrom));
    t += PACE.think;
    const tokens = line.slice(typedFrom).match(TOKEN) ?? [];
    const steps = Math.min(tokens.length, PACE.maxSteps);
    const stepTime = steps ? Math.min(tokens.length * PACE.key, PACE.maxTyping) / steps : 0;
    for (let s = 0; s < steps; s++) {
      emit(
        tokens.slice(Math.floor((s * tokens.length) / steps), Math.floor(((s + 1) * tokens.length) / steps)).join(''),
      );
      if (s < steps - 1) t += stepTime;
    }
    lastMoment = round(t + PACE.enter / 2);
    moments.set(c.seq, lastMoment);
    t += PACE.enter;
    pos = offset;
  }
  emit(text.slice(pos));
  // a replay starts with its first output, whatever came before it (an empty prompt)
  const shift = frames[0]?.time ?? 0;
  return {
    frames: frames.map((f) => ({ time: round(f.time - shift), data: f.data })),
    moments: new Map([...moments].map(([seq, time]) => [seq, round(time - shift)])),
    timing: 'synthesised',
  };
}

/**
 * A replay of the streaming format at its event times (relative to the first). Lines of one event share its time:
 * they are spread over a moment before the next event, so that each command line has a moment of its own.
 */
export function timedStream(
  lines: readonly { text: string; time: number | null }[],
  commands: readonly { seq: number; line: number }[],
): Timeline {
  const base = lines.find((l) => l.time !== null)?.time ?? 0;
  const times: number[] = [];
  let last = 0;
  for (const l of lines) {
    last = Math.max(last, l.time === null ? last : (l.time - base) / 1000);
    times.push(last);
  }
  // each run of lines with one time gets its own slots before the next run's time
  const slots: number[] = [];
  for (let i = 0; i < lines.length; ) {
    let j = i;
    while (j < lines.length && times[j] === times[i]) j++;
    const next = times[j];
    const spread = Math.min(0.05, next === undefined ? 0.05 : (next - times[i]!) / (j - i + 1));
    for (let k = i; k < j; k++) slots.push(round(times[i]! + (k - i) * spread));
    i = j;
  }
  const frames = lines.map((l, i) => ({ time: slots[i]!, data: `${l.text}\r\n` }));
  const moments = new Map<number, number>();
  for (const c of commands) {
    if (c.line < 0 || c.line >= lines.length) continue;
    // slots increase strictly: halfway to the next line, the command line is the last one shown
    const at = slots[c.line]!;
    const next = slots[c.line + 1];
    moments.set(c.seq, round(next === undefined ? at + 0.05 : (at + next) / 2));
  }
  return { frames, moments, timing: lines.some((l) => l.time !== null) ? 'recorded' : 'synthesised' };
}

/**
 * The timeline with pauses longer than `maxGap` seconds shortened to it (as asciinema's idle_time_limit does), the
 * command moments moved with the output around them.
 */
export function limitIdle(timeline: Timeline, maxGap: number): Timeline {
  const old = timeline.frames.map((f) => f.time);
  const shifted: number[] = [];
  for (const [i, t] of old.entries()) {
    shifted.push(i === 0 ? t : shifted[i - 1]! + Math.min(t - old[i - 1]!, maxGap));
  }
  const map = (t: number) => {
    // the last frame at or before t, then t's share of the gap to the next frame
    let lo = 0;
    let hi = old.length - 1;
    if (hi < 0 || t < old[0]!) return t;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (old[mid]! <= t) lo = mid;
      else hi = mid - 1;
    }
    const gap = lo + 1 < old.length ? old[lo + 1]! - old[lo]! : 0;
    const scale = gap > maxGap ? maxGap / gap : 1;
    return round(shifted[lo]! + (t - old[lo]!) * scale);
  };
  return {
    frames: timeline.frames.map((f, i) => ({ time: round(shifted[i]!), data: f.data })),
    moments: new Map([...timeline.moments].map(([seq, t]) => [seq, map(t)])),
    timing: timeline.timing,
  };
}

/** Microseconds, as asciicast files write them. */
function round(seconds: number): number {
  return Math.round(seconds * 1e6) / 1e6;
}

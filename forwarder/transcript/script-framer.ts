import { parseScriptFooter, parseScriptHeader, type ScriptFooter, type ScriptHeader } from './script-framing.js';

const MAX_HEADER = 8192;
/** Enough to hold the footer line, which is only known to be the footer once the input ends. */
const HOLD_BACK = 512;

/** Separates `script`'s header and footer from the terminal text between them, as the text streams by. */
export class ScriptFramer {
  private headerDone = false;
  private head = '';
  private tail = '';

  snapshot(): { headerDone: boolean; head: string; tail: string } {
    return { headerDone: this.headerDone, head: this.head, tail: this.tail };
  }

  restore(s: { headerDone: boolean; head: string; tail: string }): void {
    this.headerDone = s.headerDone;
    this.head = s.head;
    this.tail = s.tail;
  }

  constructor(
    private readonly sink: {
      header(header: ScriptHeader): void;
      body(text: string): void;
      footer(footer: ScriptFooter): void;
    },
  ) {}

  push(text: string): void {
    if (!this.headerDone) {
      this.head += text;
      const nl = this.head.indexOf('\n');
      if (nl < 0 && this.head.length < MAX_HEADER) return;
      text = this.takeHeader(nl);
    }
    if (text.length >= HOLD_BACK) {
      // the usual case: flush the held tail and all but the end of this text, without copying the text whole
      if (this.tail) this.sink.body(this.tail);
      this.sink.body(text.slice(0, text.length - HOLD_BACK));
      this.tail = text.slice(text.length - HOLD_BACK);
      return;
    }
    const all = this.tail + text;
    if (all.length > HOLD_BACK) {
      this.sink.body(all.slice(0, all.length - HOLD_BACK));
      this.tail = all.slice(all.length - HOLD_BACK);
    } else {
      this.tail = all;
    }
  }

  end(): void {
    if (!this.headerDone) this.push(this.takeHeader(this.head.indexOf('\n')));
    const footer = parseScriptFooter(this.tail);
    if (footer) {
      this.sink.body(this.tail.slice(0, footer.index));
      this.sink.footer(footer);
    } else {
      this.sink.body(this.tail);
    }
    this.tail = '';
  }

  private takeHeader(nl: number): string {
    this.headerDone = true;
    const head = this.head;
    this.head = '';
    const header = nl >= 0 ? parseScriptHeader(head.slice(0, nl)) : null;
    if (!header) return head;
    this.sink.header(header);
    return head.slice(nl + 1);
  }
}

import { PromptFinder } from '../commands/prompt.js';
import { Terminal } from '../terminal/terminal.js';

/**
 * The terminal width a session had, as the command extractor learns it (from readline wrapping a long command
 * line), or null when nothing in the transcript shows it.
 */
export function learnedWidth(text: string): number | null {
  const prompts = new PromptFinder();
  const terminal = new Terminal({ onLine: () => {}, isInputLine: (line) => prompts.find(line, 0, false) !== null });
  terminal.write(text);
  terminal.end();
  return Number.isFinite(terminal.columns) ? terminal.columns : null;
}

import { commandsCommand } from './commands-command.js';
import { type CliIo, EXIT, processIo, UsageError } from './io.js';

export const HELP = `Usage: sessionwatch COMMAND [options]

Security alerts from AWS Session Manager transcripts.

Commands:
  commands   rebuild the commands typed in sessions (any transcript format)
  help       this help

Run "sessionwatch COMMAND --help" for a command's options and examples.
`;

type Command = (argv: string[], io: CliIo) => Promise<number>;

const COMMANDS: Record<string, Command> = {
  commands: commandsCommand,
};

export async function main(argv: string[], io: CliIo = processIo()): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === 'help' || name === '--help' || name === '-h') {
    io.stdout.write(HELP);
    return name ? EXIT.ok : EXIT.usage;
  }
  const command = COMMANDS[name];
  if (!command) {
    io.stderr.write(`sessionwatch: unknown command "${name}"\n\n${HELP}`);
    return EXIT.usage;
  }
  try {
    return await command(rest, io);
  } catch (e) {
    if (e instanceof UsageError || (e as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
      io.stderr.write(`sessionwatch ${name}: ${(e as Error).message}\n`);
      return EXIT.usage;
    }
    io.stderr.write(`sessionwatch ${name}: ${(e as Error).stack ?? e}\n`);
    return EXIT.failure;
  }
}

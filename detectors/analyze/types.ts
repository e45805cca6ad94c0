/** What the shell-aware analysis makes of one command line: the simple commands that would run, unwrapped. */

export interface Destination {
  /** Normalised host: lowercase, no trailing dot, IDNA; IPv4 dotted; IPv6 without brackets. */
  host: string;
  kind: 'domain' | 'ipv4' | 'ipv6';
  /** The URL when the destination came from one (normalised by the WHATWG parser). */
  url: string | null;
  scheme: string | null;
  port: number | null;
  /** The argument text it was found in. */
  source: string;
}

export interface WrapperUse {
  name: string;
  /** Options given to the wrapper, e.g. `-i`, `-u`. */
  options: string[];
}

export interface AnalysedCommand {
  /** Basename of the program that runs, lowercase (`''` for a line of bare assignments). */
  program: string;
  /** The program as resolved: a path when one was typed (or found by glob), else the name. */
  path: string;
  /** argv after expansion and quote removal; argv[0] is the program as typed/resolved. */
  argv: string[];
  /** Wrappers peeled off, outermost first (`sudo`, `env`, `nohup`, …). */
  wrappers: WrapperUse[];
  /** Runs as root through sudo, doas, pkexec, su, runuser or systemd-run. */
  elevated: boolean;
  runAs: string | null;
  /** A shell reading commands from the terminal: nothing to run was given to it (`sudo -i`, `sudo bash`, `su -`). */
  interactive: boolean;
  /** Set when the command was not typed as such but implied, e.g. the shell that `sudo -i` starts. */
  implied: string | null;
  redirects: { op: string; target: string }[];
  /** Variables assigned by this command (prefix assignments, `export X=…`, bare `X=…`). */
  assigns: { name: string; value: string }[];
  /** Programs whose output this command reads: earlier pipeline stages, command and process substitutions. */
  pipeFrom: string[];
  /** Programs later in the same pipeline. */
  pipeTo: string[];
  /** 0 for what was typed; +1 for each layer of `sh -c`, eval, decoding, function or alias expansion. */
  layer: number;
  /** How this command was reached: typed, sh -c, eval, decoded, alias, function, history, embedded, exec. */
  origin: string;
  /** Network destinations named by the command (URLs, host operands of network tools, /dev/tcp paths). */
  destinations: Destination[];
  /** argv joined with spaces. */
  text: string;
  /** A file downloaded earlier in the line or session that this command runs. */
  runsDownloaded: string | null;
  /** Some word depended on something unknown (command output, an unset variable). */
  dynamic: boolean;
  /** A wrapper (sudo, env, nohup, …) whose wrapped command is analysed separately. Rules see it only by name. */
  wrapper: boolean;
}

export interface LineAnalysis {
  line: string;
  commands: AnalysedCommand[];
  /** Texts recovered by decoding (base64, hex, rev…) that were run. */
  decoded: string[];
  /** The parser or the analysis hit a limit; the analysis covers what came before. */
  truncated: boolean;
}

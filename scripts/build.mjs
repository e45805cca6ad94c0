// Bundles the TypeScript sources with the local esbuild (no network, no tsc emit):
//   dist/cli/sessionwatch.mjs   the CLI (dependencies stay in node_modules)
//   dist/lambda/index.mjs       the Lambda handlers, one self-contained ES module (--lambda, also part of a full build)
//   dist/bench/run.mjs          the benchmark runner
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { build } from 'esbuild';

const lambdaOnly = process.argv.includes('--lambda');
const common = {
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  sourcemap: 'linked',
  logLevel: 'warning',
};
// ESM bundles that pull in CommonJS dependencies need a require() of their own.
const banner = {
  js: "import { createRequire as __swCreateRequire } from 'node:module'; const require = __swCreateRequire(import.meta.url);",
};

async function buildCli() {
  rmSync('dist/cli', { recursive: true, force: true });
  // split at the dynamic imports of the commands: a run loads only the command it uses and its dependencies
  await build({
    ...common,
    entryPoints: { sessionwatch: 'forwarder/cli/main.ts' },
    outdir: 'dist/cli',
    outExtension: { '.js': '.mjs' },
    splitting: true,
    chunkNames: 'chunks/[name]-[hash]',
    packages: 'external',
  });
}

async function buildLambda() {
  if (!existsSync('forwarder/lambda/index.ts')) return;
  rmSync('dist/lambda', { recursive: true, force: true });
  mkdirSync('dist/lambda', { recursive: true });
  await build({
    ...common,
    entryPoints: ['forwarder/lambda/index.ts'],
    outfile: 'dist/lambda/index.mjs',
    // The nodejs20.x/22.x runtimes ship AWS SDK v3; bundling it would triple the artifact.
    external: ['@aws-sdk/*', '@smithy/*'],
    minify: true,
    banner,
    metafile: true,
  }).then((result) => writeFileSync('dist/lambda/meta.json', JSON.stringify(result.metafile)));
  writeFileSync('dist/lambda/package.json', '{"type":"module"}\n');
}

async function buildBench() {
  if (!existsSync('bench/run.ts')) return;
  await build({ ...common, entryPoints: ['bench/run.ts'], outfile: 'dist/bench/run.mjs', packages: 'external' });
}

if (lambdaOnly) await buildLambda();
else await Promise.all([buildCli(), buildLambda(), buildBench()]);

// Bundles SmolCode with esbuild: the extension host bundle, the model worker, the CLI and the
// chat webview. Native and runtime-heavy packages stay external and ship as files in the VSIX.
import * as esbuild from 'esbuild';
import { cpSync, mkdirSync, readFileSync } from 'node:fs';

const watch = process.argv.includes('--watch');
const production = process.env.NODE_ENV === 'production';
const { version } = JSON.parse(readFileSync('package.json', 'utf8'));

const node = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  sourcemap: true,
  minify: production,
  external: ['vscode', 'onnxruntime-node', '@huggingface/transformers'],
  define: { 'process.env.SMOLCODE_VERSION': JSON.stringify(version) },
  logLevel: 'info',
};

const builds = [
  // VS Code loads extensions as CommonJS.
  { ...node, entryPoints: ['src/extension.ts'], outfile: 'dist/extension.cjs', format: 'cjs' },
  {
    ...node,
    entryPoints: ['src/worker/main.ts'],
    outfile: 'dist/worker.mjs',
    format: 'esm',
    banner: { js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);" },
  },
  {
    ...node,
    entryPoints: ['src/cli/bin.ts'],
    outfile: 'dist/cli.mjs',
    format: 'esm',
    banner: {
      js: "#!/usr/bin/env node\nimport { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);",
    },
  },
  {
    bundle: true,
    platform: 'browser',
    target: 'es2022',
    format: 'iife',
    sourcemap: true,
    minify: production,
    entryPoints: ['webview-ui/main.ts'],
    outfile: 'dist/webview/chat.js',
    logLevel: 'info',
  },
];

mkdirSync('dist/webview', { recursive: true });
cpSync('webview-ui/chat.css', 'dist/webview/chat.css');

if (watch) {
  for (const options of builds) await (await esbuild.context(options)).watch();
} else {
  await Promise.all(builds.map((options) => esbuild.build(options)));
}

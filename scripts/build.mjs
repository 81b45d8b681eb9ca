// Bundles SmolCode with esbuild: the extension host bundle, the model worker, the CLI and the
// chat webview. Native and runtime-heavy packages stay external and ship as files in the VSIX.
import * as esbuild from 'esbuild';
import { cpSync, mkdirSync, readFileSync } from 'node:fs';

const watch = process.argv.includes('--watch');
const production = process.env.NODE_ENV === 'production';
const { version } = JSON.parse(readFileSync('package.json', 'utf8'));

// transformers.js (the tokenizer) is bundled: the VSIX ships no node_modules but onnxruntime's.
// Its image helpers import `sharp`, a native package SmolCode never calls and does not ship;
// it is replaced by a stub that throws if used (transformers.js only needs the import to be truthy).
const stubSharp = {
  name: 'stub-sharp',
  setup(build) {
    build.onResolve({ filter: /^sharp$/ }, () => ({ path: 'sharp', namespace: 'stub-sharp' }));
    build.onLoad({ filter: /.*/, namespace: 'stub-sharp' }, () => ({
      contents: "export default function sharp() { throw new Error('sharp (image processing) is not bundled with SmolCode'); }",
      loader: 'js',
    }));
  },
};

const node = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  sourcemap: true,
  minify: production,
  external: ['vscode', 'onnxruntime-node'],
  plugins: [stubSharp],
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
// Codicons for the webview's buttons; the font loads from the webview's own resources.
for (const file of ['codicon.css', 'codicon.ttf']) cpSync(`node_modules/@vscode/codicons/dist/${file}`, `dist/webview/${file}`);

if (watch) {
  for (const options of builds) await (await esbuild.context(options)).watch();
} else {
  await Promise.all(builds.map((options) => esbuild.build(options)));
}

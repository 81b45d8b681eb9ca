// Bundles SmolCode with esbuild: the extension host bundle, the model worker, the CLI and the
// chat webview. Native and runtime-heavy packages stay external and ship as files in the VSIX.
import * as esbuild from 'esbuild';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

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
    // `eval completion --definitions` loads the TypeScript compiler (a development dependency) on
    // first use; bundling it would add megabytes to every CLI run.
    external: [...node.external, 'typescript'],
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

// SmolLM2's tokenizer ships beside the bundles (dist/tokenizer/, in the VSIX and with the CLI):
// every SmolLM2 size shares it, it is Apache-2.0 like SmolCode, and with it no command needs
// SMOLCODE_TOKENIZER_DIR. It is copied from the shared data folder (never committed here) and
// checked against that folder's SHA256SUMS. Without it the build still works for development,
// but `npm run package` refuses to build a VSIX.
const TOKENIZER_FILES = ['tokenizer.json', 'tokenizer_config.json', 'tokenizer_config.base.json', 'special_tokens_map.json', 'generation_config.instruct.json'];
function copyTokenizer() {
  const source = process.env.SMOLCODE_TOKENIZER_DIR || '../shared/smollm2-tokenizer';
  const target = 'dist/tokenizer';
  const missing = TOKENIZER_FILES.filter((name) => !existsSync(join(source, name)));
  if (missing.length > 0) {
    console.warn(`build: no SmolLM2 tokenizer to ship in ${source} (missing ${missing.join(', ')}); set SMOLCODE_TOKENIZER_DIR`);
    return;
  }
  const sums = existsSync(join(source, 'SHA256SUMS'))
    ? new Map(readFileSync(join(source, 'SHA256SUMS'), 'utf8').trim().split('\n').map((line) => line.trim().split(/\s+/).reverse()))
    : new Map();
  rmSync(target, { recursive: true, force: true });
  mkdirSync(target, { recursive: true });
  for (const name of TOKENIZER_FILES) {
    const bytes = readFileSync(join(source, name));
    const expected = sums.get(name);
    const actual = createHash('sha256').update(bytes).digest('hex');
    if (expected !== undefined && expected !== actual) throw new Error(`build: ${join(source, name)} does not match its SHA256SUMS entry`);
    // Written, not copied: the shared folder is read-only and a copy would keep that mode.
    writeFileSync(join(target, name), bytes);
  }
  writeFileSync(
    join(target, 'NOTICE'),
    'SmolLM2 tokenizer files by Hugging Face (HuggingFaceTB/SmolLM2-135M and -Instruct on the\n' +
      'Hugging Face hub), byte-identical to the hub\'s, licensed under the Apache License 2.0\n' +
      '(http://www.apache.org/licenses/LICENSE-2.0). SmolCode ships them unchanged.\n',
  );
}
copyTokenizer();

// The native decode step (native/smolstep): compiled where a C compiler is, else skipped with a warning.
execFileSync(process.execPath, ['scripts/build-native.mjs'], { stdio: 'inherit' });

if (watch) {
  for (const options of builds) await (await esbuild.context(options)).watch();
} else {
  await Promise.all(builds.map((options) => esbuild.build(options)));
}

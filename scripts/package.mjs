// Builds platform-specific VSIX files with @vscode/vsce. Each VSIX carries only its own
// platform's ONNX Runtime binaries: the per-target ignore file is .vscodeignore plus the line
// that includes that platform's binary folder. Usage: node scripts/package.mjs [--target linux-x64 ...]
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const ORT_BIN = 'node_modules/onnxruntime-node/bin/napi-v6';
const { version } = JSON.parse(readFileSync('package.json', 'utf8'));

/** vsce target name for each os/arch folder of onnxruntime-node's binaries. */
function platformsWithBinaries() {
  return readdirSync(ORT_BIN).flatMap((os) =>
    readdirSync(join(ORT_BIN, os)).map((arch) => ({ os, arch, target: `${os}-${arch}` })),
  );
}

const available = platformsWithBinaries();
const requested = process.argv.flatMap((arg, i, all) => (all[i - 1] === '--target' ? [arg] : []));
for (const target of requested) {
  if (!available.some((p) => p.target === target)) {
    console.error(`package: no ONNX Runtime binaries for target "${target}"; available: ${available.map((p) => p.target).join(', ')}`);
    process.exit(2);
  }
}
const targets = requested.length > 0 ? available.filter((p) => requested.includes(p.target)) : available;

execFileSync(process.execPath, ['scripts/build.mjs'], { stdio: 'inherit', env: { ...process.env, NODE_ENV: 'production' } });
if (!existsSync('dist/tokenizer/tokenizer.json')) {
  console.error('package: dist/tokenizer/ is missing; the VSIX ships SmolLM2\'s tokenizer. Put it in ../shared/smollm2-tokenizer or set SMOLCODE_TOKENIZER_DIR, then rerun.');
  process.exit(2);
}

mkdirSync('build', { recursive: true });
const baseIgnore = readFileSync('.vscodeignore', 'utf8');
for (const { os, arch, target } of targets) {
  const ignoreFile = join('build', `vscodeignore-${target}`);
  // The native decode step ships where it was built for this target (scripts/build-native.mjs).
  const native = `dist/native/smolstep-${target}.node`;
  const shipsNative = existsSync(native);
  if (!shipsNative) console.warn(`package: no ${native}; the ${target} VSIX decodes through ONNX Runtime alone`);
  writeFileSync(ignoreFile, `${baseIgnore}\n!${ORT_BIN}/${os}/${arch}/**\n${shipsNative ? `!${native}\n` : ''}`);
  // The VSIX must ship the tokenizer (the CLI and worker fall back to it); vsce ls lists what it will pack.
  const listed = execFileSync(process.execPath, ['node_modules/@vscode/vsce/vsce', 'ls', '--ignoreFile', ignoreFile], { encoding: 'utf8' }).split('\n');
  const missing = ['dist/tokenizer/tokenizer.json', 'dist/tokenizer/tokenizer_config.json', 'dist/tokenizer/NOTICE', 'dist/worker.mjs', ...(shipsNative ? [native] : [])].filter((f) => !listed.includes(f));
  if (missing.length > 0) throw new Error(`package: the ${target} VSIX would lack ${missing.join(', ')}; check .vscodeignore`);
  const out = join('dist', `smolcode-${target}-${version}.vsix`);
  // The package has no repository URL, so vsce cannot make the README's relative links (docs/screenshots/*.png)
  // absolute and refuses them; left relative, they work in the repository and are only missing in the VSIX's page.
  execFileSync(
    process.execPath,
    ['node_modules/@vscode/vsce/vsce', 'package', '--target', target, '--ignoreFile', ignoreFile, '--out', out, '--allow-missing-repository', '--no-rewrite-relative-links'],
    { stdio: 'inherit' },
  );
  if (!existsSync(out)) throw new Error(`package: vsce did not write ${out}`);
  console.log(`package: ${out} ${(statSync(out).size / 2 ** 20).toFixed(1)} MiB`);
}

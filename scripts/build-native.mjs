// Compiles the native decode step (native/smolstep/*.c, a Node-API addon) into
// dist/native/smolstep-<platform>-<arch>.node with the system's C compiler ($CC, else cc).
// Node-API is ABI-stable, so one file serves every Node and Electron version of a platform.
// Without a compiler the build goes on without it and SmolCode decodes through ONNX Runtime
// alone (src/runtime/nativeDecoder.ts says why); `--require` makes a missing compiler an error.
import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

const required = process.argv.includes('--require');
const source = 'native/smolstep';
const out = join('dist', 'native', `smolstep-${process.platform}-${process.arch}.node`);
const headers = join(dirname(createRequire(import.meta.url).resolve('node-api-headers/package.json')), 'include');
const files = readdirSync(source).filter((f) => f.endsWith('.c')).map((f) => join(source, f));
const cc = process.env.CC || 'cc';
const flags = ['-O2', '-std=c11', '-D_GNU_SOURCE', '-DNODE_GYP_MODULE_NAME=smolstep', '-fPIC', '-pthread', '-fvisibility=hidden', '-Wall', '-Wextra', '-Wno-unused-parameter', `-I${headers}`];
// Node-API symbols resolve against the running node or Electron binary when the addon loads.
const link = process.platform === 'darwin' ? ['-bundle', '-undefined', 'dynamic_lookup'] : ['-shared'];

if (process.platform === 'win32') {
  const message = 'build-native: Windows builds need MSVC and a node.lib; not set up, so Windows decodes through ONNX Runtime alone';
  if (required) throw new Error(message);
  console.warn(message);
} else {
  mkdirSync(dirname(out), { recursive: true });
  const partial = `${out}.partial`;
  try {
    execFileSync(cc, [...flags, ...files, ...link, '-o', partial, '-lm'], { stdio: ['ignore', 'inherit', 'inherit'] });
    renameSync(partial, out);
    console.log(`build-native: ${out}`);
  } catch (error) {
    rmSync(partial, { force: true });
    const message = `build-native: could not compile ${source} with ${cc} (${error.code === 'ENOENT' ? 'no C compiler' : error.message.split('\n')[0]}); decoding stays on ONNX Runtime`;
    if (required) throw new Error(message, { cause: error });
    console.warn(message);
  }
}

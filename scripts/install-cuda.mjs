// Opt-in install of ONNX Runtime's CUDA 12 execution provider on Linux x64. onnxruntime-node
// ships these libraries separately (over 200 MB, from NuGet), so the default install skips
// them; this runs onnxruntime-node's own installer with the CUDA flag. The machine also needs
// the CUDA 12 runtime and cuDNN 9 libraries on its library path.
import { spawnSync } from 'node:child_process';

if (process.platform !== 'linux' || process.arch !== 'x64') {
  console.error(`install:cuda: the CUDA provider is only packaged for linux-x64, not ${process.platform}-${process.arch}.`);
  process.exit(2);
}
const result = spawnSync(process.execPath, ['node_modules/onnxruntime-node/script/install.js'], {
  stdio: 'inherit',
  env: { ...process.env, ONNXRUNTIME_NODE_INSTALL: 'cuda12' },
});
if (result.status !== 0) {
  console.error('install:cuda: the download failed; SmolCode keeps working on CPU and WebGPU. See the output above.');
}
process.exit(result.status ?? 1);

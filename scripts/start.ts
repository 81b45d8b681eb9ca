/**
 * @file `npm start`: runs the product. VS Code in the browser (code-server) with the freshly
 * packaged SmolCode, the real SmolLM2-135M-Instruct and a sample workspace, on
 * http://127.0.0.1:PORT/. Every step reuses what an earlier start (or `npm run test:prepare`)
 * left in `${XDG_CACHE_HOME:-~/.cache}/smolcode/`:
 *   1. package the VSIX when a source is newer than it (start/build.ts);
 *   2. code-server and its Node 24, as the e2e tests use them (start/codeServer.ts);
 *   3. the model: the GGUF from the package index, imported once (start/model.ts); without the
 *      package index the extension downloads from the hub instead;
 *   4. install the VSIX into a persistent home (`start/code-server/`: settings, chat history and
 *      extensions survive restarts), merge the settings (start/settings.ts), copy the sample
 *      workspace there on the first start;
 *   5. serve until Ctrl+C or SIGTERM, then stop code-server's whole process group and exit 0.
 * Progress goes to stderr as `start:` lines; stdout carries only the address to open.
 * package.json runs this with `exec`, so npm hands signals straight to this process.
 */
import { constants } from 'node:os';
import { cpSync, existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { cacheRoot } from './cacheRoot';
import { ensureVsix } from './start/build';
import { Interrupted, log, StopRequests } from './start/children';
import { assertPortFree, installVsix, prepareCodeServer, RunningCodeServer, startHome } from './start/codeServer';
import { importedModel, prepareGguf } from './start/model';
import { OptionError, parseStartOptions, USAGE } from './start/options';
import { writeStartSettings } from './start/settings';

const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const SAMPLE_WORKSPACE = join(REPO_ROOT, 'samples', 'workspace');

/** The sample workspace's copy in the home, made on the first start; edits to it are the user's. */
function ensureSampleWorkspace(dir: string): string {
  if (!existsSync(dir)) {
    cpSync(SAMPLE_WORKSPACE, dir, { recursive: true });
    log(`copied the sample workspace (samples/workspace) to ${dir}`);
  }
  return dir;
}

/** The address that opens `folder`, readable: only the characters that need it are escaped. */
function folderUrl(base: string, folder: string): string {
  return `${base}?folder=${encodeURIComponent(folder).replaceAll('%2F', '/')}`;
}

async function main(): Promise<number> {
  const options = parseStartOptions(process.argv.slice(2), process.env);
  if (!options) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const stop = new StopRequests();
  const began = Date.now();
  // First, so a taken port is reported before minutes of preparation.
  await assertPortFree(options.port);

  const vsix = await ensureVsix(REPO_ROOT, stop);
  const tools = await prepareCodeServer(REPO_ROOT, stop);
  const { version } = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as { version: string };
  const modelsDir = cacheRoot('start', 'models');
  const gguf = await prepareGguf(REPO_ROOT, stop);
  const modelDir = gguf ? await importedModel(gguf, { repoRoot: REPO_ROOT, modelsDir, version, stop }) : undefined;
  if (!modelDir) {
    log('SmolCode will download SmolLM2-135M-Instruct (chat) and SmolLM2-135M (completion) from the Hugging Face hub');
    log('on first use instead: that needs https://huggingface.co (or smolcode.hubEndpoint) to be reachable');
  }

  const home = startHome(options.dataDir);
  await installVsix(tools, home, vsix, stop);
  writeStartSettings({
    userSettingsFile: join(home.userData, 'User', 'settings.json'),
    machineSettingsFile: join(home.userData, 'Machine', 'settings.json'),
    modelDir,
    modelsDir,
  });
  const workspace = ensureSampleWorkspace(home.workspace);
  stop.throwIfRequested();

  const server = await RunningCodeServer.start({ tools, home, port: options.port, workspace, stop });
  log(`ready in ${Math.round((Date.now() - began) / 1000)} s`);
  process.stdout.write(
    `\n  SmolCode is running: open ${folderUrl(server.url, workspace)}\n` +
      '  (VS Code in the browser; no password, as it listens on 127.0.0.1 only. Ctrl+C stops it.)\n\n',
  );

  const outcome = await Promise.race([stop.requested, server.exited.then((code) => ({ code }))]);
  if (typeof outcome === 'string') {
    log(`${outcome}: stopping code-server`);
    await server.stop();
    log('stopped');
    return 0;
  }
  log(`code-server exited by itself with ${outcome.code ?? 'a signal'}; see ${home.log}`);
  await server.stop();
  return 1;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    if (error instanceof Interrupted) {
      log(`stopped by ${error.signal} before SmolCode was running`);
      process.exit(128 + constants.signals[error.signal]);
    }
    log(`ERROR: ${error instanceof Error ? error.message : String(error)}`);
    if (error instanceof OptionError) process.stderr.write(`${USAGE}\n`);
    process.exit(error instanceof OptionError ? 2 : 1);
  },
);

/**
 * @file Entry point of the model worker process. The extension host forks it and talks to it
 * over JSON-RPC on the IPC channel, so model work never blocks the editor; the CLI and tests
 * can also start it on stdio with `--stdio`.
 */
import '../runtime/telemetry';
import {
  createMessageConnection,
  IPCMessageReader,
  IPCMessageWriter,
  StreamMessageReader,
  StreamMessageWriter,
  type MessageConnection,
} from 'vscode-jsonrpc/node';
import { describeRuntime } from '../runtime/session';
import { removeModelFolderLeftovers } from '../runtime/leftovers';
import { inProcessStages } from '../finetune/stages';
import {
  adapterMergeRequest,
  chunkNotification,
  countTokensRequest,
  datasetBuildRequest,
  finetuneRunRequest,
  generateRequest,
  ggufExportRequest,
  ggufImportRequest,
  localGgufsRequest,
  jobProgressNotification,
  loadRequest,
  runtimeInfoRequest,
} from './protocol';
import type { CancellationToken } from 'vscode-jsonrpc';
import { Engines } from './engines';
import { ortTelemetryDisabled } from '../env';
import { ensureImportedGguf } from '../modelStore/ggufImports';
import { findLocalGgufs } from '../modelStore/ggufStores';
import { exportModelAsGguf } from '../finetune/exportGguf';

function connect(): MessageConnection {
  if (process.argv.includes('--stdio')) {
    return createMessageConnection(new StreamMessageReader(process.stdin), new StreamMessageWriter(process.stdout));
  }
  if (!process.send) {
    console.error('smolcode worker: start it with child_process.fork (IPC) or pass --stdio');
    process.exit(2);
  }
  return createMessageConnection(new IPCMessageReader(process), new IPCMessageWriter(process));
}

const connection = connect();
const engines = new Engines();

connection.onRequest(runtimeInfoRequest, async () => {
  const runtime = await describeRuntime();
  return {
    pid: process.pid,
    node: process.version,
    onnxruntime: runtime.version,
    providers: runtime.providers,
    telemetryDisabled: ortTelemetryDisabled(),
  };
});

connection.onRequest(loadRequest, ({ role, options }) => {
  // A killed merge or fused-graph build is only found by the next load of its folder.
  removeModelFolderLeftovers(options.modelDir);
  return engines.load(role, options);
});

connection.onRequest(countTokensRequest, async ({ role, texts }) => {
  const engine = await engines.get(role);
  return texts.map((text) => engine.tokenizer.encode(text).length);
});

connection.onRequest(generateRequest, async ({ id, role, request }, token) => {
  const engine = await engines.get(role);
  const controller = new AbortController();
  const subscription = token.onCancellationRequested(() => controller.abort());
  // A request cancelled before it was dispatched gets vscode-jsonrpc's frozen Cancelled token,
  // whose event never fires.
  if (token.isCancellationRequested) controller.abort();
  try {
    const stream = engine.generate(request, controller.signal);
    for (;;) {
      const step = await stream.next();
      if (step.done) return step.value;
      await connection.sendNotification(chunkNotification, { id, text: step.value });
    }
  } finally {
    subscription.dispose();
  }
});

/**
 * Runs a job handler with an AbortSignal tied to the request's JSON-RPC cancellation and a
 * progress callback that sends `jobProgressNotification`s tagged with the caller's job id.
 */
async function runJob<T>(id: number, token: CancellationToken, body: (signal: AbortSignal, progress: (progress: unknown) => void) => Promise<T>): Promise<T> {
  const controller = new AbortController();
  const subscription = token.onCancellationRequested(() => controller.abort());
  if (token.isCancellationRequested) controller.abort();
  try {
    return await body(controller.signal, (progress) => void connection.sendNotification(jobProgressNotification, { id, progress }));
  } finally {
    subscription.dispose();
  }
}

connection.onRequest(datasetBuildRequest, ({ id, options, tokenizerDir, perplexityModelDir }, token) =>
  runJob(id, token, (signal, onProgress) => inProcessStages.buildDataset(options, tokenizerDir, perplexityModelDir, onProgress, signal)),
);

connection.onRequest(finetuneRunRequest, ({ id, options }, token) => runJob(id, token, (signal, onProgress) => inProcessStages.train(options, onProgress, signal)));

connection.onRequest(adapterMergeRequest, ({ id, options }, token) => runJob(id, token, (signal, onProgress) => inProcessStages.merge(options, onProgress, signal)));

connection.onRequest(ggufImportRequest, ({ id, request }, token) => runJob(id, token, (signal, onProgress) => ensureImportedGguf(request, onProgress, signal)));

connection.onRequest(ggufExportRequest, ({ id, options }, token) =>
  runJob(id, token, (signal, onProgress) => exportModelAsGguf({ ...options, signal, onTensor: (written, total) => onProgress({ written, total }) })),
);

connection.onRequest(localGgufsRequest, ({ id }, token) => runJob(id, token, async () => findLocalGgufs()));

connection.onClose(() => process.exit(0));
connection.listen();

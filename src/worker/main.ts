/**
 * @file Entry point of the model worker process. The extension host forks it and talks to it
 * over JSON-RPC on the IPC channel, so model work never blocks the editor; the CLI and tests
 * can also start it on stdio with `--stdio`.
 */
import '../shared/telemetry';
import {
  createMessageConnection,
  IPCMessageReader,
  IPCMessageWriter,
  StreamMessageReader,
  StreamMessageWriter,
  type MessageConnection,
} from 'vscode-jsonrpc/node';
import { describeRuntime } from '../inference/session';
import { buildDataset } from '../finetune/dataset/pipeline';
import { loadSampleTokenizer } from '../finetune/dataset/samples/sampleTokenizer';
import {
  chunkNotification,
  countTokensRequest,
  datasetBuildRequest,
  generateRequest,
  jobProgressNotification,
  loadRequest,
  runtimeInfoRequest,
} from '../shared/workerProtocol';
import { Engines } from './engines';

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
    telemetryDisabled: process.env.ORT_DISABLE_TELEMETRY === '1',
  };
});

connection.onRequest(loadRequest, ({ role, options }) => engines.load(role, options));

connection.onRequest(countTokensRequest, async ({ role, texts }) => {
  const engine = await engines.get(role);
  return texts.map((text) => engine.tokenizer.encode(text).length);
});

connection.onRequest(generateRequest, async ({ id, role, request }, token) => {
  const engine = await engines.get(role);
  const controller = new AbortController();
  const subscription = token.onCancellationRequested(() => controller.abort());
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

connection.onRequest(datasetBuildRequest, async ({ id, options, tokenizerDir }, token) => {
  const controller = new AbortController();
  const subscription = token.onCancellationRequested(() => controller.abort());
  try {
    return await buildDataset(options, {
      tokenizer: await loadSampleTokenizer(tokenizerDir),
      signal: controller.signal,
      onProgress: (progress) => void connection.sendNotification(jobProgressNotification, { id, progress }),
    });
  } finally {
    subscription.dispose();
  }
});

connection.onClose(() => process.exit(0));
connection.listen();

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
import { runtimeInfoRequest } from '../shared/workerProtocol';

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

connection.onClose(() => process.exit(0));
connection.listen();

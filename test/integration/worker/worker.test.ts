import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { after, describe, it } from 'node:test';
import { createMessageConnection, StreamMessageReader, StreamMessageWriter } from 'vscode-jsonrpc/node';
import { runtimeInfoRequest } from '../../../src/worker/protocol';

describe('model worker process', () => {
  const env = { ...process.env };
  delete env.ORT_DISABLE_TELEMETRY;
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/worker/main.ts', '--stdio'], {
    env,
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const connection = createMessageConnection(new StreamMessageReader(child.stdout), new StreamMessageWriter(child.stdin));
  connection.listen();

  after(() => {
    connection.dispose();
    child.kill();
  });

  it('answers runtime/info over JSON-RPC with ONNX Runtime loaded and telemetry off', async () => {
    const info = await connection.sendRequest(runtimeInfoRequest);
    assert.equal(info.pid, child.pid);
    assert.equal(info.onnxruntime, '1.30.0');
    assert.equal(info.telemetryDisabled, true);
    assert.deepEqual(
      info.providers.find((p) => p.name === 'cpu'),
      { name: 'cpu', bundled: true },
    );
  });
});

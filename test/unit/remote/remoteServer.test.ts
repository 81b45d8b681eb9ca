import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decodeKey, encodeKey, keyFor } from '../../../src/remote/apiKey';
import type { OpenAiClient, ServedModel } from '../../../src/remote/openaiClient';
import { RemoteError } from '../../../src/remote/remoteErrors';
import { RemoteServer, requestedModel } from '../../../src/remote/remoteServer';

function server(list: () => Promise<ServedModel[]>, model = '', adapter = '') {
  let calls = 0;
  const client = { origin: 'http://gpu:8000', listModels: () => (calls++, list()), dispose: () => undefined } as unknown as OpenAiClient;
  return { remote: new RemoteServer(client, () => ({ model, adapter, adapterModels: {} })), calls: () => calls };
}

describe('remote model names', () => {
  it('requests an adapter by its folder name unless mapped, else the role model', () => {
    assert.equal(requestedModel({ model: 'base', adapter: '/a/adapters/team-python/', adapterModels: {} }), 'team-python');
    assert.equal(requestedModel({ model: 'base', adapter: 'C:\\a\\team-python', adapterModels: {} }), 'team-python');
    assert.equal(requestedModel({ model: 'base', adapter: '/a/team-python', adapterModels: { 'team-python': 'py-lora' } }), 'py-lora');
    assert.equal(requestedModel({ model: ' base ', adapter: '', adapterModels: {} }), 'base');
  });

  it('takes the first served model when none is named, and lists the models once', async () => {
    const { remote, calls } = server(async () => [{ id: 'smol', contextLength: 8192 }, { id: 'other' }]);
    assert.deepEqual(await remote.model('chat', AbortSignal.timeout(1000)), { id: 'smol', contextLength: 8192 });
    assert.equal((await remote.model('completion', AbortSignal.timeout(1000))).id, 'smol');
    assert.equal(calls(), 1);
  });

  it('fails with the served names when the named model is not served', async () => {
    const { remote } = server(async () => [{ id: 'smol' }], 'smoll');
    await assert.rejects(remote.model('completion', AbortSignal.timeout(1000)), (error: RemoteError) => {
      assert.equal(error.kind, 'model');
      assert.match(error.message, /does not serve the model "smoll"; it serves "smol"\. Set smolcode\.remote\.completionModel/);
      return true;
    });
  });

  it('trusts the name when the server has no model list', async () => {
    const { remote } = server(async () => Promise.reject(new RemoteError('notFound', 'no /v1/models')), 'named');
    assert.equal((await remote.model('chat', AbortSignal.timeout(1000))).id, 'named');
  });
});

describe('remote API key', () => {
  it('is sent only to the origin it was set for', () => {
    const stored = decodeKey(encodeKey({ origin: 'https://gpu.example:8443', key: 'sk-1' }));
    assert.equal(keyFor(stored, 'https://gpu.example:8443'), 'sk-1');
    assert.equal(keyFor(stored, 'https://evil.example'), undefined);
    assert.equal(keyFor(stored, 'http://gpu.example:8443'), undefined);
    assert.equal(decodeKey('sk-plain-string'), undefined);
  });
});

import assert from 'node:assert/strict';
import { existsSync, readFileSync, statSync, writeFileSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { after, afterEach, beforeEach, describe, it } from 'node:test';
import { ensureModel, storeDir, type StoreProgress } from '../../../src/modelStore/modelStore';
import { startHub, startProxy, type FakeHub } from '../../support/hubServer';
import { GRAPH, graphGets, ONNX, publishModel, REPO, sha256, SMALL, removeTempDirs, storeOptions } from './fixtures';

const request = { model: 'SmolLM2-135M', dtype: 'q4' } as const;

after(removeTempDirs);

describe('downloading a model from the hub', () => {
  let hub: FakeHub;
  beforeEach(async () => {
    hub = await startHub();
    publishModel(hub);
  });
  afterEach(() => hub.close());

  it('downloads every file into models/<repo>/<revision>/ and reports progress up to the total', async () => {
    const progress: StoreProgress[] = [];
    const options = storeOptions(hub, { onProgress: (p) => progress.push(p) });
    const model = await ensureModel(request, options);

    const dir = storeDir(options.storageDir, REPO, 'main');
    assert.equal(model.source, 'hub');
    assert.equal(model.dir, join(options.storageDir, 'models', 'HuggingFaceTB', 'SmolLM2-135M', 'main'));
    assert.equal(model.dir, dir);
    assert.equal(model.tokenizerDir, dir);
    assert.equal(model.onnxPath, join(dir, ONNX));
    for (const [file, content] of Object.entries(SMALL)) assert.equal(readFileSync(join(dir, file), 'utf8'), content);
    assert.equal(sha256(readFileSync(model.onnxPath)), sha256(GRAPH));
    assert.equal(existsSync(`${model.onnxPath}.part`), false);
    assert.equal(existsSync(`${model.onnxPath}_data`), false);

    const smallBytes = Object.values(SMALL).reduce((sum, s) => sum + Buffer.byteLength(s), 0);
    const last = progress.at(-1);
    assert.equal(last?.totalBytes, smallBytes + GRAPH.length);
    assert.equal(last?.doneBytes, smallBytes + GRAPH.length);
    assert.ok(progress.some((p) => p.file === ONNX && p.fileTotal === GRAPH.length && p.fileBytes === GRAPH.length));
  });

  it('answers a second call from disk without any request', async () => {
    const options = storeOptions(hub);
    await ensureModel(request, options);
    const before = hub.requests.length;
    const again = await ensureModel(request, options);
    assert.equal(hub.requests.length, before);
    assert.equal(again.source, 'hub');
  });

  it('treats a 404 for the optional onnx _data file as absent, and a 404 for a required file as an error', async () => {
    const options = storeOptions(hub);
    await ensureModel(request, options);
    assert.ok(hub.requests.some((r) => r.method === 'HEAD' && r.path.endsWith('model_q4.onnx_data')));

    await assert.rejects(ensureModel({ ...request, dtype: 'fp16' }, storeOptions(hub)), {
      name: 'HubFileNotFoundError',
      message: `onnx/model_fp16.onnx not found in ${REPO} at revision "main" (404 from ${hub.url}/${REPO}/resolve/main/onnx/model_fp16.onnx)`,
    });
    await assert.rejects(ensureModel({ ...request, revision: 'v9' }, storeOptions(hub)), {
      name: 'HubFileNotFoundError',
      message: /^config\.json not found in HuggingFaceTB\/SmolLM2-135M at revision "v9"/,
    });
  });

  it('downloads the external-data file beside the graph when the hub has one', async () => {
    const data = Buffer.alloc(3000, 7);
    hub.addFile(REPO, 'main', `${ONNX}_data`, data, true);
    const model = await ensureModel(request, storeOptions(hub));
    assert.deepEqual(readFileSync(`${model.onnxPath}_data`), data);
  });

  it('resumes with Range from the bytes on disk after a dropped connection', async () => {
    hub.fault(ONNX, { kind: 'drop', afterBytes: 20_000, times: 1 });
    const model = await ensureModel(request, storeOptions(hub));
    const gets = graphGets(hub);
    assert.equal(gets.length, 2);
    assert.equal(gets[0].range, undefined);
    assert.equal(gets[1].range, 'bytes=20000-');
    assert.equal(sha256(readFileSync(model.onnxPath)), sha256(GRAPH));
  });

  it('starts over from zero when the server ignores Range and answers 200', async () => {
    hub.fault(ONNX, { kind: 'drop', afterBytes: 10_000, times: 1 });
    hub.fault(ONNX, { kind: 'ignoreRange', times: 1 });
    const model = await ensureModel(request, storeOptions(hub));
    assert.deepEqual(graphGets(hub).map((r) => r.range), [undefined, 'bytes=10000-']);
    assert.equal(statSync(model.onnxPath).size, GRAPH.length);
    assert.equal(sha256(readFileSync(model.onnxPath)), sha256(GRAPH));
  });

  it('finishes a part that already has the full size without fetching it again', async () => {
    const options = storeOptions(hub);
    const dest = join(storeDir(options.storageDir, REPO, 'main'), ONNX);
    mkdirSync(dirname(dest), { recursive: true });
    writeFileSync(`${dest}.part`, GRAPH);
    await ensureModel(request, options);
    assert.equal(graphGets(hub).length, 0);
    assert.deepEqual(readFileSync(dest), GRAPH);
  });

  it('retries 5xx answers and then succeeds', async () => {
    hub.fault(ONNX, { kind: 'status', status: 503, times: 1 });
    hub.fault(ONNX, { kind: 'status', status: 500, times: 1 });
    const model = await ensureModel(request, storeOptions(hub));
    const hubGets = hub.requests.filter((r) => r.method === 'GET' && r.path.endsWith(ONNX));
    assert.equal(hubGets.length, 3);
    assert.deepEqual(readFileSync(model.onnxPath), GRAPH);
  });

  it('gives up on a server that keeps failing after the configured number of tries', async () => {
    hub.fault(ONNX, { kind: 'status', status: 502 });
    const options = storeOptions(hub);
    await assert.rejects(ensureModel(request, options), {
      name: 'DownloadFailedError',
      message: `${ONNX}: giving up after 3 attempts: HTTP 502 from ${hub.url}/${REPO}/resolve/main/${ONNX}`,
    });
    assert.equal(hub.requests.filter((r) => r.method === 'GET' && r.path.endsWith(ONNX)).length, 3);
    assert.equal(existsSync(join(storeDir(options.storageDir, REPO, 'main'), ONNX)), false);
  });

  it('rejects a file whose SHA-256 differs from the hub\'s, leaving neither the file nor its part', async () => {
    hub.fault(ONNX, { kind: 'corrupt', times: 1 });
    const options = storeOptions(hub);
    const corrupt = Buffer.from(GRAPH);
    corrupt[0] ^= 0xff;
    await assert.rejects(ensureModel(request, options), {
      name: 'IntegrityError',
      message: `${ONNX} failed its sha256 check: expected ${sha256(GRAPH)}, got ${sha256(corrupt)}; the partial download was deleted`,
    });
    const dest = join(storeDir(options.storageDir, REPO, 'main'), ONNX);
    assert.equal(existsSync(dest), false);
    assert.equal(existsSync(`${dest}.part`), false);
    // The next call starts clean and succeeds.
    const model = await ensureModel(request, options);
    assert.deepEqual(readFileSync(model.onnxPath), GRAPH);
  });

  it('cancels mid-file through the AbortSignal, keeps the part, and resumes on the next call', async () => {
    hub.fault(ONNX, { kind: 'stall', afterBytes: 12_345, times: 1 });
    const controller = new AbortController();
    const options = storeOptions(hub, {
      signal: controller.signal,
      onProgress: (p) => {
        if (p.file === ONNX && p.fileBytes >= 12_345) controller.abort();
      },
    });
    await assert.rejects(ensureModel(request, options), { name: 'AbortError', message: `download of ${ONNX} cancelled` });
    const dest = join(storeDir(options.storageDir, REPO, 'main'), ONNX);
    assert.equal(existsSync(dest), false);
    assert.equal(statSync(`${dest}.part`).size, 12_345);

    const model = await ensureModel(request, { ...options, signal: undefined, onProgress: undefined });
    assert.equal(graphGets(hub).at(-1)?.range, 'bytes=12345-');
    assert.deepEqual(readFileSync(model.onnxPath), GRAPH);
  });

  it('rejects at once when the signal is already aborted, before any request', async () => {
    const controller = new AbortController();
    controller.abort();
    await assert.rejects(ensureModel(request, storeOptions(hub, { signal: controller.signal })), { name: 'AbortError' });
    assert.equal(hub.requests.length, 0);
  });

  it('goes through a CONNECT proxy with its credentials', async () => {
    const proxy = await startProxy();
    try {
      const options = storeOptions(hub, { proxy: { url: proxy.url, strictSSL: true, noProxy: [] } });
      const model = await ensureModel(request, options);
      assert.deepEqual(readFileSync(model.onnxPath), GRAPH);
      const port = new URL(hub.url).port;
      assert.ok(proxy.connects.length > 0);
      for (const c of proxy.connects) {
        assert.equal(c.authority, `127.0.0.1:${port}`);
        assert.equal(c.auth, `Basic ${Buffer.from('user:secret').toString('base64')}`);
      }
    } finally {
      await proxy.close();
    }
  });
});

describe('hub redirects and the token', () => {
  it('follows a cross-host CDN redirect and sends the token to the hub only', async () => {
    const hub = await startHub('other-host');
    try {
      publishModel(hub);
      const model = await ensureModel(request, storeOptions(hub, { token: 'hf_secret' }));
      assert.deepEqual(readFileSync(model.onnxPath), GRAPH);
      const cdn = hub.requests.filter((r) => r.server === 'cdn');
      const home = hub.requests.filter((r) => r.server === 'hub');
      assert.equal(cdn.length, 1);
      assert.equal(cdn[0].authorization, undefined);
      assert.ok(home.length > 0);
      for (const r of home) assert.equal(r.authorization, 'Bearer hf_secret');
    } finally {
      await hub.close();
    }
  });

  it('follows a relative redirect on the same host, keeping the token', async () => {
    const hub = await startHub('same-host');
    try {
      publishModel(hub);
      await ensureModel(request, storeOptions(hub, { token: 'hf_secret' }));
      const cdn = hub.requests.filter((r) => r.path.startsWith('/cdn/'));
      assert.equal(cdn.length, 1);
      assert.equal(cdn[0].authorization, 'Bearer hf_secret');
    } finally {
      await hub.close();
    }
  });
});

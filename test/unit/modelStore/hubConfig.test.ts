import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { catalogEntry, modelFiles, onnxFile } from '../../../src/modelStore/catalog';
import { bypassesProxy, resolveEndpoint, resolveProxy, resolveToken } from '../../../src/modelStore/hubConfig';
import { metaFromHeaders, resolveUrl } from '../../../src/modelStore/hubRequest';

const SHA256 = 'a'.repeat(64);
const SHA1 = 'b'.repeat(40);

describe('hub endpoint, token and proxy', () => {
  it('takes a changed endpoint setting first, then HF_ENDPOINT, then the public hub', () => {
    assert.equal(resolveEndpoint('https://mirror.example/', { HF_ENDPOINT: 'https://env.example' }), 'https://mirror.example');
    assert.equal(resolveEndpoint('https://huggingface.co', { HF_ENDPOINT: 'https://env.example' }), 'https://env.example');
    assert.equal(resolveEndpoint(undefined, {}), 'https://huggingface.co');
    assert.throws(() => resolveEndpoint('ftp://x', {}), { message: 'hub endpoint "ftp://x" must be http: or https:, not ftp:' });
    assert.throws(() => resolveEndpoint('nonsense', {}), { message: /^hub endpoint "nonsense" is not a URL/ });
  });

  it('reads the token from HF_TOKEN', () => {
    assert.equal(resolveToken({ HF_TOKEN: ' hf_x ' }), 'hf_x');
    assert.equal(resolveToken({ HUGGING_FACE_HUB_TOKEN: 'hf_y' }), 'hf_y');
    assert.equal(resolveToken({}), undefined);
  });

  it('takes the http.proxy setting, else HTTPS_PROXY, and joins the no-proxy lists', () => {
    assert.deepEqual(resolveProxy({ url: 'http://p:3128', strictSSL: false, noProxy: ['a.example'] }, { NO_PROXY: 'b.example, .c.example' }), {
      url: 'http://p:3128',
      strictSSL: false,
      noProxy: ['a.example', 'b.example', '.c.example'],
    });
    assert.equal(resolveProxy({}, { HTTPS_PROXY: 'http://env:8080' })?.url, 'http://env:8080');
    assert.equal(resolveProxy({ url: '' }, {}), undefined);
    assert.throws(() => resolveProxy({ url: 'socks5://p:1080' }, {}), { message: /^proxy "socks5:\/\/p:1080" must be http: or https:/ });
  });

  it('bypasses the proxy for listed hosts and their subdomains', () => {
    assert.equal(bypassesProxy('huggingface.co', ['huggingface.co']), true);
    assert.equal(bypassesProxy('cdn.huggingface.co', ['.huggingface.co']), true);
    assert.equal(bypassesProxy('cdn.huggingface.co', ['huggingface.co']), true);
    assert.equal(bypassesProxy('nothuggingface.co', ['huggingface.co']), false);
    assert.equal(bypassesProxy('anything', ['*']), true);
    assert.equal(bypassesProxy('huggingface.co', []), false);
  });
});

describe('what the hub headers say about a file', () => {
  it('reads size and SHA-256 of an LFS file from x-linked-size and x-linked-etag', () => {
    assert.deepEqual(metaFromHeaders({ 'x-linked-size': '123', 'x-linked-etag': `"${SHA256}"`, 'content-length': '0' }), {
      size: 123,
      sha256: SHA256,
    });
  });

  it('never takes a regular file\'s git SHA-1 ETag for a SHA-256', () => {
    assert.deepEqual(metaFromHeaders({ etag: `"${SHA1}"`, 'content-length': '42' }), { size: 42, sha256: undefined });
    assert.deepEqual(metaFromHeaders({ etag: `W/"${SHA256}"`, 'content-length': '42' }), { size: 42, sha256: undefined });
  });

  it('builds resolve URLs with escaped segments', () => {
    assert.equal(
      resolveUrl('https://hf.example', 'Org/Model', 'refs/pr/1', 'onnx/model q4.onnx').href,
      'https://hf.example/Org/Model/resolve/refs%2Fpr%2F1/onnx/model%20q4.onnx',
    );
  });
});

describe('the model catalog', () => {
  it('maps ids to repositories and dtypes to ONNX files', () => {
    assert.deepEqual(catalogEntry('SmolLM2-1.7B-Instruct'), { id: 'SmolLM2-1.7B-Instruct', repo: 'HuggingFaceTB/SmolLM2-1.7B-Instruct', flavour: 'instruct' });
    assert.equal(onnxFile('q4f16'), 'onnx/model_q4f16.onnx');
    assert.deepEqual(
      modelFiles('fp32').map((f) => `${f.path}${f.required ? '' : '?'}`),
      ['config.json', 'generation_config.json?', 'tokenizer.json', 'tokenizer_config.json', 'special_tokens_map.json?', 'onnx/model.onnx', 'onnx/model.onnx_data?'],
    );
  });

  it('names unknown ids and dtypes with the known ones', () => {
    assert.throws(() => catalogEntry('SmolLM2-7B'), { message: /^unknown model "SmolLM2-7B"; known models: SmolLM2-135M, / });
    assert.throws(() => onnxFile('bf16'), { message: 'unknown dtype "bf16"; known dtypes: fp32, fp16, q4, q4f16, int8' });
  });
});

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ggufTensorName, hfTensorName, permuteRotaryRows, shortestFloat32, unpermuteRotaryRows } from '../../../src/model/ggufLlama';

describe("llama.cpp's Llama layout in Hugging Face's terms", () => {
  it('maps tensor names, skips derived ones and names unknown ones', () => {
    assert.equal(hfTensorName('token_embd.weight', 'f'), 'model.embed_tokens.weight');
    assert.equal(hfTensorName('output_norm.weight', 'f'), 'model.norm.weight');
    assert.equal(hfTensorName('output.weight', 'f'), 'lm_head.weight');
    assert.equal(hfTensorName('blk.12.attn_q.weight', 'f'), 'model.layers.12.self_attn.q_proj.weight');
    assert.equal(hfTensorName('blk.0.ffn_norm.weight', 'f'), 'model.layers.0.post_attention_layernorm.weight');
    assert.equal(hfTensorName('rope_freqs.weight', 'f'), undefined);
    assert.throws(() => hfTensorName('blk.0.attn_qkv.weight', 'x.gguf'), /x\.gguf: tensor "blk\.0\.attn_qkv\.weight" is not part of a Llama model/);
  });

  it("undoes the converter's rotary row permutation per head (GGUF row 2i+j is HF row j·D/2+i)", () => {
    // Two heads of head_dim 4, one column: HF rows [h0: a0 a1 b0 b1 | h1: c0 c1 d0 d1] are stored interleaved.
    const gguf = Float32Array.of(10, 20, 11, 21, 30, 40, 31, 41);
    assert.deepEqual([...unpermuteRotaryRows(gguf, 8, 1, 2)], [10, 11, 20, 21, 30, 31, 40, 41]);
    const wide = Float32Array.from({ length: 8 * 3 }, (_, i) => i);
    const out = unpermuteRotaryRows(wide, 8, 3, 2);
    assert.deepEqual([...out.subarray(3, 6)], [6, 7, 8], 'HF row 1 is GGUF row 2, whole');
    assert.throws(() => unpermuteRotaryRows(wide, 8, 3, 3), /cannot split 8 rows into 3 heads/);
  });

  it('writes float32 metadata as the shortest decimal of the same float32', () => {
    assert.equal(shortestFloat32(Math.fround(1e-5)), 1e-5);
    assert.equal(shortestFloat32(Math.fround(130000)), 130000);
    assert.equal(shortestFloat32(Math.fround(0.1)), 0.1);
  });
});

describe('llama.cpp rotary permutation for export', () => {
  it('permuteRotaryRows is the inverse of unpermuteRotaryRows', () => {
    const rows = 12;
    const cols = 3;
    const weights = Float32Array.from({ length: rows * cols }, (_, i) => i);
    assert.deepEqual(unpermuteRotaryRows(permuteRotaryRows(weights, rows, cols, 3), rows, cols, 3), weights);
    // Head 0 of 4 rows: HF rows 0,1 | 2,3 interleave to 0,2,1,3.
    assert.deepEqual([...permuteRotaryRows(weights, rows, cols, 3).subarray(0, 4 * cols)], [0, 1, 2, 6, 7, 8, 3, 4, 5, 9, 10, 11]);
  });

  it('ggufTensorName inverts hfTensorName', () => {
    for (const name of ['token_embd.weight', 'output_norm.weight', 'output.weight', 'blk.7.attn_q.weight', 'blk.0.ffn_down.weight']) {
      assert.equal(ggufTensorName(hfTensorName(name, 'x')!), name);
    }
    assert.equal(ggufTensorName('model.layers.0.self_attn.rotary_emb.inv_freq'), undefined);
  });
});

/**
 * @file config.json against the weights it describes: each field the checkpoint's header pins
 * down is compared with it, a mismatch is one line naming the field, and an absurd layer count
 * is refused by probing names rather than by building one entry per claimed layer.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ModelConfig } from '../../../src/model/config';
import { configMismatch, heldLayers } from '../../../src/model/configBounds';
import { llamaWeightShapes } from '../../../src/model/llamaMath';
import type { WeightSource } from '../../../src/model/weights';
import { tinyConfig } from '../../support/tinyModel';

/** The header of a checkpoint of `config`, as a weight source whose tensors are never read. */
function headerOf(config: ModelConfig): WeightSource {
  const shapes = llamaWeightShapes(config);
  return {
    label: '/models/tiny/model.safetensors',
    has: (name) => shapes.has(name),
    shape: (name) => shapes.get(name)!,
    read: () => assert.fail('the check must not read tensors'),
  };
}

const held = tinyConfig();

describe('config bounds', () => {
  it('accepts the config the weights were made from', () => {
    assert.equal(heldLayers(headerOf(held)), 2);
    assert.equal(configMismatch(held, headerOf(held)), undefined);
  });

  it('refuses num_hidden_layers 1e9 against two held layers, in one line', () => {
    const message = configMismatch(tinyConfig({ numHiddenLayers: 1_000_000_000 }), headerOf(held));
    assert.equal(message, 'num_hidden_layers is 1000000000, but model.safetensors holds 2 layers');
  });

  it('refuses fewer layers than the weights hold', () => {
    assert.equal(configMismatch(tinyConfig({ numHiddenLayers: 1 }), headerOf(held)), 'num_hidden_layers is 1, but model.safetensors holds 2 layers');
  });

  const sizes: [string, Partial<ModelConfig>, RegExp][] = [
    ['vocab_size', { vocabSize: 1e9 }, /^vocab_size is 1000000000, but model\.safetensors's "model\.embed_tokens\.weight" has 49152 on axis 0$/],
    ['hidden_size', { hiddenSize: 65536 }, /^hidden_size is 65536, but .* has 64 on axis 1$/],
    ['num_attention_heads', { numAttentionHeads: 4096 }, /^num_attention_heads × head_dim is 65536, but .*q_proj.* has 64 on axis 0$/],
    ['head_dim', { headDim: 1 << 20 }, /^num_attention_heads × head_dim is 4194304, but .*q_proj/],
    ['num_key_value_heads', { numKeyValueHeads: 4 }, /^num_key_value_heads × head_dim is 64, but .*k_proj.* has 32 on axis 0$/],
    ['intermediate_size', { intermediateSize: 2 ** 31 }, /^intermediate_size is 2147483648, but .*gate_proj.* has 128 on axis 0$/],
    ['tie_word_embeddings', { tieWordEmbeddings: false }, /^tie_word_embeddings is false, but model\.safetensors has no "lm_head\.weight"$/],
  ];
  for (const [field, override, pattern] of sizes) {
    it(`refuses ${field} when the weights contradict it, naming the field`, () => {
      const message = configMismatch(tinyConfig(override), headerOf(held));
      assert.match(message ?? '', pattern);
    });
  }
});

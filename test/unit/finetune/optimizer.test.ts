/**
 * @file AdamW, SGD, gradient clipping and the learning-rate schedule against values worked out
 * by hand from PyTorch's and transformers' definitions (float32 storage: 1e-7 relative).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { adamW, clipGradNorm, sgd } from '../../../src/finetune/optimizer';
import { cosineWithWarmup } from '../../../src/finetune/schedule';
import { initLoraWeights, loraModules, loraScale } from '../../../src/model/lora';
import { resolvePlan } from '../../../src/finetune/plan';
import { tinyConfig } from '../../support/tinyModel';

const close = (a: number, b: number, tol = 1e-6) => assert.ok(Math.abs(a - b) <= tol * Math.max(1, Math.abs(b)), `${a} vs ${b}`);

describe('optimizers', () => {
  it('AdamW takes a step of lr·sign(g) first, with decoupled weight decay', () => {
    const opt = adamW({ weightDecay: 0.1 });
    const params = new Map([['p', Float32Array.of(1, -2)]]);
    opt.step(params, new Map([['p', Float32Array.of(0.5, -3)]]), 0.01);
    // p·(1 - lr·wd) - lr · m̂/(√v̂ + eps), with m̂ = g and √v̂ = |g| on step 1.
    close(params.get('p')![0], 1 * (1 - 0.001) - 0.01, 1e-6);
    close(params.get('p')![1], -2 * (1 - 0.001) + 0.01, 1e-6);
  });

  it('AdamW state restores exactly', () => {
    const run = (restoreAfter?: number) => {
      let opt = adamW();
      const params = new Map([['p', Float32Array.of(0.3, 0.7)]]);
      for (let s = 0; s < 4; s++) {
        if (s === restoreAfter) {
          const saved = opt.state();
          opt = adamW();
          opt.restore(saved);
        }
        opt.step(params, new Map([['p', Float32Array.of(Math.sin(s), Math.cos(s))]]), 0.1);
      }
      return params.get('p')!;
    };
    assert.deepEqual(run(2), run());
  });

  it('SGD subtracts lr·g', () => {
    const params = new Map([['p', Float32Array.of(1)]]);
    sgd().step(params, new Map([['p', Float32Array.of(2)]]), 0.25);
    assert.equal(params.get('p')![0], 0.5);
  });

  it('clipping scales to the max norm and reports the norm before', () => {
    const grads = new Map([['a', Float32Array.of(3)], ['b', Float32Array.of(4)]]);
    assert.equal(clipGradNorm(grads, 1), 5);
    close(grads.get('a')![0], 0.6, 1e-6);
    close(grads.get('b')![0], 0.8, 1e-6);
    const small = new Map([['a', Float32Array.of(0.1)]]);
    clipGradNorm(small, 1);
    assert.equal(small.get('a')![0], Math.fround(0.1));
  });

  it('max norm 0 turns clipping off and still reports the norm', () => {
    const grads = new Map([['a', Float32Array.of(3)], ['b', Float32Array.of(4)]]);
    assert.equal(clipGradNorm(grads, 0), 5);
    assert.deepEqual([grads.get('a')![0], grads.get('b')![0]], [3, 4]);
  });

  it('cosine schedule: linear warmup from 0, peak, half at the midpoint, 0 at the end', () => {
    assert.equal(cosineWithWarmup(0, 100, 10, 1), 0);
    assert.equal(cosineWithWarmup(5, 100, 10, 1), 0.5);
    assert.equal(cosineWithWarmup(10, 100, 10, 1), 1);
    close(cosineWithWarmup(55, 100, 10, 1), 0.5);
    close(cosineWithWarmup(100, 100, 10, 1), 0);
  });
});

describe('LoRA init and plan defaults', () => {
  it('initializes A uniform within ±1/√in and B to zero, the same for the same seed', () => {
    const modules = loraModules(tinyConfig(), { rank: 4, alpha: 8, targets: ['q_proj', 'down_proj'], useRslora: false });
    const w = initLoraWeights(modules, 7);
    for (const m of modules) {
      const bound = 1 / Math.sqrt(m.aShape[1]);
      assert.ok(w.get(m.a)!.every((v) => Math.abs(v) <= bound) && w.get(m.a)!.some((v) => Math.abs(v) > bound / 2));
      assert.ok(w.get(m.b)!.every((v) => v === 0));
    }
    assert.deepEqual(initLoraWeights(modules, 7), w);
  });

  it('scales by alpha/r, or alpha/√r with rsLoRA', () => {
    assert.equal(loraScale({ rank: 16, alpha: 32, targets: [], useRslora: false }), 2);
    assert.equal(loraScale({ rank: 16, alpha: 32, targets: [], useRslora: true }), 8);
  });

  it('sizes the defaults from the dataset', () => {
    const p = resolvePlan({ modelDir: '', dataPath: '', outDir: '' }, 200, 512);
    assert.equal(p.gradAccum, 8);
    assert.equal(p.steps, Math.ceil((3 * 200) / 8));
    assert.equal(p.warmupSteps, Math.floor(0.05 * p.steps));
    assert.equal(p.lr, 1e-3);
    assert.equal(p.lora.rank, 8);
    assert.equal(p.lora.alpha, 16);
    assert.equal(p.lora.targets.length, 7);
    assert.equal(resolvePlan({ modelDir: '', dataPath: '', outDir: '' }, 3, 512).gradAccum, 3);
    assert.equal(resolvePlan({ modelDir: '', dataPath: '', outDir: '' }, 20000, 512).steps, 2500);
    assert.throws(() => resolvePlan({ modelDir: '', dataPath: '', outDir: '', steps: 1, epochs: 1 }, 10, 512), /steps or epochs, not both/);
  });

  it("takes TRL's weight decay, warmup ratio and max grad norm, and refuses values out of range", () => {
    const base = { modelDir: '', dataPath: '', outDir: '' };
    const p = resolvePlan({ ...base, steps: 100, weightDecay: 0.1, warmupRatio: 0.2, maxGradNorm: 0 }, 200, 512);
    assert.deepEqual([p.weightDecay, p.warmupSteps, p.maxGradNorm], [0.1, 20, 0]);
    assert.equal(resolvePlan({ ...base, steps: 100, warmupRatio: 0 }, 200, 512).warmupSteps, 0);
    assert.throws(() => resolvePlan({ ...base, warmupRatio: 1 }, 10, 512), /warmupRatio must be from 0 to under 1, got 1/);
    assert.throws(() => resolvePlan({ ...base, maxGradNorm: -1 }, 10, 512), /maxGradNorm must be from 0/);
    assert.throws(() => resolvePlan({ ...base, weightDecay: Number.NaN }, 10, 512), /weightDecay must be from 0 to 1, got NaN/);
  });
});

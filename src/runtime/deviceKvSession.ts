/**
 * @file The fused graph on the WebGPU provider with its KV cache in GPU memory. ONNX Runtime
 * leaves the `present.*` outputs on the GPU (`preferredOutputLocation`, set per output in
 * session.ts) and the next step feeds them back as `past_key_values.*`, so a token moves only
 * its logits row between host and device; the host-buffer scheme of fusedSession.ts would upload
 * the whole cache on every step. GroupQueryAttention reads only the `attention_mask` length of a
 * past that may be longer, so truncating a cache for prefix reuse only shortens its length, as
 * on the CPU. A step frees the device tensors it consumed; `disposeKv` frees a dropped cache.
 */
import type * as OrtModule from 'onnxruntime-node';
import type { ProviderName } from './providers';
import type { Ort } from './session';
import { OnesMask } from './attentionMask';

type Tensor = OrtModule.Tensor;

/** A device-resident cache: `tensors` hold at least `length` valid positions each. */
export interface DeviceKv {
  readonly length: number;
  /** `past_key_values.*` in input order: GPU tensors, or empty host tensors before the first step. */
  readonly tensors: readonly Tensor[];
}

/** What the session needs to know of the graph's cache inputs. */
export interface DeviceKvLayout {
  readonly pastNames: readonly string[];
  readonly heads: number;
  readonly headDim: number;
}

/** A fused-graph session with the cache on the GPU; same surface as `FusedLmSession`. */
export class DeviceKvSession {
  /** `step` frees the cache it is given, so one cache must never serve two sequences at once. */
  readonly mutableKv = true;
  private readonly presentNames: readonly string[];
  private readonly keepOne: Tensor;
  private readonly ones = new OnesMask();

  constructor(
    private readonly runtime: Ort,
    private readonly session: OrtModule.InferenceSession,
    private readonly layout: DeviceKvLayout,
    readonly provider: ProviderName,
    readonly fallbacks: readonly string[],
  ) {
    this.presentNames = layout.pastNames.map((n) => n.replace('past_key_values.', 'present.'));
    this.keepOne = new runtime.Tensor('int64', BigInt64Array.of(1n), []);
  }

  emptyKv(): DeviceKv {
    const { heads, headDim, pastNames } = this.layout;
    return { length: 0, tensors: pastNames.map(() => new this.runtime.Tensor('float32', new Float32Array(0), [1, heads, 0, headDim])) };
  }

  /** Bytes of device memory the cache's valid positions take. */
  kvBytes(kv: DeviceKv): number {
    return kv.tensors.length * this.layout.heads * kv.length * this.layout.headDim * 4;
  }

  truncateKv(kv: DeviceKv, length: number): DeviceKv {
    return length >= kv.length ? kv : { ...kv, length };
  }

  disposeKv(kv: DeviceKv): void {
    for (const tensor of kv.tensors) if (tensor.location === 'gpu-buffer') tensor.dispose();
  }

  /** Runs `ids` after the cache's valid positions; the given cache is consumed. */
  async step(ids: readonly number[], kv: DeviceKv): Promise<{ logits: Float32Array; kv: DeviceKv }> {
    const { Tensor: T } = this.runtime;
    const total = kv.length + ids.length;
    const feeds: Record<string, Tensor> = {
      input_ids: new T('int64', BigInt64Array.from(ids, BigInt), [1, ids.length]),
      attention_mask: new T('int64', this.ones.prefix(total), [1, total]),
      num_logits_to_keep: this.keepOne,
    };
    const fetches: Record<string, null> = { logits: null };
    this.layout.pastNames.forEach((name, i) => {
      feeds[name] = kv.tensors[i] as Tensor;
      fetches[this.presentNames[i] as string] = null;
    });
    const out = await this.session.run(feeds, fetches);
    this.disposeKv(kv);
    return { logits: out.logits.data as Float32Array, kv: { length: total, tensors: this.presentNames.map((n) => out[n] as Tensor) } };
  }

  async dispose(): Promise<void> {
    await this.session.release();
  }
}

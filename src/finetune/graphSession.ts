/**
 * @file Runs a LoRA training (or evaluation) graph: writes it to a temporary ONNX file, opens
 * it through runtime/session.ts (the one module that touches ONNX Runtime), and feeds one
 * micro-batch plus the current LoRA matrices per run.
 *
 * Memory: the frozen weights go to the file's external data, streamed from the safetensors one
 * tensor at a time, so JavaScript never holds them (inline, the whole ModelProto with every
 * weight sat in the heap while ONNX Runtime copied it: 135M's session opened at 1.6 GB RSS,
 * with external data at 1.3 GB); the session runs with `memory: 'lean'` (see runtime/session.ts).
 * A graph built with `frozenInputs` takes them as inputs instead, fed from one `FrozenWeights`
 * that the training and the validation session share.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GraphSession, type GraphFeed, type SessionOptions } from '../runtime/session';
import { writeOnnxModel } from '../graph/onnxWriter';
import { gradName } from '../model/lora';
import type { TrainingGraph } from '../model/registry';
import type { WeightSource } from '../model/weights';

/** One micro-batch, row-major [batchSize, seqLen]; label -100 is ignored. */
export interface MicroBatch {
  readonly batchSize: number;
  readonly seqLen: number;
  readonly inputIds: BigInt64Array;
  readonly attentionMask: BigInt64Array;
  readonly labels: BigInt64Array;
}

/** LoRA matrices (or their gradients) by PEFT name. */
export type FloatTensors = ReadonlyMap<string, Float32Array | Float64Array>;

/** Frozen weights by checkpoint name, for graphs built with `frozenInputs`. */
export type FrozenWeights = ReadonlyMap<string, Float32Array | Float64Array>;

/** Reads the frozen inputs of `graphs` from `weights` once (float64 for double graphs). */
export function readFrozenWeights(graphs: readonly TrainingGraph[], weights: WeightSource, double = false): FrozenWeights {
  const out = new Map<string, Float32Array | Float64Array>();
  for (const input of graphs.flatMap((graph) => graph.frozenInputs)) {
    if (out.has(input.name)) continue;
    const values = weights.read(input.name);
    out.set(input.name, double ? Float64Array.from(values) : values);
  }
  return out;
}

/** What one run returns: the mean loss and, for training graphs, every LoRA gradient. */
export interface StepResult {
  readonly loss: number;
  readonly grads: Map<string, Float32Array | Float64Array>;
  /** [B·S, V] logits, from graphs built with `logits: true`. */
  readonly logits?: Float32Array | Float64Array;
}

/** An open training or evaluation graph; `dispose()` releases the session. */
export class LoraGraphSession {
  private constructor(
    private readonly session: GraphSession,
    private readonly graph: TrainingGraph,
    private readonly double: boolean,
    private readonly withGradients: boolean,
    private readonly leftoverDir: string | undefined,
    private readonly frozen: Record<string, GraphFeed>,
  ) {}

  /**
   * Serializes `graph` and opens it; `double` must match how the graph was built, and `frozen`
   * holds the weights of a graph built with `frozenInputs`.
   */
  static async open(graph: TrainingGraph, options: SessionOptions & { readonly double?: boolean; readonly frozen?: FrozenWeights }): Promise<LoraGraphSession> {
    const frozen = frozenFeeds(graph, options.frozen);
    const dir = mkdtempSync(join(tmpdir(), 'smolcode-lora-'));
    let session: GraphSession;
    try {
      const path = join(dir, 'graph.onnx');
      writeOnnxModel(graph.graph, path, { externalData: true });
      session = await GraphSession.open(path, { memory: 'lean', ...(options.double ? { optimization: 'basic' as const } : {}), ...options });
    } catch (error) {
      rmSync(dir, { recursive: true, force: true });
      throw error;
    }
    // ONNX Runtime may keep the external data memory-mapped; Linux and macOS unlink a mapped
    // file, Windows refuses until the session is released, so that case waits for dispose().
    const leftover = removeDir(dir) ? undefined : dir;
    return new LoraGraphSession(session, graph, options.double ?? false, session.outputNames.some((n) => n.startsWith('grad.')), leftover, frozen);
  }

  /** The execution provider in use. */
  get provider(): string {
    return this.session.provider;
  }

  /** Runs one micro-batch with the LoRA matrices `weights`. */
  async run(batch: MicroBatch, weights: FloatTensors): Promise<StepResult> {
    const dims = [batch.batchSize, batch.seqLen];
    const feeds: Record<string, GraphFeed> = {
      ...this.frozen,
      input_ids: { data: batch.inputIds, dims },
      attention_mask: { data: batch.attentionMask, dims },
      labels: { data: batch.labels, dims },
    };
    for (const m of this.graph.modules) {
      for (const [name, shape] of [
        [m.a, m.aShape],
        [m.b, m.bShape],
      ] as const) {
        const values = weights.get(name);
        if (!values) throw new Error(`missing LoRA tensor ${name}`);
        const data = this.double ? (values instanceof Float64Array ? values : Float64Array.from(values)) : values instanceof Float32Array ? values : Float32Array.from(values);
        feeds[name] = { data, dims: shape };
      }
    }
    const out = await this.session.run(feeds);
    const grads = new Map<string, Float32Array | Float64Array>();
    if (this.withGradients) {
      for (const m of this.graph.modules) for (const name of [m.a, m.b]) grads.set(name, out[gradName(name)]);
    }
    return { loss: out.loss[0], grads, logits: out.logits };
  }

  async dispose(): Promise<void> {
    await this.session.dispose();
    if (this.leftoverDir !== undefined) removeDir(this.leftoverDir);
  }
}

/** The feeds of `graph`'s frozen inputs, checked against their shapes once. */
function frozenFeeds(graph: TrainingGraph, frozen: FrozenWeights | undefined): Record<string, GraphFeed> {
  const feeds: Record<string, GraphFeed> = {};
  for (const { name, shape } of graph.frozenInputs) {
    const data = frozen?.get(name);
    if (!data) throw new Error(`the training graph takes frozen weight ${name} as an input, and none was given`);
    const size = shape.reduce((a, b) => a * b, 1);
    if (data.length !== size) throw new Error(`frozen weight ${name} has ${data.length} values, the graph wants [${shape}] = ${size}`);
    feeds[name] = { data, dims: shape };
  }
  return feeds;
}

/** Removes `dir`; false when the system refused (a file still mapped on Windows). */
function removeDir(dir: string): boolean {
  try {
    rmSync(dir, { recursive: true, force: true });
    return true;
  } catch {
    return false;
  }
}

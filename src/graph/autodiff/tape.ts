/**
 * @file The tape of a reverse-mode autodiff that writes ONNX. Forward ops (one file each under
 * `ops/`) emit their nodes into a `GraphBuilder` and push a backward closure here; `backward`
 * then walks the tape in reverse and each closure emits the nodes of its gradient rule, so
 * the finished graph computes the forward values and the gradients in one session run. This is
 * micrograd's design (micrograd/engine.py `backward`: topological order, reversed) with ONNX
 * nodes in place of floats; as in llm.c's train_gpt2.c, backward passes are emitted in the
 * reverse order of the forward passes and gradients accumulate with `+=`.
 *
 * Shapes are static (batch and sequence length are fixed when the graph is built), so every
 * rule knows exactly which axes a broadcast added and can sum them away.
 */
import type { DataType, GraphBuilder } from '../graphBuilder';
import { Ops } from '../ops';

/** A value of the differentiable graph: its ONNX value name and static shape. */
export interface Tensor {
  readonly name: string;
  readonly shape: readonly number[];
  /** A gradient is wanted: a trainable leaf, or a value computed from one. */
  readonly requiresGrad: boolean;
}

/** One recorded forward op: its outputs and the rule that turns their gradients into input gradients. */
interface Step {
  readonly outputs: readonly Tensor[];
  readonly backward: (outputGrads: readonly (string | undefined)[]) => void;
}

/** Records forward ops and emits their backward passes; see the file header. */
export class Tape {
  /** Operator helpers over the same builder. */
  readonly op: Ops;
  private readonly steps: Step[] = [];
  private readonly grads = new Map<string, string>();

  /** `dtype` is the float type of every differentiable value (float or double). */
  constructor(
    readonly g: GraphBuilder,
    readonly dtype: DataType,
  ) {
    this.op = new Ops(g);
  }

  /** A graph input, initializer or constant; trainable leaves pass `requiresGrad`. */
  leaf(name: string, shape: readonly number[], requiresGrad = false): Tensor {
    return { name, shape: [...shape], requiresGrad };
  }

  /** Wraps a forward output: it requires a gradient when any of `inputs` does. */
  result(name: string, shape: readonly number[], inputs: readonly Tensor[]): Tensor {
    return { name, shape: [...shape], requiresGrad: inputs.some((x) => x.requiresGrad) };
  }

  /** A scalar constant of the tape's float type. */
  scalar(value: number): string {
    return this.op.scalar(value, this.dtype);
  }

  /** Records `backward` for `outputs`; ops whose outputs need no gradient record nothing. */
  record(outputs: readonly Tensor[], backward: Step['backward']): void {
    if (outputs.some((y) => y.requiresGrad)) this.steps.push({ outputs, backward });
  }

  /** `x.grad += make()`: `make` runs (and emits nodes) only when `x` wants a gradient. */
  accumulate(x: Tensor, make: () => string): void {
    if (!x.requiresGrad) return;
    const dx = make();
    const previous = this.grads.get(x.name);
    this.grads.set(x.name, previous === undefined ? dx : this.op.add(previous, dx));
  }

  /** The accumulated gradient of `x`, if any reached it. */
  grad(x: Tensor): string | undefined {
    return this.grads.get(x.name);
  }

  /**
   * Emits the backward pass from `output`, seeded with `seed` (default 1, for a scalar loss),
   * running every recorded step in reverse order of the forward.
   */
  backward(output: Tensor, seed?: string): void {
    this.grads.set(output.name, seed ?? this.scalar(1));
    this.g.scope('backward', () => {
      for (let i = this.steps.length - 1; i >= 0; i--) {
        const step = this.steps[i];
        const outputGrads = step.outputs.map((y) => this.grads.get(y.name));
        if (outputGrads.every((d) => d === undefined)) continue;
        step.backward(outputGrads);
      }
    });
  }
}

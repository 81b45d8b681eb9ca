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
  private steps: Step[] = [];
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
    this.accumulateInto(x, (previous) => {
      const dx = make();
      return previous === undefined ? dx : this.op.add(previous, dx);
    });
  }

  /**
   * `x.grad += …` where the maker folds the previous gradient in itself (a Gemm's C input):
   * `make(previous)` returns the new total, `previous` undefined for the first contribution.
   */
  accumulateInto(x: Tensor, make: (previous: string | undefined) => string): void {
    if (!x.requiresGrad) return;
    this.grads.set(x.name, make(this.grads.get(x.name)));
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
    this.g.scope('backward', () => this.replay(this.steps));
  }

  /**
   * Activation recomputation (PyTorch's torch.utils.checkpoint): `fn(inputs)` runs forward with
   * nothing saved for backward, so its intermediates die as soon as its outputs exist; the
   * backward pass emits `fn` again on copies of `inputs` and runs that copy's backward. `fn`
   * must be deterministic (no dropout) and must reach the tape's other values only through
   * constants and leaves. Gradients equal those of `fn` run plainly, to rounding.
   *
   * The copies are `x + 0·dy[0]` (one element of an output gradient): the same values, but
   * ONNX Runtime can neither run the recomputation before that gradient exists nor merge it
   * with the forward's nodes (common-subexpression elimination), which would keep every
   * intermediate alive again.
   */
  checkpoint(inputs: readonly Tensor[], fn: (xs: readonly Tensor[]) => readonly Tensor[]): readonly Tensor[] {
    const outputs = this.unrecorded(() => fn(inputs));
    this.record(outputs, (outputGrads) => {
      const zero = this.firstTimesZero(outputGrads.find((d) => d !== undefined)!);
      const copies = inputs.map((x) => (x.requiresGrad ? this.result(this.op.add(x.name, zero), x.shape, [x]) : x));
      const outer = this.steps;
      this.steps = [];
      const again = fn(copies);
      const inner = this.steps;
      this.steps = outer;
      again.forEach((y, i) => {
        const d = outputGrads[i];
        if (d !== undefined) this.grads.set(y.name, d);
      });
      const before = new Map(this.grads);
      this.replay(inner);
      // Gradients this replay gave to values outside `fn` (the leaves it closes over, such as
      // LoRA matrices) become an input of the gradients it passes down, as 0·g[0]: ONNX Runtime
      // orders nodes depth-first from the graph outputs, and without the edge it computed every
      // layer's LoRA gradients at the very end, keeping each layer's activations alive until then.
      const local = new Set([...inner.flatMap((step) => step.outputs.map((y) => y.name)), ...copies.map((c) => c.name)]);
      const reached = [...this.grads].filter(([name, d]) => !local.has(name) && before.get(name) !== d).map(([, d]) => d);
      const tie = reached.length === 0 ? undefined : reached.map((d) => this.firstTimesZero(d)).reduce((a, b) => this.op.add(a, b));
      inputs.forEach((x, i) => {
        const d = this.grads.get(copies[i]!.name);
        if (d !== undefined && copies[i] !== x) this.accumulate(x, () => (tie === undefined ? d : this.op.add(d, tie)));
      });
    });
    return outputs;
  }

  /** 0 · the first element of `x`, a scalar: a data dependency on `x` that adds nothing. */
  private firstTimesZero(x: string): string {
    return this.op.mul(this.op.reshape(this.op.slice(this.op.reshape(x, [-1]), [0], [1], [0]), []), this.scalar(0));
  }

  /** Runs `fn` with its steps discarded: forward only. */
  private unrecorded<T>(fn: () => T): T {
    const outer = this.steps;
    this.steps = [];
    try {
      return fn();
    } finally {
      this.steps = outer;
    }
  }

  /** Runs the backward of `steps`, last first, where a gradient reached their outputs. */
  private replay(steps: readonly Step[]): void {
    for (let i = steps.length - 1; i >= 0; i--) {
      const step = steps[i]!;
      const outputGrads = step.outputs.map((y) => this.grads.get(y.name));
      if (outputGrads.every((d) => d === undefined)) continue;
      step.backward(outputGrads);
    }
  }
}

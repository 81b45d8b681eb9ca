/**
 * @file A debounce delay that adapts to typing speed: while the user types fast, waiting a bit
 * longer avoids starting requests that the next keystroke cancels; after a pause, requests
 * start almost at once.
 */

export interface DebounceOptions {
  readonly minMs: number;
  readonly maxMs: number;
}

export class AdaptiveDebounce {
  private averageGap: number | undefined;
  private lastKeystroke: number | undefined;

  constructor(private readonly options: DebounceOptions) {}

  /** Records a keystroke at `now` (ms). Gaps over 2 s are pauses, not typing speed. */
  keystroke(now: number): void {
    if (this.lastKeystroke !== undefined) {
      const gap = now - this.lastKeystroke;
      if (gap < 2000) this.averageGap = this.averageGap === undefined ? gap : 0.7 * this.averageGap + 0.3 * gap;
    }
    this.lastKeystroke = now;
  }

  /** How long to wait before starting a request: a bit over the usual gap between keystrokes. */
  delay(): number {
    const { minMs, maxMs } = this.options;
    if (this.averageGap === undefined) return minMs;
    return Math.round(Math.min(maxMs, Math.max(minMs, this.averageGap * 1.2)));
  }
}

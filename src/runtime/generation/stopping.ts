/**
 * @file Stop strings over streamed text. A stop string can span several tokens, so text that
 * could still turn into one is held back until it either completes the stop string (generation
 * ends there, the stop string itself is not emitted) or cannot anymore. The time budget ends
 * generation at the next newline once spent, so a completion never stops mid-line.
 */

export interface StopResult {
  /** Text safe to show now. */
  readonly text: string;
  /** Whether generation must end after this text. */
  readonly stop: boolean;
  readonly reason?: 'stop-string' | 'time-budget';
}

/** Length of the longest suffix of `text` that is a proper prefix of some stop string. */
function heldBackLength(text: string, stops: readonly string[]): number {
  let longest = 0;
  for (const stop of stops) {
    for (let n = Math.min(stop.length - 1, text.length); n > longest; n--) {
      if (text.endsWith(stop.slice(0, n))) {
        longest = n;
        break;
      }
    }
  }
  return longest;
}

export class TextStopper {
  private held = '';

  /**
   * @param stops strings that end generation; empty strings are ignored.
   * @param budgetSpent tells whether the time budget is spent (checked on each push).
   */
  constructor(
    private readonly stops: readonly string[],
    private readonly budgetSpent: () => boolean = () => false,
  ) {
    this.stops = stops.filter((s) => s.length > 0);
  }

  /** Feeds newly decoded text. */
  push(fresh: string): StopResult {
    const text = this.held + fresh;
    let cut = -1;
    for (const stop of this.stops) {
      const at = text.indexOf(stop);
      if (at >= 0 && (cut < 0 || at < cut)) cut = at;
    }
    const newline = this.budgetSpent() ? text.indexOf('\n') : -1;
    if (newline >= 0 && (cut < 0 || newline < cut)) {
      this.held = '';
      return { text: text.slice(0, newline), stop: true, reason: 'time-budget' };
    }
    if (cut >= 0) {
      this.held = '';
      return { text: text.slice(0, cut), stop: true, reason: 'stop-string' };
    }
    const hold = heldBackLength(text, this.stops);
    this.held = text.slice(text.length - hold);
    return { text: text.slice(0, text.length - hold), stop: false };
  }

  /** Text held back when generation ends for another reason (it never became a stop string). */
  flush(): string {
    const rest = this.held;
    this.held = '';
    return rest;
  }
}

/**
 * @file How fine-tuning progress reads to a person, the same in the CLI and the editor.
 */

/** A duration such as "42 s" or "3 min 05 s"; "…" while it cannot be known yet. */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '…';
  if (seconds < 90) return `${Math.round(seconds)} s`;
  const whole = Math.round(seconds);
  return `${Math.floor(whole / 60)} min ${String(whole % 60).padStart(2, '0')} s`;
}

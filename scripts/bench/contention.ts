/**
 * @file How much of the machine's CPU other processes used while a worker measured, from
 * Linux's /proc/stat and our own CPU time. Timings on a shared machine are only as good as
 * this number is small, so the report prints it beside the results.
 */
import { readFileSync } from 'node:fs';

/** CPU counters at one moment. */
export interface CpuSnapshot {
  /** Busy and total CPU time of the whole machine, summed over CPUs (ms). */
  readonly busyMs: number;
  readonly totalMs: number;
  /** This process's CPU time (ms). */
  readonly ownMs: number;
}

/** Linux reports /proc/stat in USER_HZ ticks, 100 per second on every mainstream kernel. */
const MS_PER_TICK = 10;

/** The counters now, or undefined where /proc/stat is unavailable (not Linux). */
export function cpuSnapshot(): CpuSnapshot | undefined {
  let line: string | undefined;
  try {
    line = readFileSync('/proc/stat', 'utf8').split('\n').find((l) => l.startsWith('cpu '));
  } catch {
    return undefined;
  }
  if (!line) return undefined;
  // user nice system idle iowait irq softirq steal (guest time is already in user).
  const [user = 0, nice = 0, system = 0, idle = 0, iowait = 0, irq = 0, softirq = 0, steal = 0] = line
    .trim()
    .split(/\s+/)
    .slice(1)
    .map(Number);
  const busy = user + nice + system + irq + softirq + steal;
  const usage = process.cpuUsage();
  return { busyMs: busy * MS_PER_TICK, totalMs: (busy + idle + iowait) * MS_PER_TICK, ownMs: (usage.user + usage.system) / 1000 };
}

/** Share (0-1) of all CPUs that other processes kept busy between two snapshots. */
export function othersShare(before: CpuSnapshot | undefined, after: CpuSnapshot | undefined): number | undefined {
  if (!before || !after) return undefined;
  const total = after.totalMs - before.totalMs;
  if (!(total > 0)) return undefined;
  const others = after.busyMs - before.busyMs - (after.ownMs - before.ownMs);
  return Math.min(Math.max(others / total, 0), 1);
}

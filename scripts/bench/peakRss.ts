/**
 * @file Peak resident set of this process, in MiB. On Linux it is /proc/self/status's VmHWM, the
 * high-water mark of this process's own memory. getrusage's ru_maxrss is not that: Linux carries
 * a parent's peak across fork and exec into the child, so every child the bench spawns reported
 * at least the bench process's own RSS (a child that peaked at 39 MB, spawned by an 800 MB parent,
 * reported 804 MB; three runtimes of one speed run all "peaked" at the parent's 727 MB).
 * Elsewhere ru_maxrss is all there is (bytes on macOS, but Node reports KiB everywhere).
 */
import { readFileSync } from 'node:fs';

/** VmHWM from the text of /proc/self/status, in MiB; undefined when absent. */
export function parseVmHwmMiB(status: string): number | undefined {
  const kib = /^VmHWM:\s+(\d+)\s+kB$/m.exec(status)?.[1];
  return kib === undefined ? undefined : Number(kib) / 1024;
}

export function peakRssMiB(): number {
  if (process.platform === 'linux') {
    try {
      const mib = parseVmHwmMiB(readFileSync('/proc/self/status', 'utf8'));
      if (mib !== undefined) return mib;
    } catch {
      // fall through to getrusage
    }
  }
  return process.resourceUsage().maxRSS / 1024;
}

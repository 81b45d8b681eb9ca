/**
 * @file Child processes that cannot outlive the tests. Each one starts as the leader of its own
 * process group (code-server forks an extension host, a pty host and file watchers), so one
 * signal to the group stops all of it. Groups still alive when this process exits are killed,
 * and each group is also recorded in $SMOLCODE_E2E_PID_DIR so that test/e2e/run.sh can kill it
 * after a crash that skipped every hook (SIGKILL, OOM).
 */
import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { timeouts } from './timeouts';

const liveGroups = new Set<number>();

process.on('exit', () => {
  for (const pgid of liveGroups) signalGroup(pgid, 'SIGKILL');
});

function signalGroup(pgid: number, signal: NodeJS.Signals): boolean {
  try {
    process.kill(-pgid, signal);
    return true;
  } catch {
    return false; // ESRCH: the group is gone.
  }
}

function groupAlive(pgid: number): boolean {
  return signalGroup(pgid, 0 as unknown as NodeJS.Signals);
}

function recordFile(pgid: number): string | undefined {
  const dir = process.env.SMOLCODE_E2E_PID_DIR;
  return dir ? join(dir, String(pgid)) : undefined;
}

/** A child process group, stopped with {@link ProcessGroup.stop}. */
export class ProcessGroup {
  readonly child: ChildProcess;
  readonly pgid: number;
  readonly exited: Promise<number | null>;

  private constructor(child: ChildProcess, pgid: number) {
    this.child = child;
    this.pgid = pgid;
    this.exited = new Promise((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) resolve(child.exitCode);
      else child.once('exit', (code) => resolve(code));
    });
  }

  /** Spawns `command` as the leader of a new process group and tracks the group. */
  static spawn(command: string, args: readonly string[], options: SpawnOptions): ProcessGroup {
    const child = spawn(command, args, { ...options, detached: true });
    if (child.pid === undefined) throw new Error(`could not spawn ${command}`);
    return ProcessGroup.adopt(child, child.pid);
  }

  /** Tracks a group some other launcher started (e.g. playwright's browser server). */
  static adopt(child: ChildProcess, pgid: number): ProcessGroup {
    liveGroups.add(pgid);
    const file = recordFile(pgid);
    if (file) writeFileSync(file, `${child.spawnfile}\n`);
    return new ProcessGroup(child, pgid);
  }

  /** SIGTERM to the group, SIGKILL after the grace period; resolves when the group is gone. */
  async stop(): Promise<void> {
    signalGroup(this.pgid, 'SIGTERM');
    const deadline = Date.now() + timeouts.processExit;
    while (groupAlive(this.pgid) && Date.now() < deadline) await sleep(100);
    if (groupAlive(this.pgid)) {
      signalGroup(this.pgid, 'SIGKILL');
      while (groupAlive(this.pgid)) await sleep(50);
    }
    liveGroups.delete(this.pgid);
    const file = recordFile(this.pgid);
    if (file) rmSync(file, { force: true });
  }
}

/** Resolves after `ms` milliseconds. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

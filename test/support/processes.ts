/**
 * @file Child processes for fault tests: a pid that certainly belongs to no running process,
 * and TypeScript snippets run in a child of their own (through tsx), so that a test can kill
 * one midway or race two.
 */
import { spawn, spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** The pid of a process that has already exited (reused only after the pid space wraps). */
export function deadPid(): number {
  const child = spawnSync(process.execPath, ['-e', '']);
  if (child.pid === undefined) throw new Error('could not start a child process');
  return child.pid;
}

/** Absolute path of a source module, for `import` inside a child snippet. */
export const sourcePath = (relative: string) => fileURLToPath(new URL(`../../${relative}`, import.meta.url));

/** How a child snippet ended. */
export interface ChildResult {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs `code` (an ES module body, TypeScript allowed) in a child node process through tsx. */
export function runSnippet(code: string): Promise<ChildResult> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', code], {
      env: { ...process.env, ORT_DISABLE_TELEMETRY: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code, signal) => resolvePromise({ code, signal, stdout, stderr }));
  });
}

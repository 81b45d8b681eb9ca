/**
 * @file Runs one benchmark script in its own Node process (so its peak RSS and load time are
 * its own) and reads back the JSON result it writes. The child's output goes to our stderr, so
 * the parent's stdout stays the report.
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';

/**
 * Runs `node --import tsx script ...args resultFlag resultPath` and parses the file it wrote.
 * Rejects, naming the script and its arguments, when the child fails.
 */
export function runScript<T>(script: string, args: readonly string[], resultFlag: string, resultPath: string): Promise<T> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', script, ...args, resultFlag, resultPath], {
      stdio: ['ignore', 2, 2],
      env: process.env,
    });
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      if (code !== 0) {
        reject(new Error(`${script} ${args.join(' ')} exited with ${signal ?? `code ${code}`}`));
        return;
      }
      try {
        resolvePromise(JSON.parse(readFileSync(resultPath, 'utf8')) as T);
      } catch (error) {
        reject(error instanceof Error ? error : new Error(String(error)));
      }
    });
  });
}

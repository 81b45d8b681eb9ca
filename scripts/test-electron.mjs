// Runs the extension tests in desktop VS Code through @vscode/test-electron, for machines that
// can download VS Code. CI here cannot (no internet beyond the package registries) and runs the
// same checks in code-server instead (test/e2e).
import { runTests } from '@vscode/test-electron';
import { resolve } from 'node:path';

try {
  await runTests({
    extensionDevelopmentPath: resolve('.'),
    extensionTestsPath: resolve('test/electron/suite.cjs'),
    launchArgs: ['--disable-extensions', '--disable-workspace-trust'],
  });
} catch (error) {
  console.error(`test:electron failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
}

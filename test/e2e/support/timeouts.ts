/**
 * @file Every wait of the end-to-end tests, in one place. Generous, because a 2-core CI machine
 * starts code-server, the extension host and chromium at once, but bounded, so a hang fails the
 * run with a message instead of eating CI's 90 minutes.
 */

/** Milliseconds each step may take before the test fails. */
export const timeouts = {
  /** `code-server --install-extension` of the VSIX (unzips ~50 MB). */
  installExtension: 120_000,
  /** code-server answering HTTP after spawn. */
  serverStart: 60_000,
  /** SIGTERM to SIGKILL grace when stopping a process group. */
  processExit: 10_000,
  /** chromium launch. */
  browserLaunch: 60_000,
  /** Workbench DOM up after page load (first load compiles a lot of JS). */
  workbench: 120_000,
  /** An extension contributing to the UI after the workbench is up (onStartupFinished). */
  extensionActivation: 90_000,
  /** One UI interaction: palette opening, a list filtering, a view revealing. */
  ui: 30_000,
  /**
   * An inline suggestion appearing after typing: the first request forks the model worker and
   * loads the model before it generates.
   */
  inlineSuggestion: 120_000,
  /** A saved editor's text reaching the disk. */
  save: 15_000,
  /** A webview rendering its content inside its nested iframes. */
  webview: 60_000,
  /** Whole test file (node:test `timeout`), the outer bound on everything above. */
  suite: 600_000,
} as const;

/**
 * @file The errors the model store throws, one class per thing a caller may handle
 * differently: a missing file, a corrupt download, a cancelled download, a server that kept
 * failing, an incomplete local folder.
 */

/** The hub answered 404 for a file the model needs. */
export class HubFileNotFoundError extends Error {
  constructor(
    readonly repo: string,
    readonly file: string,
    readonly revision: string,
    url: string,
  ) {
    super(`${file} not found in ${repo} at revision "${revision}" (404 from ${url})`);
    this.name = 'HubFileNotFoundError';
  }
}

/** The hub refused access (401/403): a gated or private repository, or a bad token. */
export class HubAccessError extends Error {
  constructor(repo: string, file: string, status: number, hadToken: boolean) {
    super(
      `${status} for ${file} in ${repo}: ` +
        (hadToken ? 'the token (HF_TOKEN) has no access to this repository' : 'the repository needs a token (set HF_TOKEN)'),
    );
    this.name = 'HubAccessError';
  }
}

/** A downloaded file does not match the size or SHA-256 the hub announced; the partial file is deleted. */
export class IntegrityError extends Error {
  constructor(file: string, what: 'size' | 'sha256', expected: string, got: string) {
    super(`${file} failed its ${what} check: expected ${expected}, got ${got}; the partial download was deleted`);
    this.name = 'IntegrityError';
  }
}

/** Transient failures (5xx, dropped connections) outlasted the retries. */
export class DownloadFailedError extends Error {
  constructor(file: string, attempts: number, cause: unknown) {
    super(`${file}: giving up after ${attempts} attempts: ${cause instanceof Error ? cause.message : String(cause)}`, {
      cause,
    });
    this.name = 'DownloadFailedError';
  }
}

/**
 * The download was cancelled through its AbortSignal. Named `AbortError` like the platform's
 * own so that callers can treat every cancellation alike; the `.part` file stays for resuming.
 */
export class DownloadAbortedError extends Error {
  constructor(file: string, reason: unknown) {
    super(`download of ${file} cancelled`, { cause: reason });
    this.name = 'AbortError';
  }
}

/** A local model folder lacks files; `missing` lists them relative to the folder. */
export class MissingModelFilesError extends Error {
  constructor(
    readonly dir: string,
    readonly missing: readonly string[],
    hint: string,
  ) {
    super(`model folder ${dir} is missing ${missing.join(', ')}; ${hint}`);
    this.name = 'MissingModelFilesError';
  }
}

/** Whether `error` is a cancellation (ours or the platform's). */
export function isAbortError(error: unknown): boolean {
  return error instanceof Error && error.name === 'AbortError';
}

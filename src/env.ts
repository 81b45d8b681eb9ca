/**
 * @file The one module that reads (and, for ONNX Runtime's telemetry switch, writes) the process
 * environment. Every variable SmolCode honours is named here, so a reader finds them in one
 * place; functions elsewhere that depend on one take an `Env` argument (tests pass their own)
 * whose default comes from `processEnv()`.
 */

/** Environment variables, as `process.env` holds them. */
export type Env = Readonly<Record<string, string | undefined>>;

/** This process's environment. */
export function processEnv(): Env {
  return process.env;
}

/** Names a folder with SmolLM2's tokenizer files, for models and commands that name none. */
export const TOKENIZER_DIR_ENV = 'SMOLCODE_TOKENIZER_DIR';

/** Where the native decode step's addon is, overriding the shipped one (runtime/nativeDecoder.ts). */
export const NATIVE_ADDON_ENV = 'SMOLCODE_NATIVE_ADDON';

/** `$SMOLCODE_NATIVE_ADDON`, when set. */
export function nativeAddonFromEnv(env: Env = processEnv()): string | undefined {
  return env[NATIVE_ADDON_ENV] || undefined;
}

/** `$SMOLCODE_TOKENIZER_DIR`, trimmed, when set and not empty. */
export function tokenizerDirFromEnv(env: Env = processEnv()): string | undefined {
  return env[TOKENIZER_DIR_ENV]?.trim() || undefined;
}

/** The hub mirror from `HF_ENDPOINT`, as the Hugging Face libraries read it. */
export function hubEndpointFromEnv(env: Env = processEnv()): string | undefined {
  return env.HF_ENDPOINT?.trim() || undefined;
}

/** The hub token from `HF_TOKEN` (or the older `HUGGING_FACE_HUB_TOKEN`), if any. */
export function hubTokenFromEnv(env: Env = processEnv()): string | undefined {
  return env.HF_TOKEN?.trim() || env.HUGGING_FACE_HUB_TOKEN?.trim() || undefined;
}

/** The proxy from `HTTPS_PROXY` / `HTTP_PROXY` (either case), as VS Code itself honours them. */
export function proxyFromEnv(env: Env = processEnv()): string | undefined {
  return [env.HTTPS_PROXY, env.https_proxy, env.HTTP_PROXY, env.http_proxy].map((v) => v?.trim()).find((v) => v);
}

/** Ollama's model store: `$OLLAMA_MODELS`, as Ollama itself reads it, when set and not empty. */
export function ollamaModelsFromEnv(env: Env = processEnv()): string | undefined {
  return env.OLLAMA_MODELS?.trim() || undefined;
}

/** The user's home folder from `$HOME` (`$USERPROFILE` on Windows), where Ollama and LM Studio keep their stores. */
export function homeFromEnv(env: Env = processEnv()): string | undefined {
  return env.HOME?.trim() || env.USERPROFILE?.trim() || undefined;
}

/** SmolCode's version; the build replaces `process.env.SMOLCODE_VERSION` with package.json's. */
export function smolcodeVersion(): string {
  return process.env.SMOLCODE_VERSION ?? 'dev';
}

/**
 * ONNX Runtime's Node binding writes telemetry under ~/.cache/Microsoft unless
 * ORT_DISABLE_TELEMETRY is set before its native library loads (runtime/telemetry.ts says when
 * this runs). Children spawned later inherit it.
 */
export function disableOrtTelemetry(): void {
  process.env.ORT_DISABLE_TELEMETRY = '1';
}

/** Whether ONNX Runtime's telemetry is off in this process. */
export function ortTelemetryDisabled(env: Env = processEnv()): boolean {
  return env.ORT_DISABLE_TELEMETRY === '1';
}

/** The environment of a model worker process: this one's, with ONNX Runtime's telemetry off. */
export function workerEnv(): NodeJS.ProcessEnv {
  return { ...process.env, ORT_DISABLE_TELEMETRY: '1' };
}

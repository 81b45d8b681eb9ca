/**
 * @file ONNX Runtime's Node binding writes telemetry under ~/.cache/Microsoft unless
 * ORT_DISABLE_TELEMETRY is set before the native library loads. SmolCode sends nothing anywhere,
 * so every entry point imports this module first, and onnxruntime-node (and transformers.js,
 * which imports it) are only ever loaded with a dynamic `import()` after it has run: a static
 * import of an external module would be hoisted above this assignment in an ES module bundle.
 */

import { disableOrtTelemetry } from '../env';

disableOrtTelemetry();

/** Sets `ORT_DISABLE_TELEMETRY=1` in this process and in every child it spawns later. */
export function disableTelemetry(): void {
  disableOrtTelemetry();
}

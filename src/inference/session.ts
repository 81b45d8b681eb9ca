/**
 * @file The only module that touches onnxruntime-node. It is loaded lazily, with a dynamic
 * import, so that ORT_DISABLE_TELEMETRY is already set (see shared/telemetry.ts) and so that
 * processes which never run a model never load the native library.
 */
import '../shared/telemetry';
import type * as OrtModule from 'onnxruntime-node';
import type { ExecutionProviderInfo } from '../shared/workerProtocol';

type Ort = typeof OrtModule;

let ort: Promise<Ort> | undefined;

/** Loads onnxruntime-node once per process. */
export function loadOrt(): Promise<Ort> {
  ort ??= import('onnxruntime-node');
  return ort;
}

/** ONNX Runtime's version and the execution providers this build of onnxruntime-node knows. */
export async function describeRuntime(): Promise<{ version: string; providers: ExecutionProviderInfo[] }> {
  const runtime = await loadOrt();
  return {
    version: runtime.env.versions.node ?? runtime.env.versions.common,
    providers: runtime.listSupportedBackends().map(({ name, bundled }) => ({ name, bundled })),
  };
}

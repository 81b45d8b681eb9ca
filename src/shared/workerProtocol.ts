/**
 * @file The JSON-RPC protocol between the extension host (or CLI) and the model worker
 * process. Each request is declared once here with its parameter and result types.
 */
import { RequestType0 } from 'vscode-jsonrpc';

export interface ExecutionProviderInfo {
  readonly name: string;
  /** Whether the provider's libraries ship inside onnxruntime-node. */
  readonly bundled: boolean;
}

export interface RuntimeInfo {
  readonly pid: number;
  readonly node: string;
  readonly onnxruntime: string;
  readonly providers: readonly ExecutionProviderInfo[];
  readonly telemetryDisabled: boolean;
}

/** Describes the worker's ONNX Runtime; loads it on first call. */
export const runtimeInfoRequest = new RequestType0<RuntimeInfo, void>('runtime/info');

/**
 * @file Commands that change SmolCode settings through quick picks: the completion toggle and
 * the device picker (the model picker is modelStore/ui/modelPicker.ts, since it searches stores).
 */
import * as vscode from 'vscode';
import type { Settings } from './settings';
import { DEVICES, type Device } from '../runtime/providers';

const DEVICE_DETAILS: Record<Device, string> = {
  auto: 'Try the accelerators available here, fall back to CPU',
  cpu: 'CPU only',
  webgpu: 'WebGPU, bundled with ONNX Runtime',
  cuda: 'NVIDIA CUDA (needs the CUDA provider: npm run install:cuda)',
  dml: 'DirectML (Windows)',
  coreml: 'CoreML (macOS)',
};

/** Flips `smolcode.completion.enabled`. */
export async function toggleInlineCompletions(settings: Settings): Promise<void> {
  await settings.set('completion.enabled', !settings.get('completion.enabled'));
}

/** Lets the user pick the ONNX Runtime execution provider. */
export async function selectDevice(settings: Settings): Promise<void> {
  const current = settings.get('device');
  const pick = await vscode.window.showQuickPick(
    DEVICES.map((id) => ({ label: id, detail: DEVICE_DETAILS[id], description: id === current ? 'current' : undefined })),
    { title: 'SmolCode: Select Device', placeHolder: 'Where ONNX Runtime runs the model' },
  );
  if (pick) await settings.set('device', pick.label as Device);
}

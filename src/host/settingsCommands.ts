/**
 * @file Commands that change SmolCode settings through quick picks: the completion toggle,
 * the model picker and the device picker.
 */
import * as vscode from 'vscode';
import type { Settings } from './settings';
import { CHAT_MODELS, COMPLETION_MODELS } from '../modelStore/catalog';
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

interface ModelPick extends vscode.QuickPickItem {
  readonly role?: 'completion' | 'chat';
}

/** Lets the user pick the completion model or the chat model in one list. */
export async function selectModel(settings: Settings): Promise<void> {
  const completion = settings.get('completion.model');
  const chat = settings.get('chat.model');
  const items: ModelPick[] = [
    { label: 'Inline completion (base models)', kind: vscode.QuickPickItemKind.Separator },
    ...COMPLETION_MODELS.map((id) => ({ label: id, role: 'completion' as const, description: id === completion ? 'current' : undefined })),
    { label: 'Chat (Instruct models)', kind: vscode.QuickPickItemKind.Separator },
    ...CHAT_MODELS.map((id) => ({ label: id, role: 'chat' as const, description: id === chat ? 'current' : undefined })),
  ];
  const pick = await vscode.window.showQuickPick(items, { title: 'SmolCode: Select Model', placeHolder: 'Model for completion or chat' });
  if (!pick?.role) return;
  if (pick.role === 'completion') await settings.set('completion.model', pick.label as (typeof COMPLETION_MODELS)[number]);
  else await settings.set('chat.model', pick.label as (typeof CHAT_MODELS)[number]);
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

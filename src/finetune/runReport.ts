/**
 * @file The report of one "Fine-tune on This Workspace" run: what was trained on what, the
 * validation loss before and after, speed and time, and the loss curves as a picture
 * (`lossChart.ts`). Written as `report.md` + `loss.svg` for people (the command opens the
 * Markdown preview) and `smolcode_run.json` for the adapter picker. Pure functions of the
 * run's numbers.
 */
import type { LossPoint } from './lossChart';
import type { Role } from '../model/configTypes';
import type { FimNotRecorded } from './fimRecordRule';

/** What a fine-tuning run writes beside the adapter: the summary as JSON, the report, the loss chart. */
export const RUN_FILE = 'smolcode_run.json';
export const REPORT_FILE = 'report.md';
export const CHART_FILE = 'loss.svg';

/** Everything the report says about a run; stored as `smolcode_run.json`. */
export interface RunSummary {
  readonly workspace: string;
  readonly role: Role;
  /** The base model's name (catalog id or local folder) and folder. */
  readonly baseModel: string;
  readonly baseModelDir: string;
  /** `modelFingerprint` of the base's weights, so that loading can tell another base of the same shape. */
  readonly baseFingerprint?: string;
  readonly dataFile: string;
  readonly valFile: string | null;
  readonly status: 'completed' | 'early-stopped';
  readonly steps: number;
  readonly plannedSteps: number;
  readonly trainSamples: number;
  readonly valSamples: number;
  readonly initialValLoss: number | null;
  readonly bestValLoss: number | null;
  readonly trainLosses: readonly LossPoint[];
  readonly valLosses: readonly LossPoint[];
  /** Mean training throughput over the steps. */
  readonly tokensPerSecond: number;
  readonly trainingSeconds: number;
  readonly mergeSeconds: number;
  readonly lora: { readonly rank: number; readonly alpha: number; readonly targets: readonly string[] };
  readonly lr: number;
  readonly seqLen: number;
  readonly provider: string;
  /** The merged ONNX variant written, and why when it is not the dtype setting. */
  readonly mergedVariant: string;
  readonly mergedNote?: string;
  /** Why the training set may be too small to help, when it is. */
  readonly dataNote?: string;
  /** The fill-in-the-middle training (model/fim.ts), also recorded in `smolcode_fim.json`; null for none. */
  readonly fim?: { readonly format: string; readonly version: number; readonly rate: number; readonly trainSamples: number } | null;
  /** Why a run that asked for FIM samples recorded no FIM (too few of them, fimRecordRule.ts); null otherwise. */
  readonly fimNotRecorded?: FimNotRecorded | null;
  /** ISO date of the end of the run. */
  readonly finished: string;
}

const capitalized = (text: string) => `${text.charAt(0).toUpperCase()}${text.slice(1)}`;
const loss = (value: number | null) => (value === null ? 'n/a' : value.toFixed(4));

function duration(seconds: number): string {
  if (seconds < 90) return `${seconds.toFixed(1)} s`;
  const m = Math.floor(seconds / 60);
  return m < 90 ? `${m} min ${Math.round(seconds % 60)} s` : `${Math.floor(m / 60)} h ${m % 60} min`;
}

/** The change from `before` to `after` as a signed percentage, or '' when either is missing. */
function change(before: number | null, after: number | null): string {
  if (before === null || after === null || before === 0) return '';
  const pct = ((after - before) / before) * 100;
  // Two decimals for small changes, so that a real change never prints as 0.0%.
  return ` (${pct >= 0 ? '+' : ''}${pct.toFixed(Math.abs(pct) < 1 ? 2 : 1)}%)`;
}

/** The Markdown report; `chartFile` is the picture's path relative to the report. */
export function runReportMarkdown(run: RunSummary, chartFile = CHART_FILE): string {
  const last = run.trainLosses.at(-1);
  const lines = [
    `# Fine-tuning report: ${run.workspace} (${run.role})`,
    '',
    `LoRA adapter for **${run.role}** trained on \`${run.workspace}\` from **${run.baseModel}**, finished ${run.finished}.` +
      (run.status === 'early-stopped' ? ` Training stopped early after ${run.steps} of ${run.plannedSteps} steps: the validation loss stopped improving.` : ''),
    '',
    `![Training and validation loss per step](${chartFile})`,
    '',
    '| | |',
    '|---|---|',
    `| Validation loss before | ${loss(run.initialValLoss)} |`,
    `| Validation loss after (best) | ${loss(run.bestValLoss)}${change(run.initialValLoss, run.bestValLoss)} |`,
    `| Last training loss | ${last ? loss(last.loss) : 'n/a'} |`,
    `| Steps | ${run.steps} of ${run.plannedSteps} |`,
    `| Sequences | ${run.trainSamples} training, ${run.valSamples} validation |`,
    `| Tokens/s (training) | ${run.tokensPerSecond.toFixed(0)} on ${run.provider} |`,
    `| Training time | ${duration(run.trainingSeconds)} |`,
    `| Merge time | ${duration(run.mergeSeconds)} (${run.mergedVariant}) |`,
    `| LoRA | rank ${run.lora.rank}, alpha ${run.lora.alpha}, on ${run.lora.targets.join(', ')} |`,
    `| Learning rate, sequence length | ${run.lr}, ${run.seqLen} tokens |`,
    ...(run.fim ? [`| Fill-in-the-middle | ${run.fim.trainSamples} training samples, rate ${run.fim.rate} (${run.fim.format} v${run.fim.version}): completions with this adapter show the model the code after the cursor |`] : []),
    '',
  ];
  if (run.valFile === null) lines.push('No validation samples were available (the workspace has too few files), so the adapter is the one after the last step.', '');
  if (run.dataNote) lines.push(`**Note:** ${capitalized(run.dataNote)}.`, '');
  if (run.fimNotRecorded) lines.push(`**Note:** ${capitalized(run.fimNotRecorded.note)}.`, '');
  if (run.mergedNote) lines.push(run.mergedNote, '');
  lines.push(
    '## Files',
    '',
    `- Training data: \`${run.dataFile}\`${run.valFile ? `; validation: \`${run.valFile}\`` : ''}`,
    `- Base model: \`${run.baseModelDir}\``,
    '- This folder: `adapter_config.json` + `adapter_model.safetensors` (Hugging Face PEFT format, usable with PEFT), ' +
      '`training_log.json` (every loss), `onnx/` (the merged model SmolCode loads), `checkpoint.safetensors` (to resume).',
    '',
  );
  return lines.join('\n');
}

/** Mean tokens/s over the step events' throughputs (0 without steps). */
export function meanThroughput(values: readonly number[]): number {
  const finite = values.filter(Number.isFinite);
  return finite.length === 0 ? 0 : finite.reduce((a, b) => a + b, 0) / finite.length;
}

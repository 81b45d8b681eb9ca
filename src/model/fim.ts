/**
 * @file SmolCode's fill-in-the-middle format for SmolLM2, which has no FIM tokens of its own: a
 * LoRA adapter learns it (finetune/dataset/samples/fimSamples.ts writes the samples, the
 * completion template reads it back), and an adapter folder that learned it says so in
 * `smolcode_fim.json`, so the completion template follows the adapter without a setting.
 *
 * SPM order (suffix, then prefix, then middle: the "joint" SPM of https://arxiv.org/abs/2207.14255,
 * section 3), after the header the repository template writes:
 *   `<repo_name>repo` (`<file_sep>path\n` snippet)* `<file_sep>path\n`
 *   SUFFIX suffix MIDDLE prefix middle `<|endoftext|>`
 * The middle continues the prefix with nothing between them, so the model's first middle token
 * is the next token of code it already predicts well; the adapter learns to read the suffix and to
 * end where the middle meets it. PSM (prefix, suffix, middle), SmolCode's first format, made the
 * model jump from the end of the suffix back to the cursor after a marker: LoRA on one repository
 * did not teach that jump (the first middle token kept ~0.1% probability; 0% exact, 68-80% empty
 * mid-file suggestions on ort-common), while SPM prompts got 32% exact from the base model alone
 * (28% with the prefix only). SPM also keeps the KV cache: typing appends to the prompt's end.
 *
 * The markers are two of SmolLM2's special tokens (one id each, so they never merge with the
 * code around them), chosen among those no SmolCode prompt uses: not `<|endoftext|>` (the stop),
 * `<|im_start|>`/`<|im_end|>` (chat), nor `<repo_name>`/`<file_sep>` (the repository format).
 * That leaves StarCoder1's metadata tokens (`<reponame>`, `<filename>`, `<gh_stars>`, which
 * StarCoder2's `<repo_name>`/`<file_sep>` replaced), the issue and the Jupyter tokens. In the
 * SmolLM2-135M-Instruct weights (our Q4_1 import), ids 7-16 and `<file_sep>` have one and the
 * same input embedding (largest difference 0.008): they were never trained, so the model could
 * not tell them apart, and LoRA (attention and MLP projections only) cannot change embeddings.
 * Only `<reponame>` (4) and `<filename>` (6) differ from that vector (distance 1.04 and 4.9; two
 * ordinary tokens are ~3.8 apart): SUFFIX is `<reponame>`, MIDDLE (which ends the suffix and
 * starts the code the model continues) `<filename>`.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/** The format's markers as text; `ids` are their ids in SmolLM2's tokenizer.json. */
export const FIM_FORMAT = {
  name: 'smolcode-fim-spm',
  version: 1,
  suffix: '<reponame>',
  middle: '<filename>',
  /** Ends the middle: the model's end-of-text, a stop of every completion template. */
  end: '<|endoftext|>',
  ids: { suffix: 4, middle: 6, end: 0 },
} as const;

/**
 * Characters of the text after the cursor that a FIM prompt carries, cut at a line end: enough
 * for the rest of the block, few enough (~300 tokens) that a prompt stays short. Training
 * windows use the same bound, so the model sees suffixes as long as the product gives it.
 */
export const FIM_SUFFIX_CHARS = 1200;

/** `suffix` cut to `FIM_SUFFIX_CHARS` at the last line end inside the bound (whole when shorter). */
export function boundedSuffix(suffix: string, chars = FIM_SUFFIX_CHARS): string {
  if (suffix.length <= chars) return suffix;
  const cut = suffix.lastIndexOf('\n', chars);
  return cut > 0 ? suffix.slice(0, cut) : suffix.slice(0, chars);
}

/** The prompt for a middle: `header` (repository format, ending with the file's `<file_sep>path\n`), the marked suffix, then the prefix the middle continues. */
export function fimPrompt(header: string, prefix: string, suffix: string): string {
  return `${header}${FIM_FORMAT.suffix}${suffix}${FIM_FORMAT.middle}${prefix}`;
}

/** A training sample: the prompt, the middle and the end token. */
export function fimSampleText(header: string, prefix: string, middle: string, suffix: string): string {
  return `${fimPrompt(header, prefix, suffix)}${middle}${FIM_FORMAT.end}`;
}

/** Whether `text` is a sample in this format: the two markers once each, suffix first, and the end token last. */
export function isFimSample(text: string): boolean {
  const count = (marker: string) => text.split(marker).length - 1;
  const [s, m] = [FIM_FORMAT.suffix, FIM_FORMAT.middle].map((marker) => text.indexOf(marker)) as [number, number];
  return [FIM_FORMAT.suffix, FIM_FORMAT.middle].every((marker) => count(marker) === 1) && 0 <= s && s < m && text.endsWith(FIM_FORMAT.end);
}

/** The format SmolCode's first FIM adapters recorded (PSM order); their records are refused with the reason. */
const RETIRED_PSM_FORMAT = 'smolcode-fim-psm';

/** The file an adapter folder records its FIM training in (PEFT ignores files it does not know). */
export const FIM_RECORD_FILE = 'smolcode_fim.json';

/** What an adapter folder records about the FIM it learned. */
export interface FimRecord {
  readonly format: typeof FIM_FORMAT.name;
  readonly version: typeof FIM_FORMAT.version;
  /** The share of completion samples that were FIM samples. */
  readonly rate: number;
  readonly markers: { readonly suffix: string; readonly middle: string; readonly end: string };
}

/** The record of training with `rate` of FIM samples in this format. */
export function fimRecord(rate: number): FimRecord {
  if (!(rate > 0 && rate <= 1)) throw new RangeError(`a FIM record needs a rate in (0, 1], got ${rate}`);
  const { suffix, middle, end } = FIM_FORMAT;
  return { format: FIM_FORMAT.name, version: FIM_FORMAT.version, rate, markers: { suffix, middle, end } };
}

/** Checks a parsed record: this format and version with the same markers, and a rate in (0, 1]; else a reason. */
export function checkFimRecord(value: unknown): FimRecord | string {
  if (!value || typeof value !== 'object') return 'not a JSON object';
  const r = value as Record<string, unknown>;
  if (r.format === RETIRED_PSM_FORMAT) {
    return `this adapter learned SmolCode's first FIM format (${RETIRED_PSM_FORMAT}), whose adapters wrote empty or wrong middles, so completions use the prefix only; fine-tune it again to teach ${FIM_FORMAT.name}`;
  }
  if (r.format !== FIM_FORMAT.name || r.version !== FIM_FORMAT.version) {
    return `format ${JSON.stringify(r.format)} version ${JSON.stringify(r.version)}; this SmolCode knows ${FIM_FORMAT.name} version ${FIM_FORMAT.version}`;
  }
  if (typeof r.rate !== 'number' || !(r.rate > 0 && r.rate <= 1)) return `rate ${JSON.stringify(r.rate)} is not in (0, 1]`;
  const expected = fimRecord(r.rate).markers;
  const markers = (r.markers ?? {}) as Record<string, unknown>;
  for (const key of Object.keys(expected) as (keyof typeof expected)[]) {
    if (markers[key] !== expected[key]) return `marker ${key} is ${JSON.stringify(markers[key])}, the format's is ${expected[key]}`;
  }
  return r as unknown as FimRecord;
}

/**
 * The FIM record of the model or adapter folder `dir`: undefined when it has none (it learned
 * no FIM); throws naming the file when the file is there but unreadable or of another format.
 */
export function readFimRecord(dir: string): FimRecord | undefined {
  const path = join(dir, FIM_RECORD_FILE);
  if (!existsSync(path)) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new Error(`${path}: not readable JSON (${(error as Error).message})`, { cause: error });
  }
  const checked = checkFimRecord(parsed);
  if (typeof checked === 'string') throw new Error(`${path}: ${checked}`);
  return checked;
}

/**
 * @file The exported recipe's requirements.txt: the versions SmolCode's own Python toolchain
 * pins (scripts/python/requirements.txt, which the integration test runs the recipe with; a
 * unit test keeps the two equal). DeepSpeed is only needed for accelerate/zero3.yaml and
 * builds CUDA kernels on install, so it is listed as a comment: it was not installed or run here.
 */

/** Packages train.py imports or accelerate launches with, at the versions tested. */
export const RECIPE_PINS: Readonly<Record<string, string>> = {
  torch: '2.15.0',
  transformers: '5.23.0',
  datasets: '5.2.0',
  accelerate: '1.15.0',
  peft: '0.21.2',
  trl: '1.16.0',
};

/** The DeepSpeed release current when the recipe was written; not tested here (no GPU). */
export const DEEPSPEED_PIN = '0.19.8';

/** The text of requirements.txt. */
export function requirementsTxt(): string {
  const pins = Object.entries(RECIPE_PINS).map(([name, version]) => `${name}==${version}`);
  return [
    '# The versions SmolCode ran this recipe with (train.py through accelerate launch, on the CPU).',
    '# pip install -r requirements.txt',
    ...pins,
    '# For accelerate/zero3.yaml only (needs a CUDA toolkit to build; not tested by SmolCode):',
    `# deepspeed==${DEEPSPEED_PIN}`,
    '',
  ].join('\n');
}

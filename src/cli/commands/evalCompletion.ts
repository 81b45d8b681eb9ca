/**
 * @file `smolcode eval completion`: the next-line benchmark (eval/completionEval.ts) on a model
 * folder and a repository, printed as a table per language or written as JSON; `--mode mid-file`
 * puts the cursors inside blocks, and the template follows the model folder's FIM record as the
 * extension's does (`--template` forces one).
 */
import { existsSync, statSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { COMPLETION_DEFAULTS } from '../../completion/defaults';
import { engineRunModel } from '../../completion/engineRunner';
import { templateFor, templateNamed, TEMPLATE_NAMES } from '../../completion/template/promptTemplate';
import { POSITION_MODES } from '../../eval/completionPositions';
import { readFimRecord } from '../../model/fim';
import { DEFINITION_SHARE } from '../../completion/context/completionInput';
import { evalCompletion, type CompletionEvalReport, type Scores } from '../../eval/completionEval';
import { typescriptResolver } from '../../eval/definitions/typescriptResolver';
import { readRepository, VALIDATION_FRACTION } from '../../eval/repoFiles';
import { trainedPaths } from '../../eval/trainingOverlap';
import { Engine } from '../../runtime/engine';
import { choiceFlag, intFlag, parseFlags, rangeFlag } from '../args';
import { UsageError, type CliCommand } from '../command';
import { ENGINE_FLAGS, ENGINE_USAGE, engineOptions } from '../engineFlags';
import { sigintSignal } from '../interrupt';
import { nativeSummary } from '../../runtime/nativeSummary';

const USAGE = `Usage: smolcode eval completion --model DIR --repo DIR [options]

A next-line benchmark in the manner of RepoBench and CrossCodeEval, through the product's own
code: held-out files of the repository (the dataset builder's validation split for the seed),
cursors at the start of non-trivial lines (after the indentation), the request built as the
extension builds it (template, snippets of the repository's other files ranked as the editor
ranks open files, token budget) with the line removed, the completion pipeline's stop rules and
postprocessing, and the suggestion's first line scored: exact match, edit similarity
(1 - Levenshtein / longer length), empty share, latency p50/p95, per language.

Options:
${ENGINE_USAGE}
  --repo DIR          the repository to evaluate on (required)
  --mode M            next-line (default): cursors at any non-trivial line; mid-file: only at lines
                      inside a block that goes on after them (indented, the next non-blank line
                      indented as deep), so the suffix holds the rest of the function
  --template T        ${TEMPLATE_NAMES.join(' | ')}: force the prompt template (default: fim when the model
                      folder records FIM training in smolcode_fim.json, as a merged adapter folder
                      does, else the extension's default, ${COMPLETION_DEFAULTS.template})
  --files N           held-out files to use (default 20)
  --positions N       positions per file (default 5)
  --seed S            draws the held-out files and the positions (default 0, as smolcode.dataset.seed)
  --held-out F        share of files held out, 0..1 (default ${VALIDATION_FRACTION}, as the dataset builder)
  --no-snippets       no snippets from other files (smolcode.completion.useOtherFiles off)
  --definitions       add the definitions of identifiers near the cursor as snippets
                      (smolcode.completion.definitions), found by an eval-only resolver: the
                      TypeScript compiler's language service over the repository's TypeScript
                      and JavaScript files (other languages get none)
  --definition-share F  share of the snippet budget definitions claim before the snippets of
                      other files (default ${DEFINITION_SHARE}); they may also use what those leave
  --context-tokens N  prompt budget (default ${COMPLETION_DEFAULTS.contextTokens})
  --max-tokens N      most tokens per suggestion (default ${COMPLETION_DEFAULTS.maxTokens})
  --max-lines N       most lines per suggestion (default ${COMPLETION_DEFAULTS.maxLines})
  --time-budget MS    end a suggestion at the next line break after MS (default 0: none, so that
                      scores do not depend on the machine; the extension's default is ${COMPLETION_DEFAULTS.timeBudgetMs})
  --out FILE          also write the whole report (every position) as JSON
  --json              print the report as JSON instead of tables`;

const percent = (x: number) => `${(100 * x).toFixed(1)}%`;

function rows(report: CompletionEvalReport): string[] {
  const head = ['language', 'positions', 'exact', 'edit sim', 'empty', 'p50 ms', 'p95 ms'];
  const line = (name: string, s: Scores) => [name, String(s.positions), percent(s.exactMatch), s.editSimilarity.toFixed(3), percent(s.emptyShare), s.latencyP50Ms.toFixed(0), s.latencyP95Ms.toFixed(0)];
  const cells = [head, ...Object.entries(report.byLanguage).map(([name, s]) => line(name, s)), line('all', report.overall)];
  const widths = head.map((_, i) => Math.max(...cells.map((c) => c[i]!.length)));
  return cells.map((c) => c.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!))).join('  '));
}

export const evalCompletionCommand: CliCommand = {
  name: 'completion',
  summary: 'next-line benchmark of inline completion on a repository',
  usage: USAGE,
  async run(args) {
    const { values } = parseFlags(args, {
      ...ENGINE_FLAGS,
      repo: { type: 'string' },
      mode: { type: 'string' },
      template: { type: 'string' },
      files: { type: 'string' },
      positions: { type: 'string' },
      seed: { type: 'string' },
      'held-out': { type: 'string' },
      'no-snippets': { type: 'boolean' },
      definitions: { type: 'boolean' },
      'definition-share': { type: 'string' },
      'context-tokens': { type: 'string' },
      'max-tokens': { type: 'string' },
      'max-lines': { type: 'string' },
      'time-budget': { type: 'string' },
      out: { type: 'string' },
      json: { type: 'boolean' },
    });
    if (!values.repo) throw new UsageError('--repo DIR is required');
    const repoDir = resolve(values.repo);
    if (!existsSync(repoDir) || !statSync(repoDir).isDirectory()) throw new UsageError(`--repo ${values.repo}: no such folder`);
    const options = engineOptions(values);
    const timeBudgetMs = intFlag(values['time-budget'], 'time-budget', 0);
    const forced = values.template === undefined ? undefined : choiceFlag(values.template, 'template', TEMPLATE_NAMES, COMPLETION_DEFAULTS.template);
    const template = forced ? templateNamed(forced) : templateFor(readFimRecord(options.modelDir), COMPLETION_DEFAULTS.template);
    const evalOptions = {
      mode: choiceFlag(values.mode, 'mode', POSITION_MODES, 'next-line'),
      pipeline: {
        template,
        maxNewTokens: intFlag(values['max-tokens'], 'max-tokens', COMPLETION_DEFAULTS.maxTokens),
        maxLines: intFlag(values['max-lines'], 'max-lines', COMPLETION_DEFAULTS.maxLines),
        timeBudgetMs: timeBudgetMs > 0 ? timeBudgetMs : undefined,
      },
      contextTokens: intFlag(values['context-tokens'], 'context-tokens', COMPLETION_DEFAULTS.contextTokens),
      useOtherFiles: !values['no-snippets'],
      definitionShare: rangeFlag(values['definition-share'], 'definition-share', 0, 1) ?? DEFINITION_SHARE,
      files: intFlag(values.files, 'files', 20),
      perFile: intFlag(values.positions, 'positions', 5),
      seed: intFlag(values.seed, 'seed', 0),
      validationFraction: rangeFlag(values['held-out'], 'held-out', 0, 1, true) ?? VALIDATION_FRACTION,
    };
    const interrupt = sigintSignal();
    const engine = await Engine.load({ ...options, buildFusedGraph: true });
    try {
      const repository = await readRepository(repoDir, undefined, interrupt.signal);
      if (repository.files.length < 2) throw new UsageError(`--repo ${values.repo}: ${repository.files.length} source file(s) of known languages; the benchmark needs at least 2`);
      const definitions = values.definitions ? await typescriptResolver(repository) : undefined;
      const report = await evalCompletion(
        repository,
        engineRunModel(engine),
        { ...evalOptions, definitions },
        (r, done, total) =>
          console.error(`[${done}/${total}] ${r.path}:${r.line} ${r.exact ? 'exact' : `sim ${r.editSimilarity.toFixed(2)}`} ${r.ms.toFixed(0)} ms${r.definitions === undefined ? '' : `, ${r.definitions} definitions`}`),
        interrupt.signal,
      );
      const trainedOn = trainedPaths(options.modelDir, report.results.map((r) => r.path));
      if (trainedOn.length > 0) {
        console.error(`warning: the adapter trained on ${trainedOn.length} of the evaluated files (${trainedOn.join(', ')}; its dataset/report.json); use the --seed and --held-out its training set was built with (${VALIDATION_FRACTION} by default) to score code it never saw`);
      }
      const header = { model: options.modelDir, dtype: options.dtype, graph: engine.graph.file, ...(engine.graph.promptFile ? { promptGraph: engine.graph.promptFile } : {}), kvCache: engine.graph.kvCache, nativeDecode: engine.graph.nativeDecode ?? null, provider: engine.provider.name, repository: repoDir, trainedOn, options: { ...evalOptions, definitions: Boolean(definitions), pipeline: { ...evalOptions.pipeline, template: template.name } } };
      if (values.out) writeFileSync(resolve(values.out), `${JSON.stringify({ ...header, ...report }, null, 1)}\n`);
      if (values.json) console.log(JSON.stringify({ ...header, ...report }));
      else {
        console.log(`${repository.name}: ${report.heldOutFiles} held-out of ${repository.files.length} files, ${evalOptions.mode} positions, ${template.name} template; ${options.modelDir} ${options.dtype} (${engine.graph.file}${engine.graph.promptFile ? `, prompt chunks through ${engine.graph.promptFile}` : ''}${engine.graph.kvCache === 'int8' ? ', 8-bit KV cache' : ''}${nativeSummary(engine.graph)}) on ${engine.provider.name}${evalOptions.useOtherFiles ? '' : ', no snippets'}${definitions ? ', definitions (eval-only TypeScript resolver)' : ''}`);
        console.log(rows(report).join('\n'));
      }
      return 0;
    } finally {
      interrupt.dispose();
      await engine.dispose();
    }
  },
};

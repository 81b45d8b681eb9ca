/**
 * @file Several choices for one explicit request on an engine over a generated model: the
 * prompt is prefilled once (the engine's prefill counter, and each later run's reused tokens),
 * the first choice is the automatic greedy suggestion, the choices are distinct, and the fused
 * and plain graphs (in-place and copied caches) give the same greedy first choice.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { engineRunModel } from '../../../src/completion/engineRunner';
import { runChoices } from '../../../src/completion/choices';
import { runPipeline, type PipelineOptions } from '../../../src/completion/pipeline';
import { CompletionService, type RequestLog } from '../../../src/completion/service';
import { repositoryTemplate } from '../../../src/completion/template/promptTemplate';
import type { CompletionInput } from '../../../src/completion/types';
import { writeFusedOnnxVariant } from '../../../src/model/modelFolder';
import { Engine } from '../../../src/runtime/engine';
import { makeTempModel, type TempModel } from '../../support/tinyModel';

const FILE = 'def area(radius):\n    return 3.14159 * radius * radius\n\n\ndef perimeter(radius):\n    ';
const input: CompletionInput = { path: 'geometry.py', languageId: 'python', prefix: FILE, suffix: '\n', repoName: 'shapes', snippets: [] };
// Multi-line mode (the cursor's line is empty), so the tiny model's random text is kept long enough to differ.
const options: PipelineOptions = { template: repositoryTemplate, maxNewTokens: 12, maxLines: 4 };

for (const graph of ['fused', 'plain'] as const) describe(`completion choices on a generated model (${graph} graph)`, () => {
  let model: TempModel;
  let engine: Engine;

  before(async () => {
    model = makeTempModel();
    if (graph === 'fused') writeFusedOnnxVariant(model.dir, 'fp32', { attention: 'matmul', gqaBelowPositions: 0 });
    engine = await Engine.load({ modelDir: model.dir, dtype: 'fp32', device: 'cpu', threads: 1, graph });
  });

  after(async () => {
    await engine.dispose();
    model.dispose();
  });

  it('prefills the prompt once for all choices; the first is the greedy suggestion; all are distinct', async () => {
    assert.equal(engine.graph.kind, graph);
    const run = engineRunModel(engine);
    const signal = new AbortController().signal;
    // The automatic suggestion, on a cache that holds another prompt (so it prefills).
    await engine.complete({ slot: 'completion', prompt: 'x = 1\n', maxNewTokens: 2 });
    const greedy = await runPipeline(input, options, run, signal);
    assert.ok(greedy.text.length > 0, 'the tiny model should suggest something here');
    // A cold cache: the choices' own first run prefills.
    await engine.complete({ slot: 'completion', prompt: 'y = 2\n', maxNewTokens: 2 });
    const before = { ...engine.counters };
    const choices = await runChoices(input, options, run, 3, signal);
    assert.equal(engine.counters.prefills - before.prefills, 1, 'one prefill for every choice');
    const promptTokens = choices.stats[0]?.promptTokens ?? 0;
    assert.ok(promptTokens > 20);
    // The first run reuses the template's first tokens from the other prompt at most.
    assert.ok(engine.counters.prefillTokens - before.prefillTokens >= promptTokens - 8);
    assert.ok(choices.runs >= 3, `${choices.runs} runs`);
    for (const stats of choices.stats.slice(1)) {
      assert.equal(stats?.reusedTokens, promptTokens, 'a later choice runs no prompt token');
      assert.equal(stats?.promptTokens, promptTokens);
    }
    assert.equal(choices.texts[0], greedy.text, 'choice 1 is the automatic suggestion');
    assert.equal(choices.texts.length, 3);
    assert.equal(new Set(choices.texts.map((t) => t.trimEnd())).size, 3, `distinct: ${JSON.stringify(choices.texts)}`);
  });

  it('the same choices again come from a seeded sampler: the request is repeatable', async () => {
    const run = engineRunModel(engine);
    const signal = new AbortController().signal;
    const first = await runChoices(input, options, run, 3, signal);
    const again = await runChoices(input, options, run, 3, signal);
    assert.deepEqual(again.texts, first.texts);
  });

  it('the service serves stepping through the choices and typing through one from its cache', async () => {
    const logs: RequestLog[] = [];
    const service = new CompletionService(
      engineRunModel(engine),
      () => ({ ...options, debounceMinMs: 0, debounceMaxMs: 0, speculative: false, choices: 3 }),
      (log) => logs.push(log),
    );
    const signal = new AbortController().signal;
    const automatic = await service.complete(input, 'doc', signal);
    const texts = await service.completeChoices(input, 'doc', signal);
    assert.equal(texts[0], automatic);
    assert.equal(texts.length, 3);
    assert.equal(logs.at(-1)?.outcome, 'model');
    assert.deepEqual(logs.at(-1)?.choices && { count: logs.at(-1)?.choices?.count, later: logs.at(-1)?.choices?.laterPromptTokens }, { count: 3, later: 0 });
    const runs = service.counters.modelRuns;
    assert.deepEqual(await service.completeChoices(input, 'doc', signal), texts);
    // Accepting the first character of the second choice: the rest of it, from the cache.
    const second = texts[1] as string;
    const typed = { ...input, prefix: input.prefix + second.slice(0, 1) };
    const rest = await service.complete(typed, 'doc', signal);
    const matching = texts.filter((t) => t.startsWith(second.slice(0, 1)));
    assert.equal(rest, (matching[0] as string).slice(1));
    assert.equal(service.counters.modelRuns, runs, 'no model run after the choices');
    assert.equal(logs.at(-1)?.outcome, 'cache');
  });
});

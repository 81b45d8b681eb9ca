import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type ModelRunStats, type RunModel } from '../../../src/completion/pipeline';
import { CompletionService, type RequestLog } from '../../../src/completion/service';
import { repositoryTemplate } from '../../../src/completion/template/promptTemplate';
import type { CompletionInput } from '../../../src/completion/types';
import { Engine } from '../../../src/runtime/engine';
import { makeTempModel, type TempModel } from '../../support/tinyModel';

const FILE = 'def area(radius):\n    return 3.14159 * radius * radius\n\n\ndef perimeter(radius):\n    ';

describe('completion service on a generated model', () => {
  let model: TempModel;
  let engine: Engine;
  let logs: RequestLog[];
  let service: CompletionService;

  const runModel: RunModel = async (call, onText, signal) => {
    const stream = engine.generate({ slot: 'completion', prompt: call.prompt, maxNewTokens: call.maxNewTokens, stopStrings: call.stopStrings, stopTokenIds: [] }, signal);
    for (;;) {
      const step = await stream.next();
      if (step.done) return step.value satisfies ModelRunStats;
      onText(step.value);
    }
  };

  const input = (prefix: string): CompletionInput => ({ path: 'geometry.py', languageId: 'python', prefix, suffix: '\n', repoName: 'shapes', snippets: [] });

  before(async () => {
    model = makeTempModel();
    engine = await Engine.load({ modelDir: model.dir, dtype: 'fp32', device: 'cpu', threads: 1 });
  });

  after(async () => {
    await engine.dispose();
    model.dispose();
  });

  const newService = (speculative: boolean) => {
    logs = [];
    service = new CompletionService(
      runModel,
      () => ({ template: repositoryTemplate, maxNewTokens: 12, maxLines: 4, debounceMinMs: 0, debounceMaxMs: 0, speculative }),
      (log) => logs.push(log),
    );
  };

  it('reuses the KV cache across consecutive keystrokes', async () => {
    newService(false);
    const signal = new AbortController().signal;
    let prefix = FILE;
    for (const key of ['r', 'e', 't']) {
      prefix += key;
      await service.complete(input(prefix), 'doc', signal);
    }
    const runs = logs.filter((l) => l.model).map((l) => l.model as ModelRunStats);
    assert.equal(runs.length, 3);
    assert.equal(runs[0]?.reusedTokens, 0);
    const promptTokens = engine.promptIds(repositoryTemplate.build(input(prefix))).length;
    for (const run of runs.slice(1)) {
      assert.ok(run.reusedTokens >= run.promptTokens - 3, `reused ${run.reusedTokens} of ${run.promptTokens}`);
    }
    assert.ok((runs[2]?.promptTokens ?? 0) >= promptTokens - 1);
  });

  it('serves the accepted state from the speculative request, equal to what the engine produces for it', async () => {
    newService(true);
    const signal = new AbortController().signal;
    const first = await service.complete(input(FILE), 'doc', signal);
    assert.ok(first.length > 0, 'the tiny model should suggest something here');
    const accepted = FILE + first;
    const next = await service.complete(input(accepted), 'doc', signal);
    assert.equal(service.counters.speculativeHits, 1);
    assert.equal(logs.at(-1)?.outcome, 'speculative');

    const fresh = new CompletionService(
      runModel,
      () => ({ template: repositoryTemplate, maxNewTokens: 12, maxLines: 4, debounceMinMs: 0, debounceMaxMs: 0, speculative: false }),
    );
    assert.equal(next, await fresh.complete(input(accepted), 'doc', signal));
  });

  it('answers typing through a suggestion from the cache without running the model', async () => {
    newService(false);
    const signal = new AbortController().signal;
    const suggestion = await service.complete(input(FILE), 'doc', signal);
    assert.ok(suggestion.length > 1);
    const runsBefore = service.counters.modelRuns;
    const rest = await service.complete(input(FILE + suggestion.slice(0, 1)), 'doc', signal);
    assert.equal(rest, suggestion.slice(1));
    assert.equal(service.counters.modelRuns, runsBefore);
    assert.equal(service.counters.cacheHits, 1);
  });

  it('cancels the request in flight when a new keystroke arrives', async () => {
    newService(false);
    const first = service.complete(input(`${FILE}x`), 'doc', new AbortController().signal);
    const second = service.complete(input(`${FILE}xy`), 'doc', new AbortController().signal);
    assert.equal(await first, '');
    await second;
    assert.equal(logs.find((l) => l.suggestion === '' && l.outcome === 'cancelled')?.outcome, 'cancelled');
    assert.equal(service.counters.cancelled, 1);
  });
});

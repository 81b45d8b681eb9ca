/**
 * @file The completion service's `refine` hook, through which the editor adds definitions: the
 * model runs on the refined input, the hook runs only when the caches miss, the caches stay
 * keyed by the plain input, and a failing hook leaves the plain input.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { RunModel } from '../../../src/completion/pipeline';
import { CompletionService } from '../../../src/completion/service';
import { repositoryTemplate } from '../../../src/completion/template/promptTemplate';
import type { CompletionInput } from '../../../src/completion/types';

const input = (prefix: string): CompletionInput => ({ path: 'a.ts', languageId: 'typescript', prefix, suffix: '\n', repoName: 'r', snippets: [] });
const withDefinition = (plain: CompletionInput): CompletionInput => ({ ...plain, snippets: [{ path: 'b.ts', text: 'export function total(xs: number[]): number {', kind: 'definition' }] });

function recordingModel(prompts: string[]): RunModel {
  return async (call, onText) => {
    prompts.push(call.prompt);
    onText('otal(items);\n');
    return { promptTokens: 1, reusedTokens: 0, timeToFirstTokenMs: 0, totalMs: 0, finishReason: 'eos' };
  };
}

const options = () => ({ template: repositoryTemplate, maxNewTokens: 12, maxLines: 1, debounceMinMs: 0, debounceMaxMs: 0, speculative: false });

describe('completion service: refine', () => {
  it('runs the model on the refined input, and serves typing through from the cache without refining again', async () => {
    const prompts: string[] = [];
    const service = new CompletionService(recordingModel(prompts), options);
    let refined = 0;
    const refine = (prefix: string) => async () => {
      refined++;
      return withDefinition(input(prefix));
    };
    const signal = new AbortController().signal;
    assert.equal(await service.complete(input('return t'), 'doc', signal, refine('return t')), 'otal(items);');
    assert.equal(prompts.length, 1);
    assert.match(prompts[0]!, /<file_sep>b\.ts\nexport function total\(xs: number\[\]\): number \{<file_sep>a\.ts\nreturn t$/);
    assert.equal(await service.complete(input('return to'), 'doc', signal, refine('return to')), 'tal(items);');
    assert.equal(refined, 1);
    assert.equal(prompts.length, 1);
    assert.equal(service.counters.cacheHits, 1);
  });

  it('falls back to the plain input when refining fails', async () => {
    const prompts: string[] = [];
    const service = new CompletionService(recordingModel(prompts), options);
    const failing = async (): Promise<CompletionInput> => {
      throw new Error('no language server');
    };
    assert.equal(await service.complete(input('return t'), 'doc', new AbortController().signal, failing), 'otal(items);');
    assert.equal(prompts[0], '<repo_name>r<file_sep>a.ts\nreturn t');
  });
});

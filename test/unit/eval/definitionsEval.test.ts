/**
 * @file `smolcode eval completion --definitions` on the committed fixture repository: the
 * eval-only TypeScript resolver finds declarations in other files (a function, a method through
 * a typed variable), and the benchmark puts them into the prompt of a position that uses them.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import type { RunModel } from '../../../src/completion/pipeline';
import { repositoryTemplate } from '../../../src/completion/template/promptTemplate';
import { evalCompletion } from '../../../src/eval/completionEval';
import { typescriptResolver } from '../../../src/eval/definitions/typescriptResolver';
import { readRepository } from '../../../src/eval/repoFiles';

const FIXTURE = join(import.meta.dirname, '..', '..', 'fixtures', 'eval-repo');

describe('eval completion: definitions', () => {
  it('resolves identifiers of one file to their declarations in others, as the editor would', async () => {
    const repo = await readRepository(FIXTURE);
    const report = repo.files.find((f) => f.path === 'src/report.ts')!;
    const resolver = await typescriptResolver(repo);
    const lines = report.text.split('\n');
    const at = (name: string, line: number) => ({ name, line, character: lines[line]!.indexOf(name) });
    const found = await resolver.definitions(report, [at('formatBytes', 10), at('shift', 8), at('total', 9)], new AbortController().signal);
    assert.deepEqual(
      found.map((d) => [d.name, d.path, d.startLine, d.endLine]),
      [
        ['formatBytes', 'src/format.ts', 2, 11],
        ['shift', 'src/queue.ts', 13, 22],
        ['total', 'src/report.ts', 6, 6],
      ],
    );
  });

  it('puts the definition from another file into the prompt of a position that calls it', async () => {
    const repo = await readRepository(FIXTURE);
    const prompts = new Map<string, string>();
    let current = '';
    const model: RunModel = async (call) => {
      prompts.set(current, call.prompt);
      return { promptTokens: 1, reusedTokens: 0, timeToFirstTokenMs: 0, totalMs: 0, finishReason: 'eos' };
    };
    const options = { pipeline: { template: repositoryTemplate, maxNewTokens: 8, maxLines: 1 }, contextTokens: 1536, useOtherFiles: true, files: 10, perFile: 50, seed: 7, validationFraction: 0.5 };
    const withDefinitions = await evalCompletion(repo, model, { ...options, definitions: await typescriptResolver(repo) }, (r) => (current = `${r.path}:${r.line}`));
    // The prompt is built before the result is reported: look the position up by the next report's key.
    const keys = withDefinitions.results.map((r) => `${r.path}:${r.line}`);
    const index = keys.indexOf('src/report.ts:13');
    assert.ok(index >= 0, `positions: ${keys.join(' ')}`);
    const prompt = prompts.get(keys[index - 1] ?? '')!;
    assert.match(prompt, /<file_sep>src\/format\.ts\nexport function formatBytes\(bytes: number\): string \{\n {2}const units/);
    // The definitions come last among the snippets, right before the current file (cut at the cursor).
    assert.ok(prompt.lastIndexOf('<file_sep>src/format.ts') < prompt.indexOf('<file_sep>src/report.ts'), prompt);
    assert.ok(prompt.endsWith('lines.push(padLeft(formatBytes(size), 10));\n  }\n '), prompt);
    assert.ok((withDefinitions.results[index]!.definitions ?? 0) >= 1);
  });
});

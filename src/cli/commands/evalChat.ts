/**
 * @file `smolcode eval chat`: the fixed code questions of eval/chatEval.ts on a model folder,
 * each answer printed whole with its checks, or the report as JSON.
 */
import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { engineChatBackend } from '../../chat/engineBackend';
import { CHAT_CASES, evalChat, type ChatCaseResult } from '../../eval/chatEval';
import { Engine } from '../../runtime/engine';
import { intFlag, parseFlags } from '../args';
import type { CliCommand } from '../command';
import { ENGINE_FLAGS, ENGINE_USAGE, engineOptions } from '../engineFlags';
import { sigintSignal } from '../interrupt';

const USAGE = `Usage: smolcode eval chat --model DIR [options]

Asks ${CHAT_CASES.length} fixed code questions (${CHAT_CASES.map((c) => c.name).join(', ')}) as the chat panel asks them:
the editor actions' requests with the file and the selection as context, SmolCode's system
prompt, the panel's sampling and reply budget. Checks each answer: the ChatML template was
applied, generation ended at <|im_end|> by itself, the answer is not empty, its code fences are
balanced. Prints every answer whole.

Options:
${ENGINE_USAGE}
  --seed S         sampling seed (default 0), so that a run can be repeated
  --out FILE       also write the report as JSON
  --json           print the report as JSON instead of text`;

const mark = (ok: boolean) => (ok ? 'ok' : 'FAILED');

function describe(result: ChatCaseResult): string {
  const { checks } = result;
  return [
    `## ${result.name}: ${result.question}`,
    `template ${mark(checks.templateApplied)}, ended by itself ${mark(checks.endedByItself)} (${result.finishReason}), non-empty ${mark(checks.nonEmpty)}, fences ${mark(checks.fencesBalanced)}; ${result.promptTokens} prompt tokens, ${(result.ms / 1000).toFixed(1)} s`,
    '',
    result.answer,
    '',
  ].join('\n');
}

export const evalChatCommand: CliCommand = {
  name: 'chat',
  summary: 'fixed code questions through the chat panel\'s prompt, with checks',
  usage: USAGE,
  async run(args) {
    const { values } = parseFlags(args, { ...ENGINE_FLAGS, seed: { type: 'string' }, out: { type: 'string' }, json: { type: 'boolean' } });
    const options = engineOptions(values);
    const seed = intFlag(values.seed, 'seed', 0);
    const interrupt = sigintSignal();
    const engine = await Engine.load({ ...options, buildFusedGraph: true });
    try {
      const report = await evalChat(engineChatBackend(engine, seed), CHAT_CASES, (result) => {
        if (!values.json) console.log(describe(result));
      }, interrupt.signal);
      const full = { model: options.modelDir, dtype: options.dtype, graph: engine.graph.file, ...(engine.graph.promptFile ? { promptGraph: engine.graph.promptFile } : {}), kvCache: engine.graph.kvCache, seed, ...report };
      if (values.out) writeFileSync(resolve(values.out), `${JSON.stringify(full, null, 1)}\n`);
      const total = report.cases.length;
      if (values.json) console.log(JSON.stringify(full));
      else console.log(`passed: template ${report.passed.templateApplied}/${total}, ended by itself ${report.passed.endedByItself}/${total}, non-empty ${report.passed.nonEmpty}/${total}, fences ${report.passed.fencesBalanced}/${total}`);
      return 0;
    } finally {
      interrupt.dispose();
      await engine.dispose();
    }
  },
};

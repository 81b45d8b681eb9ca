/**
 * @file SmolTalk-style conversations (https://huggingface.co/datasets/HuggingFaceTB/smoltalk)
 * derived from the user's functions without any teacher model: the answer is always code the
 * user wrote. Four tasks: documentation -> implementation, signature and docstring -> body,
 * prefix -> rest of the function, and fill-in-the-middle phrased as an instruction (SmolLM2
 * has no FIM tokens, so the chat model learns the task in words instead).
 */
import type { ChatMessage } from '../../../runtime/tokenizer';
import type { Language } from '../languages';
import type { Random } from '../split';
import type { Mixture, SampleKind } from '../types';
import type { CodeUnit } from './codeUnits';

/** A conversation and the task it teaches. */
export interface ChatSample {
  readonly kind: Exclude<SampleKind, 'code'>;
  readonly messages: readonly ChatMessage[];
}

/** The line that stands for the missing code in fill-in-the-middle tasks. */
export const MISSING_MARKER = '<MISSING>';

const fenced = (language: Language, lines: readonly string[]) => `\`\`\`${language.fence}\n${lines.join('\n')}\n\`\`\``;
const pick = <T>(random: Random, items: readonly T[]) => items[Math.floor(random() * items.length)] as T;
const chat = (user: string, assistant: string): ChatMessage[] => [
  { role: 'user', content: user },
  { role: 'assistant', content: assistant },
];

/** Removes the indentation common to all non-blank lines, so a method reads like a function. */
export function dedent(lines: readonly string[]): string[] {
  const indents = lines.filter((l) => l.trim() !== '').map((l) => l.length - l.trimStart().length);
  const common = indents.length === 0 ? 0 : Math.min(...indents);
  return lines.map((l) => l.slice(Math.min(common, l.length - l.trimStart().length)));
}

function docToCode(unit: CodeUnit, language: Language, random: Random): ChatMessage[] {
  const ask = pick(random, [
    `Write a ${language.name} function \`${unit.name}\` that does the following:\n\n${unit.doc}`,
    `Implement \`${unit.name}\` in ${language.name}. Its documentation says:\n\n${unit.doc}`,
    `Here is the description of a ${language.name} function named \`${unit.name}\`:\n\n${unit.doc}\n\nWrite the function.`,
  ]);
  return chat(ask, fenced(language, dedent([...unit.head, ...unit.body])));
}

function signatureToBody(unit: CodeUnit, language: Language, random: Random): ChatMessage[] {
  const lines = dedent([...unit.comment, ...unit.head, ...unit.body]);
  const shown = lines.slice(0, unit.comment.length + unit.head.length);
  const ask = pick(random, [`Complete the body of this ${language.name} function:`, `Write the body of \`${unit.name}\`:`]);
  return chat(`${ask}\n\n${fenced(language, shown)}`, fenced(language, lines.slice(shown.length)));
}

function prefixToRest(unit: CodeUnit, language: Language, random: Random): ChatMessage[] {
  const lines = dedent([...unit.comment, ...unit.head, ...unit.body]);
  const first = unit.comment.length + unit.head.length;
  const cut = first + 1 + Math.floor(random() * (unit.body.length - 2));
  const ask = pick(random, [`Continue this ${language.name} code from where it stops:`, `Finish this ${language.name} function:`]);
  return chat(`${ask}\n\n${fenced(language, lines.slice(0, cut))}`, fenced(language, lines.slice(cut)));
}

function fillInMiddle(unit: CodeUnit, language: Language, random: Random): ChatMessage[] {
  const lines = dedent([...unit.comment, ...unit.head, ...unit.body]);
  const first = unit.comment.length + unit.head.length;
  // The span lies inside the body and never takes its last line, so some code follows it.
  const size = 1 + Math.floor(random() * Math.min(5, unit.body.length - 2));
  const start = first + Math.floor(random() * (unit.body.length - 1 - size + 1));
  const missing = lines.slice(start, start + size);
  const indent = /^\s*/.exec(missing[0] ?? '')?.[0] ?? '';
  const shown = [...lines.slice(0, start), `${indent}${MISSING_MARKER}`, ...lines.slice(start + size)];
  const ask = `In this ${language.name} function, the line \`${MISSING_MARKER}\` stands for missing code. Write the missing lines.`;
  return chat(`${ask}\n\n${fenced(language, shown)}`, fenced(language, missing));
}

const TASKS: readonly { kind: ChatSample['kind']; eligible: (u: CodeUnit) => boolean; build: typeof docToCode }[] = [
  { kind: 'docToCode', eligible: (u) => u.doc !== '' && u.body.length >= 2, build: docToCode },
  { kind: 'signatureToBody', eligible: (u) => u.doc !== '' && u.body.length >= 2, build: signatureToBody },
  { kind: 'prefixToRest', eligible: (u) => u.body.length >= 4, build: prefixToRest },
  { kind: 'fillInMiddle', eligible: (u) => u.body.length >= 5, build: fillInMiddle },
];

/** The conversations for one function, each kind drawn with its rate in the mixture. */
export function chatSamples(unit: CodeUnit, language: Language, mixture: Mixture, random: Random): ChatSample[] {
  // Draw for every kind first, eligible or not, so that one kind's rate never changes whether
  // another kind is drawn.
  const draws = TASKS.map(() => random());
  return TASKS.filter((task, i) => task.eligible(unit) && (draws[i] as number) < mixture[task.kind]).map((task) => ({
    kind: task.kind,
    messages: task.build(unit, language, random),
  }));
}

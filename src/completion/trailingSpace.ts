/**
 * @file Prompts that end in a space or a tab, healed. SmolLM2's tokenizer puts a word's leading
 * space in the word's token (`"   "` + `" return"` for an indented `return`), so a prompt that
 * ends with the space itself (the cursor after indentation or after `x = `) is one the model
 * rarely saw in training: after four spaces of indentation it mostly starts a new line, and the
 * suggestion comes out empty. After a tab it writes another tab before the code. The last space
 * or tab is therefore left out of the prompt, and taken off the front of the model's text again
 * when the model writes it (token healing, one character of it).
 */

/** The prompt's prefix without a trailing space or tab, and the character taken off ('' when none was). */
export function healTrailingSpace(prefix: string): { prefix: string; healed: string } {
  const last = prefix.at(-1);
  return last === ' ' || last === '\t' ? { prefix: prefix.slice(0, -1), healed: last } : { prefix, healed: '' };
}

/** `chunks` without `healed` at their very start, where the model wrote it (it usually does). */
export async function* dropHealed(chunks: AsyncIterable<string>, healed: string): AsyncGenerator<string> {
  let pending = healed;
  for await (const chunk of chunks) {
    if (pending === '') {
      yield chunk;
      continue;
    }
    const common = Math.min(pending.length, chunk.length);
    if (chunk.slice(0, common) !== pending.slice(0, common)) {
      // The model did not write the space: its text follows the user's space as it is.
      pending = '';
      yield chunk;
      continue;
    }
    pending = pending.slice(common);
    if (chunk.length > common) yield chunk.slice(common);
  }
}

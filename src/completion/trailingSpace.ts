/**
 * @file Prompts that end in a space, healed. SmolLM2's tokenizer puts a word's leading space in
 * the word's token (`"   "` + `" return"` for an indented `return`), so a prompt that ends with
 * the space itself (the cursor after indentation or after `x = `) is one the model rarely saw
 * in training: after four spaces of indentation it mostly starts a new line, and the suggestion
 * comes out empty. The last space is therefore left out of the prompt, and taken off the front
 * of the model's text again when the model writes it (token healing, one space of it).
 */

/** The prompt's prefix without a trailing space, and the space taken off ('' when none was). */
export function healTrailingSpace(prefix: string): { prefix: string; healed: string } {
  return prefix.endsWith(' ') ? { prefix: prefix.slice(0, -1), healed: ' ' } : { prefix, healed: '' };
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

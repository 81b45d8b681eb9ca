/**
 * @file The special tokens of SmolLM2's vocabulary (ids 0-16 of tokenizer.json). Completion
 * never shows them and stops at them; the training-set builder drops text that holds them.
 */

/** Every special token of SmolLM2's vocabulary, as text. */
export const SPECIAL_TOKENS = ['<|endoftext|>', '<|im_start|>', '<|im_end|>', '<repo_name>', '<reponame>', '<file_sep>', '<filename>', '<gh_stars>', '<issue_start>', '<issue_comment>', '<issue_closed>', '<jupyter_start>', '<jupyter_text>', '<jupyter_code>', '<jupyter_output>', '<jupyter_script>', '<empty_output>'] as const;

// Greedy continuations from llama.cpp (node-llama-cpp, prebuilt CPU build) for token-id prompts.
// Usage: node llamaCppGreedy.mjs NODE_LLAMA_CPP_DIR < {"gguf", "prompts": [[ids]], "maxTokens", "threads"}
// Prints {"tokens": [[ids]], "release": "..."}. A file rather than `node -e`: the binding tests
// itself in a child process started with node's own flags.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

const request = JSON.parse(readFileSync(0, 'utf8'));
const entry = join(process.argv[2], 'node_modules', 'node-llama-cpp', 'dist', 'index.js');
const { getLlama } = await import(pathToFileURL(entry).href);
const llama = await getLlama({ gpu: false, build: 'never', logLevel: 'error' });
const model = await llama.loadModel({ modelPath: request.gguf });
const tokens = [];
for (const prompt of request.prompts) {
  const context = await model.createContext({ contextSize: 2048, threads: request.threads ?? 2 });
  const out = [];
  for await (const token of context.getSequence().evaluate(prompt, { temperature: 0 })) {
    out.push(token);
    if (out.length >= request.maxTokens || token === model.tokens.eos) break;
  }
  tokens.push(out);
  await context.dispose();
}
process.stdout.write(JSON.stringify({ tokens }));
await model.dispose();
await llama.dispose();

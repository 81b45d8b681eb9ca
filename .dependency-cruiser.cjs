// The layering of src/, enforced by `npm run lint:layers` (part of `npm run lint`). Layers read
// bottom-up; a module imports its own layer (a sibling) or a lower one, never a higher one, and
// nothing imports in a cycle. The README's "Architecture" section draws the same picture.
//
//   0 env.ts, shared/        process environment; what the host and the webview share
//   1 graph/                 ONNX graph builder, ops, writer, tensors files, autodiff
//   2 model/                 SmolLM2/Llama graphs (inference, fused, training), LoRA, registry
//   3 runtime/, modelStore/  worker side (ORT sessions, engine, tokenizer); downloads
//   4 completion/, chat/, finetune/, eval/, commitMessage/, inlineEdit/, remote/ (their cores, no vscode)
//   5 worker/                the model worker process, its client and protocol
//   6 host/                  extension-host services: settings, model service, status bar
//   7 */ui/                  the VS Code-facing side of each feature
//   8 extension.ts, cli/     entry points
const LAYERS = [
  { name: 'env', paths: ['^src/env\\.ts$', '^src/shared/'] },
  { name: 'graph', paths: ['^src/graph/'] },
  { name: 'model', paths: ['^src/model/'] },
  { name: 'runtime', paths: ['^src/runtime/', '^src/modelStore/(?!ui/)'] },
  { name: 'features', paths: ['^src/(completion|chat|finetune|eval|commitMessage|inlineEdit|remote)/(?!ui/)'] },
  { name: 'worker', paths: ['^src/worker/'] },
  { name: 'host', paths: ['^src/host/'] },
  { name: 'ui', paths: ['^src/[^/]+/ui/'] },
  { name: 'entry', paths: ['^src/extension\\.ts$', '^src/cli/'] },
];

const anyOf = (paths) => `(${paths.join('|')})`;

/** One rule per layer: it may not import any layer above it. */
const upward = LAYERS.slice(0, -1).map((layer, i) => ({
  name: `no-upward-from-${layer.name}`,
  comment: `${layer.name} is below ${LAYERS.slice(i + 1).map((l) => l.name).join(', ')}; it may not import them`,
  severity: 'error',
  from: { path: anyOf(layer.paths) },
  to: { path: anyOf(LAYERS.slice(i + 1).flatMap((l) => l.paths)) },
}));

module.exports = {
  forbidden: [
    ...upward,
    {
      name: 'no-circular',
      comment: 'modules import each other in a cycle',
      severity: 'error',
      from: { path: '^src/' },
      to: { circular: true },
    },
    {
      name: 'every-module-has-a-layer',
      comment: 'a module outside every layer: give it a folder of the layering above',
      severity: 'error',
      from: { path: '^src/', pathNot: anyOf(LAYERS.flatMap((l) => l.paths)) },
      to: {},
    },
    {
      name: 'vscode-only-in-ui-host-and-entry',
      comment: 'only host/, */ui/ and extension.ts talk to VS Code; cores stay testable without it',
      severity: 'error',
      from: { path: '^src/', pathNot: anyOf(['^src/host/', '^src/[^/]+/ui/', '^src/extension\\.ts$']) },
      to: { path: '^vscode$', dependencyTypes: ['core', 'npm', 'unknown', 'undetermined', 'npm-no-pkg'] },
    },
    {
      name: 'architectures-through-the-registry',
      comment: 'outside model/, graphs are built through model/registry.ts, never by importing an architecture file',
      severity: 'error',
      from: { path: '^src/', pathNot: '^src/model/' },
      to: { path: '^src/model/(llama|llamaFused|llamaMath|trainingGraph)\\.ts$' },
    },
    {
      name: 'onnxruntime-only-in-the-session',
      comment: 'runtime/session.ts is the one module that loads onnxruntime-node (others may import its types)',
      severity: 'error',
      from: { path: '^src/', pathNot: '^src/runtime/session\\.ts$' },
      to: { path: 'onnxruntime-node', dependencyTypesNot: ['type-only'] },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    exclude: { path: '^(test|scripts|webview-ui)/' },
  },
};

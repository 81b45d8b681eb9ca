/**
 * @file Random SmolLM2-shaped model folders for the benchmark, generated once and kept in a
 * cache (`~/.cache/smolcode/bench/models/<shape>-seed<N>`, under XDG_CACHE_HOME when set). A stamp file records the version of
 * the generator (a hash of the generator's sources) that wrote the folder; a folder from
 * another version, or without a wanted ONNX variant, is rebuilt.
 */
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type FusedVariant, type OnnxVariant, type ShapeName } from '../../src/model/configTypes';
import { makeModelFolder, type WrittenFile } from '../../src/model/modelFolder';
import { SHAPES } from '../../src/model/shapes';
import { resolveTokenizerDir } from '../../src/model/tokenizerFiles';
import { cacheRoot } from '../cacheRoot';

const SRC = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', 'src');
/** What writes a model folder: the graph builder and writer, and the SmolLM2 graphs. */
const GENERATOR_SOURCES = ['graph', 'model'].map((dir) => join(SRC, dir));
const STAMP = 'bench-model.json';

/** Default cache folder of generated models. */
export const DEFAULT_MODEL_CACHE = cacheRoot('bench', 'models');

/** A model folder ready for the benchmark. */
export interface BenchModel {
  readonly shape: ShapeName;
  readonly seed: number;
  readonly dir: string;
  /** Whether this run generated (part of) it, and how long that took. */
  readonly generated: boolean;
  readonly generationSeconds: number;
  /** The files written by this run (empty when all came from the cache). */
  readonly written: readonly WrittenFile[];
}

interface Stamp {
  readonly generatorVersion: string;
  readonly shape: ShapeName;
  readonly seed: number;
  readonly variants: readonly OnnxVariant[];
  readonly fusedVariants?: readonly FusedVariant[];
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir)
    .flatMap((name) => {
      const path = join(dir, name);
      if (statSync(path).isDirectory()) return sourceFiles(path);
      return name.endsWith('.ts') ? [path] : [];
    })
    .sort();
}

/** A version string of the model generator: a hash of every source file under src/graph and src/model. */
export function generatorVersion(): string {
  const hash = createHash('sha256');
  for (const path of GENERATOR_SOURCES.flatMap(sourceFiles)) {
    hash.update(relative(SRC, path));
    hash.update('\0');
    hash.update(readFileSync(path));
  }
  return `src/graph+model@${hash.digest('hex').slice(0, 16)}`;
}

function readStamp(dir: string): Stamp | undefined {
  try {
    return JSON.parse(readFileSync(join(dir, STAMP), 'utf8')) as Stamp;
  } catch {
    return undefined;
  }
}

/** Size in bytes of the ONNX file `file` (relative to `dir`), with its external data, if any. */
export function onnxBytes(dir: string, file: string): number {
  const path = join(dir, file);
  const data = `${path}_data`;
  return statSync(path).size + (existsSync(data) ? statSync(data).size : 0);
}

/**
 * Returns the cached folder of `shape` with `seed`, generating it when the cache lacks it, lacks
 * one of `variants` or of the fused graphs `fused`, or was written by another generator version. A new folder is built beside
 * the old one and renamed into place, so a concurrent benchmark never reads a half-written file.
 */
export function ensureModel(
  shape: ShapeName,
  seed: number,
  variants: readonly OnnxVariant[],
  cacheRoot: string,
  log: (line: string) => void,
  fused: readonly FusedVariant[] = [],
): BenchModel {
  const dir = join(cacheRoot, `${shape}-seed${seed}`);
  const version = generatorVersion();
  const stamp = readStamp(dir);
  const current = stamp?.generatorVersion === version && stamp.shape === shape && stamp.seed === seed;
  if (current && variants.every((v) => stamp.variants.includes(v)) && fused.every((v) => stamp.fusedVariants?.includes(v))) {
    return { shape, seed, dir, generated: false, generationSeconds: 0, written: [] };
  }
  const wanted = [...new Set([...(current ? stamp.variants : []), ...variants])];
  const wantedFused = [...new Set([...(current ? (stamp.fusedVariants ?? []) : []), ...fused])];
  const why = !stamp ? 'not cached' : current ? 'a variant is missing' : `cached copy is from ${stamp.generatorVersion}`;
  log(`generating ${shape} (seed ${seed}, ${wanted.join(', ')}; fused ${wantedFused.join(', ') || 'none'}) in ${dir} (${why})`);
  const start = performance.now();
  const building = `${dir}.building-${process.pid}`;
  rmSync(building, { recursive: true, force: true });
  const written = makeModelFolder({ config: SHAPES[shape], seed, outDir: building, flavour: 'base', variants: wanted, fusedVariants: wantedFused, tokenizerDir: resolveTokenizerDir() });
  writeFileSync(join(building, STAMP), `${JSON.stringify({ generatorVersion: version, shape, seed, variants: wanted, fusedVariants: wantedFused } satisfies Stamp, null, 2)}\n`);
  rmSync(dir, { recursive: true, force: true });
  renameSync(building, dir);
  const seconds = (performance.now() - start) / 1000;
  return { shape, seed, dir, generated: true, generationSeconds: seconds, written: written.map((f) => ({ ...f, path: f.path.replace(building, dir) })) };
}

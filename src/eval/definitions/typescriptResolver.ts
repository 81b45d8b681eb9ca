/**
 * @file EVAL ONLY: a definition resolver for `smolcode eval completion --definitions`, standing in
 * for VS Code's definition providers, which the benchmark cannot run. It asks the TypeScript
 * compiler's language service (the same engine behind VS Code's TypeScript and JavaScript
 * "Go to Definition") over the repository's TypeScript and JavaScript files, with the file under
 * the cursor as the user sees it (the target line removed). Other languages get no definitions.
 * `typescript` is a development dependency, loaded on first use, never bundled (scripts/build.mjs).
 */
import { join, relative } from 'node:path';
import type * as TS from 'typescript';
import type { DefinitionResolver, ResolvedDefinition } from '../../completion/context/definitions';
import type { IdentifierAt } from '../../completion/context/nearbyIdentifiers';
import type { Repository } from '../repoFiles';

/** The document a benchmark position is in, with the text the simulated user sees. */
export interface EvalDocument {
  /** Repository-relative, with `/`. */
  readonly path: string;
  readonly text: string;
}

const SCRIPT_LANGUAGES = new Set(['TypeScript', 'JavaScript']);

async function loadTypescript(): Promise<typeof TS> {
  try {
    const module = (await import('typescript')) as typeof TS & { default?: typeof TS };
    return module.default ?? module;
  } catch (error) {
    throw new Error(`--definitions needs the "typescript" package (a development dependency of SmolCode): ${(error as Error).message}`, { cause: error });
  }
}

/** Creates the eval-only TypeScript resolver for `repository` (see the file header). */
export async function typescriptResolver(repository: Repository): Promise<DefinitionResolver<EvalDocument>> {
  const ts = await loadTypescript();
  const root = repository.root;
  const texts = new Map<string, string>();
  const versions = new Map<string, number>();
  for (const file of repository.files) if (SCRIPT_LANGUAGES.has(file.language.name)) texts.set(join(root, file.path), file.text);
  const original = new Map(texts);
  let overlaid: string | undefined;

  const options: TS.CompilerOptions = {
    allowJs: true,
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.ESNext,
    moduleResolution: ts.ModuleResolutionKind.Bundler,
    skipLibCheck: true,
    noEmit: true,
    types: [],
  };
  const host: TS.LanguageServiceHost = {
    getCompilationSettings: () => options,
    getScriptFileNames: () => [...texts.keys()],
    getScriptVersion: (fileName) => String(versions.get(fileName) ?? 0),
    getScriptSnapshot: (fileName) => {
      const text = texts.get(fileName) ?? ts.sys.readFile(fileName);
      return text === undefined ? undefined : ts.ScriptSnapshot.fromString(text);
    },
    getCurrentDirectory: () => root,
    getDefaultLibFileName: (o) => ts.getDefaultLibFilePath(o),
    fileExists: (fileName) => texts.has(fileName) || ts.sys.fileExists(fileName),
    readFile: (fileName) => texts.get(fileName) ?? ts.sys.readFile(fileName),
    readDirectory: ts.sys.readDirectory,
    directoryExists: ts.sys.directoryExists,
    getDirectories: ts.sys.getDirectories,
  };
  const service = ts.createLanguageService(host, ts.createDocumentRegistry());

  /** Shows `fileName` as `text`, and every other file as it is on disk. */
  function overlay(fileName: string, text: string): void {
    if (overlaid && overlaid !== fileName) {
      texts.set(overlaid, original.get(overlaid)!);
      versions.set(overlaid, (versions.get(overlaid) ?? 0) + 1);
    }
    if (texts.get(fileName) !== text) {
      texts.set(fileName, text);
      versions.set(fileName, (versions.get(fileName) ?? 0) + 1);
    }
    overlaid = fileName;
  }

  function resolveOne(fileName: string, text: string, identifier: IdentifierAt): ResolvedDefinition | undefined {
    const lines = text.split('\n');
    if (identifier.line >= lines.length) return undefined;
    const start = lines.slice(0, identifier.line).reduce((sum, line) => sum + line.length + 1, 0);
    const found = service.getDefinitionAtPosition(fileName, start + identifier.character) ?? [];
    for (const def of found) {
      const source = service.getProgram()?.getSourceFile(def.fileName);
      if (!source) continue;
      const span = def.contextSpan ?? def.textSpan;
      const startLine = source.getLineAndCharacterOfPosition(span.start).line;
      const endLine = source.getLineAndCharacterOfPosition(span.start + span.length).line;
      // The identifier's own declaration says nothing new.
      if (def.fileName === fileName && startLine <= identifier.line && identifier.line <= endLine) continue;
      // Outside the repository the path starts with `../`; the prompt names such files from their package folder (promptPath).
      const path = relative(root, def.fileName).replace(/\\/g, '/');
      return { name: identifier.name, path, fileText: source.text, startLine, endLine };
    }
    return undefined;
  }

  return {
    async definitions(document, identifiers, signal) {
      const fileName = join(root, document.path);
      if (!texts.has(fileName)) return [];
      overlay(fileName, document.text);
      const resolved: ResolvedDefinition[] = [];
      for (const identifier of identifiers) {
        signal.throwIfAborted();
        const def = resolveOne(fileName, document.text, identifier);
        if (def) resolved.push(def);
      }
      return resolved;
    },
  };
}

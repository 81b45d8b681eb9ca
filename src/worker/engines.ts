/**
 * @file The worker's engines, one per role. Roles that ask for the same model folder, dtype
 * and device share one engine (their cache slots still differ), so a user with one local model
 * loads it once.
 */
import { Engine, type EngineOptions } from '../runtime/engine';
import type { LoadResult } from './protocol';
import type { Role } from '../model/configTypes';

function keyOf(options: EngineOptions): string {
  return JSON.stringify([options.modelDir, options.dtype, options.device, options.threads, options.tokenizerFallbackDir ?? '', options.buildFusedGraph ?? false, options.promptDtype ?? '', options.kvCache ?? '', options.nativeDecode ?? '']);
}

export class Engines {
  private readonly byKey = new Map<string, Promise<Engine>>();
  private readonly roleKey = new Map<Role, string>();

  /** Loads the engine for `role` unless the same one is loaded; frees engines no role uses. */
  async load(role: Role, options: EngineOptions): Promise<LoadResult> {
    const start = performance.now();
    const key = keyOf(options);
    let engine = this.byKey.get(key);
    if (!engine) {
      engine = Engine.load(options);
      this.byKey.set(key, engine);
      engine.catch(() => this.byKey.delete(key));
    }
    this.roleKey.set(role, key);
    const loaded = await engine;
    await this.release();
    return {
      provider: loaded.provider.name,
      fallbacks: loaded.provider.fallbacks,
      loadMs: performance.now() - start,
      contextLength: loaded.contextLength,
      graph: loaded.graph,
    };
  }

  /** The engine of `role`, or an error saying it was never loaded. */
  get(role: Role): Promise<Engine> {
    const key = this.roleKey.get(role);
    const engine = key === undefined ? undefined : this.byKey.get(key);
    if (!engine) throw new Error(`no model is loaded for ${role}; call engine/load first`);
    return engine;
  }

  private async release(): Promise<void> {
    const used = new Set(this.roleKey.values());
    for (const [key, engine] of this.byKey) {
      if (used.has(key)) continue;
      this.byKey.delete(key);
      await (await engine).dispose();
    }
  }
}

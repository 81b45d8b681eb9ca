import assert from 'node:assert/strict';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { COMPLETION_DEFAULTS } from '../../src/completion/defaults';
import { TEMPLATE_NAMES } from '../../src/completion/template/promptTemplate';
import { DEFAULT_FIM_RATE } from '../../src/finetune/dataset/samples/fimSamples';
import { SETTING_KEYS } from '../../src/host/settingsSchema';
import { CHAT_MODELS, COMPLETION_MODELS } from '../../src/modelStore/catalog';
import { DEVICES } from '../../src/runtime/providers';
import { DTYPES } from '../../src/model/configTypes';

interface Manifest {
  activationEvents: string[];
  main: string;
  contributes: {
    commands: { command: string; title: string; category: string }[];
    configuration: { properties: Record<string, { enum?: string[]; default?: unknown; markdownDescription?: string }> };
    views: Record<string, { id: string }[]>;
    keybindings: { command: string }[];
  };
}

const manifest = JSON.parse(readFileSync('package.json', 'utf8')) as Manifest;

function sourceText(dir: string): string {
  return readdirSync(dir)
    .map((name) => join(dir, name))
    .map((path) => (statSync(path).isDirectory() ? sourceText(path) : path.endsWith('.ts') ? readFileSync(path, 'utf8') : ''))
    .join('\n');
}

describe('extension manifest', () => {
  it('activates lazily', () => {
    assert.ok(!manifest.activationEvents.includes('*'));
    assert.equal(manifest.main, './dist/extension.cjs');
  });

  it('registers a handler for every contributed command', () => {
    const source = sourceText('src');
    for (const { command, category } of manifest.contributes.commands) {
      assert.equal(category, 'SmolCode', command);
      assert.ok(source.includes(`'${command}'`), `${command} is contributed but never registered`);
    }
  });

  it('binds keys only to contributed commands', () => {
    const ids = new Set(manifest.contributes.commands.map((c) => c.command));
    for (const { command } of manifest.contributes.keybindings) assert.ok(ids.has(command), command);
  });

  it('declares exactly the settings the code reads, each described', () => {
    const properties = manifest.contributes.configuration.properties;
    assert.deepEqual(Object.keys(properties).sort(), SETTING_KEYS.map((key) => `smolcode.${key}`).sort());
    for (const [key, schema] of Object.entries(properties)) {
      assert.ok(schema.markdownDescription && schema.markdownDescription.length > 20, `${key} needs a description`);
      assert.notEqual(schema.default, undefined, `${key} needs a default`);
    }
  });

  it('offers the same choices as the code for enum settings', () => {
    const properties = manifest.contributes.configuration.properties;
    assert.deepEqual(properties['smolcode.device']?.enum, [...DEVICES]);
    assert.deepEqual(properties['smolcode.dtype']?.enum, [...DTYPES]);
    assert.deepEqual(properties['smolcode.completion.model']?.enum, [...COMPLETION_MODELS]);
    assert.deepEqual(properties['smolcode.chat.model']?.enum, [...CHAT_MODELS]);
    assert.deepEqual(properties['smolcode.completion.template']?.enum, TEMPLATE_NAMES);
  });

  it('declares the completion defaults the CLI benchmark uses (completion/defaults.ts)', () => {
    const defaults = Object.fromEntries(Object.keys(COMPLETION_DEFAULTS).map((key) => [key, manifest.contributes.configuration.properties[`smolcode.completion.${key}`]?.default]));
    assert.deepEqual(defaults, COMPLETION_DEFAULTS);
  });

  it('declares the FIM share every entry point defaults to (DEFAULT_FIM_RATE), and the README says it', () => {
    assert.equal(manifest.contributes.configuration.properties['smolcode.finetune.fimRate']?.default, DEFAULT_FIM_RATE);
    const row = readFileSync('README.md', 'utf8').split('\n').find((line) => line.startsWith('| `smolcode.finetune.fimRate` |'));
    assert.ok(row?.startsWith(`| \`smolcode.finetune.fimRate\` | \`${DEFAULT_FIM_RATE}\``), row);
  });

  it('contributes the chat view in its own container', () => {
    assert.deepEqual(manifest.contributes.views.smolcode?.map((v) => v.id), ['smolcode.chatView']);
  });
});

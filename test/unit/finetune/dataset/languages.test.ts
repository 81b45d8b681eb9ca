import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { LANGUAGE_NAMES, languageOfPath, languageOfShebang, parseLanguageNames } from '../../../../src/finetune/dataset/languages';

const PATH_CASES: readonly [string, string | undefined][] = [
  ['a.c', 'C'], ['a.cs', 'C#'], ['a.hpp', 'C++'], ['a.go', 'Go'], ['A.java', 'Java'], ['a.mjs', 'JavaScript'],
  ['README.md', 'Markdown'], ['a.php', 'PHP'], ['a.py', 'Python'], ['Rakefile', 'Ruby'], ['a.rs', 'Rust'],
  ['a.sql', 'SQL'], ['a.sh', 'Shell'], ['a.swift', 'Swift'], ['a.tsx', 'TypeScript'], ['a.PY', 'Python'],
  ['a.txt', undefined], ['Makefile', undefined],
];

describe('language detection', () => {
  it('covers Stack-Edu\'s 15 languages', () => assert.equal(LANGUAGE_NAMES.length, 15));

  for (const [path, name] of PATH_CASES) it(`detects ${name ?? 'nothing'} for ${path}`, () => assert.equal(languageOfPath(`dir/${path}`)?.name, name));

  it('reads #! lines, through env and with versions', () => {
    assert.equal(languageOfShebang('#!/usr/bin/env python3')?.name, 'Python');
    assert.equal(languageOfShebang('#!/bin/bash -e')?.name, 'Shell');
    assert.equal(languageOfShebang('#!/usr/bin/env -S node --no-warnings')?.name, 'JavaScript');
    assert.equal(languageOfShebang('# not a shebang'), undefined);
  });

  it('parses configured names case-insensitively and names a bad one', () => {
    assert.deepEqual(parseLanguageNames(['python', 'C++']), ['Python', 'C++']);
    assert.throws(() => parseLanguageNames(['Kotlin']), /unknown language "Kotlin"; known: C, C#/);
  });
});

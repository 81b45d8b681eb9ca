import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { OutputTail } from '../../../src/worker/outputTail';

describe('output tail', () => {
  it('keeps the last non-empty lines across chunks split mid-line', () => {
    const tail = new OutputTail(2);
    for (const chunk of ['first\nsec', 'ond\r\n\n', 'thi', 'rd\n']) tail.push(chunk);
    assert.deepEqual(tail.lines(), ['second', 'third']);
  });

  it('holds a bounded amount of text however much was written', () => {
    const tail = new OutputTail(8, 100, 300);
    for (let i = 0; i < 10_000; i++) tail.push(`line ${i}\n`);
    assert.deepEqual(tail.lines().slice(-2), ['line 9998', 'line 9999']);
    assert.ok(tail.lines().join('\n').length <= 100);
  });

  it('cuts an overlong line to a readable length', () => {
    const tail = new OutputTail(8, 4000, 10);
    tail.push('z'.repeat(50));
    assert.deepEqual(tail.lines(), [`${'z'.repeat(10)}…`]);
  });

  it('leaves out stack frames so the error line stays in the tail', () => {
    const tail = new OutputTail(3);
    tail.push("Error: Cannot find module '/x/worker.mjs'\n    at Module._resolveFilename (node:internal/modules/cjs/loader:1207:15)\n");
    tail.push('    at Module._load (node:internal/modules/cjs/loader:1038:27)\n    at node:internal/main/run_main_module:28:49 {\n');
    tail.push("  code: 'MODULE_NOT_FOUND',\n}\n");
    assert.deepEqual(tail.lines(), ["Error: Cannot find module '/x/worker.mjs'", "  code: 'MODULE_NOT_FOUND',", '}']);
  });

  it('has no lines before anything is written', () => {
    assert.deepEqual(new OutputTail().lines(), []);
  });
});

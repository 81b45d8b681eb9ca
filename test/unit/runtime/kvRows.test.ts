/**
 * @file The engine's cache buffers (runtime/kvRows.ts): appended rows read back exactly from a
 * float32 cache and within half a step (max |x| / 254) from an 8-bit one, keys land transposed,
 * a zero row keeps a zero scale, and growing a cache keeps the valid positions of every buffer.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { allocateKvBuffer, appendKvRows, copyKvPositions, kvBufferBytes, kvDims, readKvRow, type KvGeometry } from '../../../src/runtime/kvRows';

const heads = 2;
const headDim = 4;
/** `count` positions of `[heads · headDim]` values, distinct per position, head and dimension. */
const rows = (count: number, seed: number) => Float32Array.from({ length: count * heads * headDim }, (_, i) => Math.sin(i * 1.7 + seed) * (1 + (i % 5)));

describe('KV cache buffers', () => {
  for (const type of ['float32', 'int8'] as const) {
    const geometry: KvGeometry = { type, heads, headDim };
    for (const key of [true, false]) {
      it(`${type} ${key ? 'keys' : 'values'}: appended rows read back ${type === 'float32' ? 'exactly' : 'within half a step'}, and survive growing the cache`, () => {
        const capacity = 8;
        const buffer = allocateKvBuffer(geometry, capacity);
        const first = rows(3, 1);
        const second = rows(2, 2);
        appendKvRows(geometry, buffer, capacity, key, first, 0, 3, 0);
        // Rows from the middle of a larger output: offset skips one position's values.
        const padded = new Float32Array(heads * headDim + second.length);
        padded.set(second, heads * headDim);
        appendKvRows(geometry, buffer, capacity, key, padded, heads * headDim, 2, 3);
        const expected = (position: number, head: number) => {
          const [source, s] = position < 3 ? [first, position] : [second, position - 3];
          return source.subarray((s * heads + head) * headDim, (s * heads + head + 1) * headDim);
        };
        const check = (b: typeof buffer, cap: number) => {
          for (let position = 0; position < 5; position++) {
            for (let h = 0; h < heads; h++) {
              const want = expected(position, h);
              const got = readKvRow(geometry, b, cap, key, h, position);
              const tolerance = type === 'float32' ? 0 : want.reduce((m, v) => Math.max(m, Math.abs(v)), 0) / 254 + 1e-7;
              want.forEach((v, d) => assert.ok(Math.abs(got[d]! - v) <= tolerance, `position ${position} head ${h} dim ${d}: ${got[d]} for ${v}`));
            }
          }
        };
        check(buffer, capacity);
        const grown = allocateKvBuffer(geometry, 16);
        copyKvPositions(geometry, buffer, capacity, grown, 16, key, 5);
        check(grown, 16);
      });
    }
  }

  it('an 8-bit key buffer is transposed: one head dimension holds consecutive positions', () => {
    const geometry: KvGeometry = { type: 'int8', heads: 1, headDim: 2 };
    const buffer = allocateKvBuffer(geometry, 4);
    appendKvRows(geometry, buffer, 4, true, Float32Array.of(127, -63.4, 0, 0, 254, 127), 0, 3, 0);
    assert.deepEqual(Array.from(buffer.data), [127, 0, 127, 0, -63, 0, 64, 0]);
    assert.deepEqual(Array.from(buffer.scales!), [1, 0, 2, 0]);
    assert.deepEqual(kvDims(geometry, 4, true), { data: [1, 1, 2, 4], scales: [1, 1, 1, 4] });
    assert.deepEqual(kvDims(geometry, 4, false).data, [1, 1, 4, 2]);
  });

  it('an 8-bit cache holds a quarter of the bytes plus a scale per position', () => {
    assert.equal(kvBufferBytes({ type: 'float32', heads: 3, headDim: 64 }, 1536), 3 * 64 * 1536 * 4);
    assert.equal(kvBufferBytes({ type: 'int8', heads: 3, headDim: 64 }, 1536), 3 * 64 * 1536 + 3 * 1536 * 4);
  });
});

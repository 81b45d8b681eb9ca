import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { describeCpu, parseCpuInfo } from '../../../../scripts/bench/cpuInfo';

const ZEN5 = `processor\t: 0
vendor_id\t: AuthenticAMD
cpu family\t: 26
model\t\t: 2
model name\t: AMD EPYC
flags\t\t: fpu vme sse2 avx avx2 fma avx512f avx512dq

processor\t: 1
cpu family\t: 99
`;

describe('bench CPU description', () => {
  it('reads family, model and the widest vector extension from the first processor', () => {
    const info = parseCpuInfo(ZEN5, 'AMD EPYC');
    assert.deepEqual(info, { model: 'AMD EPYC', generation: 'family 26 model 2', vectors: 'AVX-512' });
    assert.equal(describeCpu(info), 'AMD EPYC (family 26 model 2, AVX-512)');
  });

  it('names AVX2 without AVX-512, NEON on arm64, and only the model when the file says nothing', () => {
    assert.equal(parseCpuInfo('cpu family : 6\nmodel : 85\nflags : sse avx avx2\n', 'Xeon').vectors, 'AVX2');
    assert.equal(parseCpuInfo('Features : fp asimd evtstrm\n', 'Neoverse').vectors, 'NEON');
    assert.equal(describeCpu(parseCpuInfo('', 'Some CPU')), 'Some CPU');
  });
});

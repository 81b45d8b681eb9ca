import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { describe, it } from 'node:test';
import { parseVmHwmMiB } from '../../../../scripts/bench/peakRss';

describe('bench peak RSS', () => {
  it("reads VmHWM from /proc/self/status's text", () => {
    assert.equal(parseVmHwmMiB('Name:\tnode\nVmPeak:\t 2000000 kB\nVmHWM:\t  204800 kB\nVmRSS:\t 100 kB\n'), 200);
    assert.equal(parseVmHwmMiB('Name:\tnode\n'), undefined);
  });

  it("gives a child spawned by a larger process its own peak, not the parent's", { skip: process.platform !== 'linux' && 'VmHWM is Linux only' }, () => {
    const ballast = Buffer.alloc(300 * 2 ** 20, 1); // the parent's RSS grows by 300 MiB
    const script = "import('./scripts/bench/peakRss.ts').then((m) => console.log(m.peakRssMiB()))";
    const child = spawnSync(process.execPath, ['--import', 'tsx', '-e', script], { encoding: 'utf8' });
    assert.equal(child.status, 0, child.stderr);
    const childPeak = Number(child.stdout.trim());
    assert.ok(ballast[0] === 1 && childPeak > 0 && childPeak < 250, `child peak ${childPeak} MiB`);
  });
});

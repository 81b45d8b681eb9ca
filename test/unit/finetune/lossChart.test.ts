import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { lossChartSvg, niceTicks } from '../../../src/finetune/lossChart';

/** The points of the polyline with class `name`, as numbers. */
function polyline(svg: string, name: string): [number, number][] {
  const match = new RegExp(`<polyline class="${name}"[^>]* points="([^"]*)"`).exec(svg);
  assert.ok(match, `no ${name} polyline`);
  return match[1].split(' ').map((pair) => pair.split(',').map(Number) as [number, number]);
}

const train = [
  { step: 1, loss: 4 },
  { step: 2, loss: 3.5 },
  { step: 3, loss: 3 },
  { step: 4, loss: 2.8 },
];
const validation = [
  { step: 0, loss: 4.2 },
  { step: 2, loss: 3.6 },
  { step: 4, loss: 3.1 },
];

describe('the loss chart', () => {
  it('picks ticks of 1, 2 or 5 times a power of ten that frame the values', () => {
    assert.deepEqual(niceTicks(0, 10), [0, 2, 4, 6, 8, 10]);
    assert.deepEqual(niceTicks(2.71, 4.3), [2.5, 3, 3.5, 4, 4.5]);
    assert.deepEqual(niceTicks(11.0149, 11.179), [11, 11.05, 11.1, 11.15, 11.2]);
    assert.deepEqual(niceTicks(0.1, 0.35), [0.1, 0.15, 0.2, 0.25, 0.3, 0.35]);
    assert.deepEqual(niceTicks(3, 3), [3]);
  });

  it('draws one line per curve inside the plot, with a lower loss higher up', () => {
    const svg = lossChartSvg(train, validation, { width: 400, height: 300 });
    const t = polyline(svg, 'training');
    const v = polyline(svg, 'validation');
    assert.equal(t.length, train.length);
    assert.equal(v.length, validation.length);
    for (const [x, y] of [...t, ...v]) assert.ok(x > 0 && x < 400 && y > 0 && y < 300, `${x},${y} is inside the picture`);
    for (let i = 1; i < t.length; i++) {
      assert.ok(t[i][0] > t[i - 1][0], 'later steps are further right');
      assert.ok(t[i][1] > t[i - 1][1], 'a lower loss is drawn higher (smaller y)');
    }
    assert.equal(svg.match(/<circle /g)?.length, validation.length, 'one dot per evaluation');
    // Same scale: the validation point at step 2 is right above/below the training one.
    assert.equal(v[1][0], t[1][0]);
  });

  it('has axes with labels and a legend naming both curves', () => {
    const svg = lossChartSvg(train, validation);
    assert.match(svg, /^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg" width="640" height="360"/);
    assert.ok(svg.trimEnd().endsWith('</svg>'));
    for (const text of ['training loss', 'validation loss', '>step<', '>loss<', '>3.5<']) assert.ok(svg.includes(text), text);
  });

  it('leaves out a curve without points, and non-finite values', () => {
    const svg = lossChartSvg([...train, { step: 5, loss: Number.NaN }], []);
    assert.equal(polyline(svg, 'training').length, train.length);
    assert.ok(!svg.includes('validation loss'));
    assert.ok(!svg.includes('NaN'));
  });

  it('says so when there is nothing to draw, and copes with a single point', () => {
    assert.match(lossChartSvg([], []), /no loss values recorded/);
    const one = lossChartSvg([{ step: 1, loss: 2 }], []);
    assert.ok(!one.includes('NaN') && !one.includes('Infinity'));
    assert.equal(polyline(one, 'training').length, 1);
  });
});

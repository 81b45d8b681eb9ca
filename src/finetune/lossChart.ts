/**
 * @file The loss curves of a fine-tuning run as a standalone SVG picture: training loss per
 * step as a line, validation loss per evaluation as a line with dots, both against the same
 * axes with "nice" tick values (1, 2 or 5 times a power of ten), and a legend. A pure function
 * of the numbers, so it is tested without a browser and renders the same in VS Code's Markdown
 * preview (which shows local SVG images) and on GitHub. The background is opaque white because
 * the preview may use a dark theme, where dark axis text on a transparent picture disappears.
 */

/** One point of a curve. */
export interface LossPoint {
  readonly step: number;
  readonly loss: number;
}

/** Size of the picture in pixels. */
export interface LossChartSize {
  readonly width: number;
  readonly height: number;
}

const DEFAULT_SIZE: LossChartSize = { width: 640, height: 360 };
const MARGIN = { left: 56, right: 16, top: 32, bottom: 44 };
const TRAIN_COLOR = '#2563eb';
const VALIDATION_COLOR = '#ea580c';
const TEXT = 'font-family="sans-serif" font-size="12" fill="#333"';

/**
 * Ticks at a step of 1, 2 or 5 times a power of ten, about `count` of them, from the last
 * tick at or below `min` to the first at or above `max`, so that they frame the data.
 */
export function niceTicks(min: number, max: number, count = 5): number[] {
  if (!(Number.isFinite(min) && Number.isFinite(max))) return [];
  if (max <= min) return [min];
  const raw = (max - min) / Math.max(1, count);
  const power = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * power).find((s) => s >= raw) ?? 10 * power;
  // Rounded to the step's decimals so that 0.30000000000000004 prints as 0.3.
  const decimals = Math.max(0, -Math.floor(Math.log10(step)));
  const first = Math.floor(min / step + 1e-9);
  const last = Math.ceil(max / step - 1e-9);
  return Array.from({ length: last - first + 1 }, (_, i) => Number(((first + i) * step).toFixed(decimals)));
}

/** A tick label without float noise. */
function label(value: number): string {
  return Number(value.toPrecision(6)).toString();
}

const finite = (points: readonly LossPoint[]) => points.filter((p) => Number.isFinite(p.step) && Number.isFinite(p.loss));

/**
 * The SVG document of the training and validation loss curves. Non-finite points are left
 * out; with no points at all the picture says so instead of drawing empty axes.
 */
export function lossChartSvg(train: readonly LossPoint[], validation: readonly LossPoint[], size: LossChartSize = DEFAULT_SIZE): string {
  const { width, height } = size;
  const series = [
    { name: 'training loss', color: TRAIN_COLOR, points: finite(train), dots: false },
    { name: 'validation loss', color: VALIDATION_COLOR, points: finite(validation), dots: true },
  ].filter((s) => s.points.length > 0);
  const out = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}">`,
    `<rect width="${width}" height="${height}" fill="#fff"/>`,
  ];
  const all = series.flatMap((s) => s.points);
  if (all.length === 0) {
    out.push(`<text x="${width / 2}" y="${height / 2}" text-anchor="middle" ${TEXT}>no loss values recorded</text>`, '</svg>');
    return out.join('\n') + '\n';
  }

  const steps = all.map((p) => p.step);
  const losses = all.map((p) => p.loss);
  const xTicks = niceTicks(Math.min(0, ...steps), Math.max(...steps, 1));
  const lowLoss = Math.min(...losses);
  const highLoss = Math.max(...losses);
  // A flat curve still gets a range to sit in.
  const pad = highLoss > lowLoss ? 0 : Math.abs(highLoss) * 0.05 || 0.5;
  const yTicks = niceTicks(lowLoss - pad, highLoss + pad);
  const [x0, x1] = [xTicks[0], xTicks.at(-1)!];
  const [y0, y1] = [yTicks[0], yTicks.at(-1)!];
  const plotW = width - MARGIN.left - MARGIN.right;
  const plotH = height - MARGIN.top - MARGIN.bottom;
  const x = (step: number) => MARGIN.left + (x1 === x0 ? plotW / 2 : ((step - x0) / (x1 - x0)) * plotW);
  const y = (loss: number) => MARGIN.top + (y1 === y0 ? plotH / 2 : (1 - (loss - y0) / (y1 - y0)) * plotH);
  const r = (v: number) => v.toFixed(1);
  const bottom = MARGIN.top + plotH;

  // Grid and axes.
  for (const t of yTicks) {
    out.push(`<line x1="${MARGIN.left}" y1="${r(y(t))}" x2="${MARGIN.left + plotW}" y2="${r(y(t))}" stroke="#e5e7eb"/>`);
    out.push(`<text x="${MARGIN.left - 6}" y="${r(y(t) + 4)}" text-anchor="end" ${TEXT}>${label(t)}</text>`);
  }
  for (const t of xTicks) {
    out.push(`<line x1="${r(x(t))}" y1="${bottom}" x2="${r(x(t))}" y2="${bottom + 4}" stroke="#333"/>`);
    out.push(`<text x="${r(x(t))}" y="${bottom + 18}" text-anchor="middle" ${TEXT}>${label(t)}</text>`);
  }
  out.push(`<line x1="${MARGIN.left}" y1="${MARGIN.top}" x2="${MARGIN.left}" y2="${bottom}" stroke="#333"/>`);
  out.push(`<line x1="${MARGIN.left}" y1="${bottom}" x2="${MARGIN.left + plotW}" y2="${bottom}" stroke="#333"/>`);
  out.push(`<text x="${MARGIN.left + plotW / 2}" y="${height - 8}" text-anchor="middle" ${TEXT}>step</text>`);
  out.push(`<text x="14" y="${MARGIN.top + plotH / 2}" text-anchor="middle" transform="rotate(-90 14 ${MARGIN.top + plotH / 2})" ${TEXT}>loss</text>`);

  // Curves.
  for (const s of series) {
    const coords = s.points.map((p) => `${r(x(p.step))},${r(y(p.loss))}`).join(' ');
    out.push(`<polyline class="${s.dots ? 'validation' : 'training'}" fill="none" stroke="${s.color}" stroke-width="2" points="${coords}"/>`);
    if (s.dots) for (const p of s.points) out.push(`<circle cx="${r(x(p.step))}" cy="${r(y(p.loss))}" r="3" fill="${s.color}"/>`);
  }

  // Legend, above the plot on the right, one entry beside the other.
  const ly = MARGIN.top - 14;
  series.forEach((s, i) => {
    const lx = MARGIN.left + plotW - 260 + i * 130;
    out.push(`<line x1="${lx}" y1="${ly}" x2="${lx + 20}" y2="${ly}" stroke="${s.color}" stroke-width="2"/>`);
    out.push(`<text x="${lx + 26}" y="${ly + 4}" ${TEXT}>${s.name}</text>`);
  });
  out.push('</svg>');
  return out.join('\n') + '\n';
}

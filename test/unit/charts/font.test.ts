import { readFileSync } from 'node:fs';
import { Resvg } from '@resvg/resvg-js';
import { PNG } from 'pngjs';
import { describe, expect, it } from 'vitest';
import { CHART_FONT_FAMILY, chartFont } from '../../../src/charts/font.js';
import { readFontMetrics } from '../../../src/charts/font-metrics.js';
import { rasterizeSvg } from '../../../src/charts/rasterize.js';
import { darkPixels } from './png-inspect.js';

/** The x of the rightmost dark pixel of a PNG. */
function rightmostInk(png: Buffer): number {
  const image = PNG.sync.read(png);
  let right = -1;
  for (let y = 0; y < image.height; y++) {
    for (let x = 0; x < image.width; x++) {
      const i = 4 * (y * image.width + x);
      if (image.data[i]! < 128 && image.data[i + 3]! > 0) right = Math.max(right, x);
    }
  }
  return right;
}

const textSvg = (text: string, size: number, weight = 'normal'): string =>
  `<svg xmlns="http://www.w3.org/2000/svg" width="1200" height="100"><rect width="1200" height="100" fill="#fff"/>` +
  `<text x="10" y="70" style="font-size:${size}px;font-family:${CHART_FONT_FAMILY};font-weight:${weight};">${text}</text></svg>`;

describe('the chart font', () => {
  it('comes from the installed package as TrueType files, regular and bold', () => {
    const font = chartFont();
    expect(font.files).toHaveLength(2);
    for (const file of font.files) expect(readFileSync(file).readUInt32BE(0)).toBe(0x00010000);
  });

  it('is what resvg draws with, without any of the machine\'s fonts', async () => {
    const svg = textSvg('Follower +245.00 USD', 40);
    expect(darkPixels(await rasterizeSvg(svg))).toBeGreaterThan(1500);
    // The same text with no font loaded draws nothing: the ink above comes from the shipped font alone.
    const bare = new Resvg(svg, { font: { loadSystemFonts: false } }).render().asPng();
    expect(darkPixels(bare)).toBe(0);
  });

  it('measures text as wide as resvg draws it, so ECharts lays labels out where they land', async () => {
    const font = chartFont();
    for (const [text, metrics, weight] of [
      ['Master (scaled) +1,234.50 USD', font.regular, 'normal'],
      ['p95 133 ms', font.bold, 'bold'],
      ['max drawdown −210.75 USD · 3–10 Mar', font.regular, 'normal'],
    ] as const) {
      const drawnRight = rightmostInk(await rasterizeSvg(textSvg(text, 40, weight)));
      // The last glyph's right side bearing and anti-aliasing keep the ink a few pixels short of the advance.
      expect(Math.abs(10 + metrics.width(text, 40) - drawnRight), text).toBeLessThan(8);
    }
  });

  it('scales widths with the size and sums them over characters', () => {
    const metrics = readFontMetrics(readFileSync(chartFont().files[0]!));
    expect(metrics.width('ii', 22)).toBeCloseTo(2 * metrics.width('i', 22), 9);
    expect(metrics.width('W', 44)).toBeCloseTo(2 * metrics.width('W', 22), 9);
    expect(metrics.width('W', 22)).toBeGreaterThan(metrics.width('i', 22));
    // The true minus sign has its own glyph, as wide as the plus (DejaVu draws them to match).
    expect(metrics.width('−', 22)).toBeCloseTo(metrics.width('+', 22), 9);
  });

  it('refuses a file that is not a TrueType font', () => {
    expect(() => readFontMetrics(new Uint8Array(64))).toThrow(/no 'head' table/);
  });
});

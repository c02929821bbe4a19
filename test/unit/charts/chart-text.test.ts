import { describe, expect, it } from 'vitest';
import { chartMoney, chartNumber, utcTickLabel } from '../../../src/charts/chart-format.js';
import { expandFontShorthand } from '../../../src/charts/svg-fonts.js';

describe('expandFontShorthand', () => {
  it('rewrites zrender\'s font shorthand into the separate properties resvg reads', () => {
    expect(expandFontShorthand('<text style="font: normal normal 22px DejaVu Sans">4 Mar</text>'))
      .toBe('<text style="font-size:22px;font-family:DejaVu Sans;">4 Mar</text>');
    expect(expandFontShorthand('<text style="font: italic bold 30.5px DejaVu Sans">x</text>'))
      .toBe('<text style="font-size:30.5px;font-family:DejaVu Sans;font-style:italic;font-weight:bold;">x</text>');
  });

  it('leaves other styles and a shorthand without a pixel size alone', () => {
    const svg = '<text style="font-size:22px;font-family:DejaVu Sans;">a</text><text style="font: large serif">b</text>';
    expect(expandFontShorthand(svg)).toBe(svg);
  });
});

describe('chart labels', () => {
  it('formats money with a sign, two decimals, thousands separators and a true minus', () => {
    expect(chartMoney(1234.5)).toBe('+1,234.50');
    expect(chartMoney(-210.75)).toBe('−210.75');
    expect(chartMoney(0)).toBe('0.00');
    expect(chartMoney(-0.001)).toBe('0.00');
  });

  it('formats plain numbers with trimmed decimals', () => {
    expect(chartNumber(45)).toBe('45');
    expect(chartNumber(-0.25)).toBe('−0.25');
    expect(chartNumber(1.5)).toBe('1.5');
    expect(chartNumber(12500)).toBe('12,500');
    expect(chartNumber(-1234.5)).toBe('−1,234.5');
    expect(chartNumber(-0.001)).toBe('0');
    expect(chartNumber(100)).toBe('100');
  });

  it('labels time ticks in UTC: the date at midnight, the time of day otherwise', () => {
    expect(utcTickLabel(Date.UTC(2025, 2, 4))).toBe('4 Mar');
    expect(utcTickLabel(Date.UTC(2025, 11, 31, 14, 30))).toBe('14:30');
    expect(utcTickLabel(Date.UTC(2025, 0, 1, 0, 5))).toBe('00:05');
  });
});

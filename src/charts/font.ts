import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { readFontMetrics, type FontMetrics } from './font-metrics.js';

/**
 * The one font every chart is drawn with: DejaVu Sans from the `dejavu-fonts-ttf` package, so a picture does not
 * depend on the fonts installed on the machine (node:24-slim has none) and golden images stay stable.
 */
export const CHART_FONT_FAMILY = 'DejaVu Sans';

/** The regular and bold faces, as files resvg loads and metrics ECharts lays text out with. */
export interface ChartFont {
  files: readonly string[];
  regular: FontMetrics;
  bold: FontMetrics;
}

let loaded: ChartFont | undefined;

/** Finds the font files inside the installed package (read once, then kept). */
export function chartFont(): ChartFont {
  if (loaded === undefined) {
    const packageDir = dirname(createRequire(import.meta.url).resolve('dejavu-fonts-ttf/package.json'));
    const regularFile = join(packageDir, 'ttf', 'DejaVuSans.ttf');
    const boldFile = join(packageDir, 'ttf', 'DejaVuSans-Bold.ttf');
    loaded = {
      files: [regularFile, boldFile],
      regular: readFontMetrics(readFileSync(regularFile)),
      bold: readFontMetrics(readFileSync(boldFile)),
    };
  }
  return loaded;
}

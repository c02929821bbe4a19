import { renderAsync } from '@resvg/resvg-js';
import { CHART_FONT_FAMILY, chartFont } from './font.js';
import { assertTelegramPhoto } from './telegram-photo.js';

/**
 * Rasterizes a chart SVG to PNG with resvg, off the event loop (resvg renders on the libuv thread pool, so a chart
 * request never stalls the copy path). Only the shipped font is loaded: the machine's fonts are never consulted.
 */
export async function rasterizeSvg(svg: string): Promise<Buffer> {
  const font = chartFont();
  const image = await renderAsync(svg, {
    font: {
      loadSystemFonts: false,
      fontFiles: [...font.files],
      defaultFontFamily: CHART_FONT_FAMILY,
      sansSerifFamily: CHART_FONT_FAMILY,
    },
    background: '#ffffff',
    fitTo: { mode: 'original' },
    logLevel: 'off',
  });
  const png = image.asPng();
  assertTelegramPhoto(png);
  return png;
}

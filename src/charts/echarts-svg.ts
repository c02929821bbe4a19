import * as echarts from 'echarts/core';
import { CustomChart, LineChart } from 'echarts/charts';
import { GraphicComponent, GridComponent, LegendComponent, MarkLineComponent, TitleComponent } from 'echarts/components';
import { SVGRenderer } from 'echarts/renderers';
import { chartFont } from './font.js';
import { expandFontShorthand } from './svg-fonts.js';

let ready = false;

/**
 * Registers the parts of ECharts the charts use and makes zrender measure text with the chart font's own metrics.
 * `setPlatformAPI` is process-wide; nothing else in the process draws with ECharts.
 */
function ensureReady(): void {
  if (ready) return;
  echarts.use([LineChart, CustomChart, GridComponent, LegendComponent, TitleComponent, MarkLineComponent, GraphicComponent, SVGRenderer]);
  const font = chartFont();
  echarts.setPlatformAPI({
    measureText: (text: string, cssFont?: string) => {
      const spec = cssFont ?? '';
      const size = Number(/(\d+(?:\.\d+)?)px/.exec(spec)?.[1] ?? 12);
      const metrics = /\b(bold|bolder|[6-9]00)\b/.test(spec) ? font.bold : font.regular;
      return { width: metrics.width(text, size) };
    },
  });
  ready = true;
}

/**
 * Renders an ECharts option to an SVG string with the server-side renderer (no DOM, no canvas, no animation), with
 * every font written in the long form resvg reads.
 */
export function renderOptionToSvg(option: echarts.EChartsCoreOption, width: number, height: number): string {
  ensureReady();
  const chart = echarts.init(null, null, { renderer: 'svg', ssr: true, width, height });
  try {
    chart.setOption({ animation: false, ...option });
    return expandFontShorthand(chart.renderToSVGString());
  } finally {
    // The instance owns a zrender animation loop; disposing it lets the process exit.
    chart.dispose();
  }
}

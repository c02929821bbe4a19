import { baseOption, CHART_SIZE, CHART_TEXT } from './style.js';

/** The option for a chart with nothing to plot: the title block and one sentence in the middle of the picture. */
export function emptyChartOption(title: string, subtitle: string, message: string): Record<string, unknown> {
  return {
    ...baseOption(title, subtitle),
    graphic: [
      {
        type: 'text',
        left: 'center',
        top: CHART_SIZE.height / 2,
        style: { text: message, fontFamily: CHART_TEXT.family, fontSize: 40, fill: CHART_TEXT.muted, textAlign: 'center' },
      },
    ],
  };
}

/** Cumulative realized P&L of a follower's copies against the master's on the same trades, scaled to the follower. */
export interface PnlChartInput { title: string; subtitle: string; currency: string; fromMs: number; toMs: number;
  follower: { tMs: number; value: number }[];
  master: { tMs: number; value: number }[];
}

/** A distribution over a period: latency in ms, slippage in points. */
export interface DistributionChartInput { title: string; subtitle: string; unit: string; samples: number[] }

/** A rendered chart: the PNG to send as a Telegram photo and the SVG it was rasterized from. */
export interface ChartImage {
  png: Buffer;
  svg: string;
}

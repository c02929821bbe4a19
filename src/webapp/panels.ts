/**
 * The dashboard's extension panels. Each is a placeholder until its `source` names a GET route of the API route
 * table that answers with `PanelData` (see types.ts); the page then renders it without any change to the page.
 *
 * To plug one in (e.g. today's P&L once the control API has it): add an `ApiRoute` such as
 * `{ method: 'GET', path: '/api/panels/pnl-today', handle: (req) => ({ status: 200, json: <PanelData for req.user> }) }`
 * to `WebAppOptions.routes`, and pass the panel with `source: '/api/panels/pnl-today'` in `WebAppOptions.panels`
 * (or change its entry below). Charts return `{ kind: 'image', src: '/api/charts/…' }` with a second route that
 * answers the PNG bytes (`{ status, bytes, contentType: 'image/png' }`).
 */
import type { DashboardPanel } from './types.js';

export const DEFAULT_PANELS: readonly DashboardPanel[] = [
  { id: 'pnl-today', title: "Today's P&L", source: null, description: 'Profit and loss of the copies today, per follower.' },
  { id: 'copy-quality', title: 'Copy quality', source: null, description: 'Slippage and latency of recent copies, per follower.' },
  { id: 'charts', title: 'Charts', source: null, description: 'Equity and drawdown charts of the followers.' },
];

/** The default panels with some of them replaced (same `id`) or added. */
export function withPanels(overrides: readonly DashboardPanel[]): DashboardPanel[] {
  const out = DEFAULT_PANELS.map((p) => overrides.find((o) => o.id === p.id) ?? p);
  for (const o of overrides) if (!out.some((p) => p.id === o.id)) out.push(o);
  return out;
}

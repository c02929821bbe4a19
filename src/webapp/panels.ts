/**
 * The dashboard's panels: by default the money panels of report-panels.ts (today's P&L, copy quality, charts). A panel
 * is a `source` naming a GET route of the API route table that answers with `PanelData` (see types.ts), so the page
 * renders a new one without any change to the page; `source: null` is a placeholder shown as "not available yet".
 * `WebAppOptions.panels` replaces a panel (same `id`) or adds one, and `WebAppOptions.routes` replaces a route (same
 * method and path) or adds one.
 */
import { REPORT_PANELS } from './report-panels.js';
import type { DashboardPanel } from './types.js';

export const DEFAULT_PANELS: readonly DashboardPanel[] = REPORT_PANELS;

/** The default panels with some of them replaced (same `id`) or added. */
export function withPanels(overrides: readonly DashboardPanel[]): DashboardPanel[] {
  const out = DEFAULT_PANELS.map((p) => overrides.find((o) => o.id === p.id) ?? p);
  for (const o of overrides) if (!out.some((p) => p.id === o.id)) out.push(o);
  return out;
}

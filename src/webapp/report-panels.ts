/**
 * The dashboard's money panels, plugged into the panel extension point (panels.ts): today's P&L per follower with the
 * master beside it, copy quality per follower over the last 7 days, and the report charts as images. Each is a GET
 * route of the same table, answering `PanelData` for the session's user only: an owner's panels list their own
 * followers and nothing else, and a chart of a follower the user may not see is a 404 that says no more than an
 * unknown id would. Every figure comes from the control API's reports (bounded, cached history reads; never the copy
 * path), money formatted from integer minor units as the chat does.
 */
import type { ReportChartKind, ReportCharts } from '../charts/report-charts.js';
import { REPORT_CHART_KINDS } from '../charts/report-charts.js';
import type { BotControl } from '../bot/ports.js';
import { fmtMinor } from '../bot/format/reports.js';
import { FxmirrorError } from '../domain/errors.js';
import { parsePeriod } from '../domain/performance/period.js';
import type { ReportPeriod } from '../domain/performance/period.js';
import type { AccountRefView, QualityView } from '../engine/control-types.js';
import type { Access } from './access.js';
import type { ApiRoute, DashboardPanel, PanelData, WebUser } from './types.js';
import { WebError } from './types.js';

/** Most followers a panel lists; the note says how many more there are. */
export const MAX_PANEL_FOLLOWERS = 12;
/** Most chart images the charts panel shows (one per follower). */
export const MAX_PANEL_CHARTS = 4;

export const REPORT_PANELS: readonly DashboardPanel[] = [
  { id: 'pnl-today', title: "Today's P&L", source: '/api/panels/pnl-today', description: 'Realized P&L of the copies closed today (broker server day), per follower, with the master on the same trades at the follower’s size.' },
  { id: 'copy-quality', title: 'Copy quality (7 days)', source: '/api/panels/copy-quality', description: 'Tracking error against the master, slippage cost, lot rounding and latency, per follower.' },
  { id: 'charts', title: 'Charts (30 days)', source: '/api/panels/charts', description: 'Cumulative P&L of each follower against the master’s scaled to its size, drawdown shaded.' },
];

export interface ReportPanelDeps {
  control: Pick<BotControl, 'status' | 'profitReport' | 'qualityReport'>;
  access: Pick<Access, 'canSee'>;
  charts: Pick<ReportCharts, 'chart'>;
}

const money = (minor: number | null | undefined, a: Pick<AccountRefView, 'currency' | 'digits'>): string =>
  minor === null || minor === undefined ? '—' : `${fmtMinor(minor, a.digits)} ${a.currency}`;
const pct = (x: number | null): string => (x === null ? '—' : `${Math.round(x * 100)}%`);
const ms = (x: number | null): string => (x === null ? '—' : `${Math.round(x)} ms`);

function visibleFollowers(deps: ReportPanelDeps, user: WebUser | null): { id: string; name: string }[] {
  if (user === null) return [];
  return deps.control.status().followers.filter((f) => deps.access.canSee(user, f.id)).map((f) => ({ id: f.id, name: f.name }));
}

function moreNote(total: number, shown: number, command: string): string | undefined {
  return total > shown ? `${shown} of ${total} followers shown; ${command} in the chat covers any follower.` : undefined;
}

/** One follower's report, or the reason it could not be read as a table cell (one slow broker does not blank the panel). */
async function settle<T>(read: () => Promise<T>): Promise<{ ok: true; value: T } | { ok: false; why: string }> {
  try {
    return { ok: true, value: await read() };
  } catch (err) {
    return { ok: false, why: err instanceof FxmirrorError && err.action === 'retry' ? 'history not available now' : 'could not be read' };
  }
}

async function pnlToday(deps: ReportPanelDeps, user: WebUser | null): Promise<PanelData> {
  const all = visibleFollowers(deps, user);
  const shown = all.slice(0, MAX_PANEL_FOLLOWERS);
  const reports = await Promise.all(shown.map((f) => settle(() => deps.control.profitReport(f.id, { kind: 'today' }))));
  const rows = shown.map((f, i): string[] => {
    const r = reports[i];
    if (r === undefined || !r.ok) return [f.name, '—', r === undefined ? '—' : r.why, '—', '—'];
    const v = r.value;
    const masterNet = v.masterScaled.trades === 0 ? '—' : money(v.masterScaled.net, v.follower);
    return [f.name, String(v.figures.trades), money(v.figures.net, v.follower), masterNet, pct(v.figures.winRate)];
  });
  const note = all.length === 0 ? 'No followers to show.' : moreNote(all.length, shown.length, '/profit');
  return { kind: 'table', columns: ['Follower', 'Closed', 'P&L', 'Master (scaled)', 'Win rate'], rows, ...(note === undefined ? {} : { note }) };
}

function qualityRow(name: string, q: QualityView): string[] {
  const slippage = q.slippageOpen.cost + q.slippageClose.cost;
  const rounding = q.rounding.ratio === null ? '—' : `${(q.rounding.ratio * 100).toFixed(1)}%`;
  const notCopied = q.notCopied.reduce((n, r) => n + r.trades, 0);
  return [
    name,
    q.compared === 0 ? '—' : money(q.trackingError, q.follower),
    q.slippageOpen.copies + q.slippageClose.copies === 0 ? '—' : money(-slippage, q.follower),
    rounding,
    String(notCopied),
    q.latency.samples === 0 ? '—' : `${ms(q.latency.p50Ms)} / ${ms(q.latency.p95Ms)}`,
  ];
}

async function copyQuality(deps: ReportPanelDeps, user: WebUser | null): Promise<PanelData> {
  const all = visibleFollowers(deps, user);
  const shown = all.slice(0, MAX_PANEL_FOLLOWERS);
  const period: ReportPeriod = { kind: 'days', days: 7 };
  const reports = await Promise.all(shown.map((f) => settle(() => deps.control.qualityReport(f.id, period))));
  const rows = shown.map((f, i): string[] => {
    const r = reports[i];
    if (r === undefined || !r.ok) return [f.name, r === undefined ? '—' : r.why, '—', '—', '—', '—'];
    return qualityRow(f.name, r.value);
  });
  const note = all.length === 0 ? 'No followers to show.' : moreNote(all.length, shown.length, '/quality');
  return {
    kind: 'table',
    columns: ['Follower', 'Tracking error', 'Slippage', 'Lots copied', 'Not copied', 'Latency p50 / p95'],
    rows,
    ...(note === undefined ? {} : { note }),
  };
}

function chartsPanel(deps: ReportPanelDeps, user: WebUser | null): PanelData {
  const all = visibleFollowers(deps, user);
  const shown = all.slice(0, MAX_PANEL_CHARTS);
  const images = shown.map((f) => ({ src: `/api/charts/${encodeURIComponent(f.id)}/pnl?period=30d`, alt: `${f.name}: cumulative P&L against the master, last 30 days` }));
  const note = all.length === 0 ? 'No followers to show.' : moreNote(all.length, shown.length, '/chart');
  return { kind: 'images', images, ...(note === undefined ? {} : { note }) };
}

function chartKindOf(text: string | undefined): ReportChartKind {
  const kind = REPORT_CHART_KINDS.find((k) => k === text);
  if (kind === undefined) throw new WebError(400, 'invalid_chart', `The chart must be one of ${REPORT_CHART_KINDS.join(', ')}.`);
  return kind;
}

function periodOf(text: string | null): ReportPeriod {
  if (text === null) return { kind: 'days', days: 30 };
  const period = text.length <= 16 ? parsePeriod(text) : null;
  if (period === null) throw new WebError(400, 'invalid_period', 'The period must be today, yesterday, 7d, 30d, all or a date (YYYY-MM-DD).');
  return period;
}

/** The panels' routes: three panel sources and the chart images they point at. */
export function reportRoutes(deps: ReportPanelDeps): ApiRoute[] {
  return [
    { method: 'GET', path: '/api/panels/pnl-today', handle: async (req) => ({ status: 200, json: await pnlToday(deps, req.user) }) },
    { method: 'GET', path: '/api/panels/copy-quality', handle: async (req) => ({ status: 200, json: await copyQuality(deps, req.user) }) },
    { method: 'GET', path: '/api/panels/charts', handle: (req) => ({ status: 200, json: chartsPanel(deps, req.user) }) },
    {
      method: 'GET',
      path: '/api/charts/:id/:kind',
      handle: async (req) => {
        const id = req.params.id ?? '';
        // Not visible and not existing read the same: an owner learns nothing about other people's followers.
        if (req.user === null || !deps.access.canSee(req.user, id) || !deps.control.status().followers.some((f) => f.id === id)) {
          throw new WebError(404, 'not_found', 'No such follower.');
        }
        const chart = await deps.charts.chart(id, chartKindOf(req.params.kind), periodOf(req.query.get('period')));
        return { status: 200, bytes: chart.png, contentType: 'image/png' };
      },
    },
  ];
}

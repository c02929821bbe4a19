/**
 * Report views (control API) → message text (HTML). Pure. Money is formatted from integer minor units, never through
 * a float; tables are monospace lines, one `<code>` per line so a long message splits cleanly.
 */
import { minorToDecimal } from '../../domain/performance/money.js';
import type { AccountRefView, FiguresView, PeriodTableView, PeriodView, ProfitView, QualityView, SymbolTableView, TableRowView } from '../../engine/control-types.js';
import { b, code, escapeHtml } from './html.js';
import { fmtDuration, fmtNum } from './numbers.js';
import { reasonHtml } from './reasons.js';

/** `1234567` minor, 2 digits → `+12,345.67`; `signed` puts + on gains; negatives always get −. */
export function fmtMinor(minor: number | null | undefined, digits: number, signed = true): string {
  if (minor === null || minor === undefined) return '—';
  const text = minorToDecimal(Math.abs(minor), digits);
  const [whole = '0', fraction] = text.split('.');
  const grouped = whole.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  const sign = minor < 0 ? '−' : signed && minor > 0 ? '+' : '';
  return `${sign}${grouped}${fraction === undefined ? '' : `.${fraction}`}`;
}

/** Money with its currency: `+12.50 USD`. */
export function fmtAmount(minor: number | null | undefined, a: Pick<AccountRefView, 'currency' | 'digits'>, signed = true): string {
  return minor === null || minor === undefined ? '—' : `${fmtMinor(minor, a.digits, signed)} ${escapeHtml(a.currency)}`;
}

const pct = (x: number | null): string => (x === null ? '—' : `${Math.round(x * 100)}%`);

/** `UTC+3`, `UTC−4:30`, `UTC`. */
export function fmtOffset(seconds: number): string {
  if (seconds === 0) return 'UTC';
  const abs = Math.abs(seconds);
  const h = Math.floor(abs / 3600);
  const m = Math.floor((abs % 3600) / 60);
  return `UTC${seconds < 0 ? '−' : '+'}${h}${m === 0 ? '' : `:${String(m).padStart(2, '0')}`}`;
}

const utcMinute = (ms: number): string => new Date(ms).toISOString().slice(0, 16).replace('T', ' ');

/** "last 7 days: 2026-11-19 21:00 → 2026-11-25 12:00 UTC (broker server time UTC+3)". */
export function periodLine(p: PeriodView): string {
  const from = p.fromMs === null ? 'the start of the history' : utcMinute(p.fromMs);
  return `${escapeHtml(p.label)}: ${from} → ${utcMinute(p.toMs)} UTC (broker days in server time, ${fmtOffset(p.utcOffsetSeconds)})`;
}

const name = (a: AccountRefView): string => b(a.name);

function figuresLines(f: FiguresView, a: AccountRefView): string[] {
  const lines = [
    `Realized: ${b(fmtAmount(f.net, a))} on ${f.trades} closed ${f.trades === 1 ? 'trade' : 'trades'} (profit ${fmtMinor(f.profit, a.digits)}, swap ${fmtMinor(f.swap, a.digits)}, commission ${fmtMinor(f.commission, a.digits)})`,
    `Win rate: ${pct(f.winRate)} (${f.wins} won, ${f.losses} lost) · max drawdown ${fmtAmount(f.maxDrawdown, a, false)}`,
  ];
  if (f.best !== null && f.worst !== null) {
    lines.push(`Best: ${fmtMinor(f.best.net, a.digits)} (${escapeHtml(f.best.symbol)} #${f.best.masterTicket}) · worst: ${fmtMinor(f.worst.net, a.digits)} (${escapeHtml(f.worst.symbol)} #${f.worst.masterTicket})`);
  }
  return lines;
}

/** `/profit` for one follower. */
export function formatProfit(v: ProfitView): string {
  const head = [`💰 ${name(v.follower)} — ${periodLine(v.period)}`];
  if (v.figures.trades === 0) {
    const open = v.openCopies > 0 ? ` (${v.openCopies} still open)` : '';
    return [...head, `No closed copies in this period${open}.`].join('\n');
  }
  const lines = [...head, ...figuresLines(v.figures, v.follower)];
  if (v.openCopies > 0) lines.push(`<i>${v.openCopies} ${v.openCopies === 1 ? 'copy is' : 'copies are'} still open (not realized yet).</i>`);
  for (const m of v.masters) {
    lines.push('', `Master ${name(m.master)} on the same trades:`);
    if (m.figures.trades > 0) lines.push(...figuresLines(m.figures, m.master));
    const missing = [m.stillOpen > 0 ? `${m.stillOpen} still open on the master` : '', m.notFound > 0 ? `${m.notFound} not found in its history` : ''].filter((s) => s !== '');
    if (missing.length > 0) lines.push(`<i>Not counted: ${missing.join(', ')}.</i>`);
  }
  if (v.masterScaled.trades > 0) {
    const gap = v.figures.net - v.masterScaled.net;
    lines.push(
      '',
      `Master at your size: ${b(fmtAmount(v.masterScaled.net, v.follower))} on ${v.masterScaled.trades} ${v.masterScaled.trades === 1 ? 'trade' : 'trades'} · you are ${gap >= 0 ? 'ahead by' : 'behind by'} ${fmtAmount(Math.abs(gap), v.follower, false)}`,
    );
    if (v.masterScaled.trades < v.figures.trades) lines.push(`<i>(on the ${v.masterScaled.trades} trades whose master result is known)</i>`);
  }
  return lines.join('\n');
}

const COL = { label: 16, trades: 6, money: 13 } as const;

function tableLine(cells: { label: string; trades: string; net: string; master: string }): string {
  return code(`${cells.label.padEnd(COL.label)}${cells.trades.padStart(COL.trades)}${cells.net.padStart(COL.money)}${cells.master.padStart(COL.money)}`);
}

function rowLine(r: TableRowView, digits: number): string {
  const partial = r.masterNet !== null && r.masterTrades < r.trades ? '*' : '';
  return tableLine({
    label: r.label.length > COL.label - 1 ? `${r.label.slice(0, COL.label - 2)}…` : r.label,
    trades: String(r.trades),
    net: fmtMinor(r.net, digits),
    master: r.trades === 0 ? '' : `${fmtMinor(r.masterNet, digits)}${partial}`,
  });
}

function table(rows: readonly TableRowView[], total: TableRowView, a: AccountRefView, first: string): string[] {
  const lines = [tableLine({ label: first, trades: 'trades', net: `P&L ${a.currency}`, master: 'master' }), ...rows.map((r) => rowLine(r, a.digits)), rowLine(total, a.digits)];
  if ([...rows, total].some((r) => r.masterNet !== null && r.masterTrades < r.trades)) lines.push('<i>* master result known for only part of the trades</i>');
  lines.push('<i>master = the master on the same trades, at your size</i>');
  return lines;
}

const UNIT_WORD = { day: 'day', week: 'week', month: 'month' } as const;

/** `/daily`, `/weekly`, `/monthly` for one follower. */
export function formatPeriodTable(v: PeriodTableView): string {
  const head = `📅 ${name(v.follower)} by ${UNIT_WORD[v.unit]} — ${periodLine(v.period)}`;
  if (v.total.trades === 0) return `${head}\nNo closed copies in this period.`;
  return [head, ...table(v.rows, v.total, v.follower, UNIT_WORD[v.unit])].join('\n');
}

/** `/performance` for one follower. */
export function formatSymbolTable(v: SymbolTableView): string {
  const head = `📊 ${name(v.follower)} by symbol — ${periodLine(v.period)}`;
  if (v.total.trades === 0) return `${head}\nNo closed copies in this period.`;
  return [head, ...table(v.rows, v.total, v.follower, 'symbol')].join('\n');
}

const pts = (x: number | null): string => (x === null ? '—' : `${x > 0 ? '+' : x < 0 ? '−' : ''}${fmtNum(Math.abs(x), 1)}`);

/** `/quality` for one follower. */
export function formatQuality(v: QualityView): string {
  const a = v.follower;
  const lines = [`🎯 ${name(a)} copy quality — ${periodLine(v.period)}`];
  const nothing = v.compared === 0 && v.uncompared === 0 && v.notCopied.length === 0;
  if (nothing) return `${lines[0]}\nNo closed copies and no skipped master trades in this period.`;
  if (v.compared > 0) {
    const behind = -v.trackingError;
    lines.push(
      `Against the master on ${v.compared} ${v.compared === 1 ? 'trade' : 'trades'} at your size: ${behind >= 0 ? 'behind by' : 'ahead by'} ${b(fmtAmount(Math.abs(behind), a, false))}`,
      `• slippage at the open: ${fmtAmount(v.slippageOpen.cost, a)} (points per copy: mean ${pts(v.slippageOpen.meanPoints)}, p50 ${pts(v.slippageOpen.p50Points)}, p95 ${pts(v.slippageOpen.p95Points)})`,
      `• slippage at the close: ${fmtAmount(v.slippageClose.cost, a)} (mean ${pts(v.slippageClose.meanPoints)}, p50 ${pts(v.slippageClose.p50Points)}, p95 ${pts(v.slippageClose.p95Points)} pts)`,
      `• swap and commission beyond the master's: ${fmtAmount(v.fees, a)}`,
      `• other (price feeds, conversion at today's tick value): ${fmtAmount(v.other, a)}`,
      '<i>Amounts are what each cause cost you (+) or gained you (−).</i>',
    );
  }
  if (v.uncompared > 0) lines.push(`<i>${v.uncompared} closed ${v.uncompared === 1 ? 'copy' : 'copies'} not compared (master still open, not found, or symbol values unknown).</i>`);
  const r = v.rounding;
  if (r.opens > 0) {
    const worst = r.worst === null ? '' : `, worst ${fmtNum(r.worst.ratio * 100, 1)}% (#${r.worst.masterTicket})`;
    const cost = r.cost === null || r.rounded === 0 ? '' : ` · the lots rounded away would have made ${fmtAmount(r.cost, a)}`;
    lines.push('', `Lot rounding: ${fmtNum((r.ratio ?? 1) * 100, 2)}% of the asked lots copied; ${r.rounded} of ${r.opens} opens rounded${worst}${cost}`);
  }
  if (r.unknown > 0) lines.push(`<i>${r.unknown} opens resized by margin or the symbol maximum are not in the rounding figure.</i>`);
  if (v.notCopied.length > 0) {
    lines.push('', 'Master trades not copied:');
    const masters = new Map(v.masters.map((m) => [m.id, m] as const));
    for (const n of v.notCopied) {
      const made = n.masterNet.map((m) => {
        const master = masters.get(m.masterId);
        return master === undefined ? fmtMinor(m.net, 2) : fmtAmount(m.net, master);
      });
      const unknown = n.unknown > 0 ? `${made.length > 0 ? ', ' : ''}${n.unknown} still open or not found` : '';
      lines.push(`• ${reasonHtml(n.reason)}: ${n.trades} — the master made ${made.length > 0 ? made.join(' + ') : '—'}${unknown}`);
    }
  }
  const l = v.latency;
  if (l.samples > 0) lines.push('', `Latency, master fill → your fill: p50 ${fmtDuration(l.p50Ms)} · p95 ${fmtDuration(l.p95Ms)} · max ${fmtDuration(l.maxMs)} (${l.samples} copies)`);
  return lines.join('\n');
}

/**
 * The invariants, checked from the simulator's own books at the end of the trial:
 *
 * - every follower holds, for every open master position and pending order it follows, exactly what the copy rules
 *   say (symbol per map/alias/suffix, side, volume per sizing and partial-close rounding, SL/TP, pending price), or
 *   nothing when the rules say skip;
 * - no duplicate copies (two live copies of one master position on a hedging follower, at the end or at any moment
 *   an order arrived), no orphans (a copy whose master position is gone);
 * - no lost events (a copy that should exist and does not, a stale volume or stop level);
 * - every rejection and unknown outcome the broker produced reached the copier's journal or its event stream.
 *
 * The expected books are computed with the domain's own functions (symbol resolution, sizing, volume grid, partial
 * close rounding, stop mapping), from what the masters did, never from what the copier says it did. The copier's
 * journal is used only to tell which legs it saw live and whether it reported what went wrong.
 */
import type { FollowerConfig, Sizing } from '../../src/domain/config.js';
import { checkSide, checkSymbolFilter, mapStops, oppositeSide, reverseOperation } from '../../src/domain/rules.js';
import { sizeVolume } from '../../src/domain/sizing.js';
import { resolveSymbol } from '../../src/domain/symbols.js';
import { masterShortId } from '../../src/domain/tags.js';
import { lotsToStepsFloor, lotsToStepsRound, partialCloseVolume, roundLots, stepsToLots, volumeGrid } from '../../src/domain/volume.js';
import type { OpenedOrder, Sim, SymbolSpec as SimSymbolSpec } from '../../src/sim/index.js';
import type { JournalEntry } from '../../src/store/index.js';
import type { Incarnation } from './copier.js';
import type { MasterDriver, PositionHistory } from './driver.js';
import type { Outcome, SimRecorder } from './recorder.js';
import type { TrialWorld } from './world.js';
import { specIndex } from './world.js';

/** A line of the copier's chat (its event stream: console stdout, or the Telegram messages) and when the runner got it. */
export interface StreamLine {
  at: number;
  line: string;
}

/** One finding, for the report. */
export interface Finding {
  follower: string;
  master: string;
  ticket: number;
  what: string;
}

export interface CheckResult {
  /** (follower, master row) pairs checked. */
  pairs: number;
  copiesExpected: number;
  copiesPresent: number;
  skippedByRules: Record<string, number>;
  /** Missing copies the rules explain: margin at its limit, too old or moved too far to open late (reported). */
  justifiedMissing: Record<string, number>;
  lost: Finding[];
  duplicates: Finding[];
  orphans: Finding[];
  wrongVolume: Finding[];
  wrongStops: Finding[];
  wrongOther: Finding[];
  unreported: Finding[];
  outcomes: { rejections: number; unknown: number; reported: number; lostToKill: number };
  /**
   * Copies whose volume differs from the all-live path because reconciliation sized or fixed them (a missed open or
   * partial close): reconciliation rounds the master's current ratio down, the live path rounds the closed part down.
   */
  volumeByReconcilePath: number;
  /**
   * Master pendings that filled while the follower's pending copy has not reached its own trigger yet: by the copy
   * rules (docs/copy-semantics.md) the copy fills at the follower's trigger, nothing is sent at market.
   */
  awaitingFollowerTrigger: number;
}

const EPS = 1e-9;

const sideOfType = (t: string): 'buy' | 'sell' => (t.startsWith('Buy') ? 'buy' : 'sell');

/** The domain's view of a simulator symbol spec (what sizing and the volume grid need). */
function domainSpec(s: SimSymbolSpec): { volumeMin: number; volumeMax: number; volumeStep: number; digits: number; tickSize: number; tickValue: number } {
  return { volumeMin: s.volumeMin, volumeMax: s.volumeMax, volumeStep: s.volumeStep, digits: s.digits, tickSize: 10 ** -s.digits, tickValue: 0 };
}

type VSpec = ReturnType<typeof domainSpec>;

function roundPrice(price: number, digits: number): number {
  if (!(price > 0)) return 0;
  const s = 10 ** digits;
  return Math.round(price * s) / s;
}

function samePrice(a: number, b: number, digits: number): boolean {
  return Math.abs(a - b) < 0.5 * 10 ** -digits;
}

/**
 * A reconciliation of a link (`reconcile.ts` driftTarget + stepsToward, ledger-ratio branch): the copy moves by whole
 * steps toward the ledger's ratio times the master's volume now, rounded toward the copy as it is; a rest below the
 * minimum closes it. An unchanged copy keeps its link as it was (nothing is sent, nothing recorded).
 */
function reconcileLink(l: { v: number; mv: number }, mNow: number, spec: VSpec): { v: number; mv: number } {
  if (!(l.mv > 0) || !(l.v > 0)) return l;
  const grid = volumeGrid(spec);
  const ideal = (l.v * mNow) / l.mv;
  const have = lotsToStepsRound(l.v, grid);
  let steps: number;
  if (ideal < l.v) {
    const rest = have - lotsToStepsFloor(l.v - ideal, grid);
    steps = rest > 0 && rest < grid.minSteps ? 0 : rest;
  } else {
    steps = Math.max(have, Math.min(grid.maxSteps, have + lotsToStepsFloor(ideal - l.v, grid)));
  }
  if (steps === have) return l;
  return steps === 0 ? { v: 0, mv: 0 } : { v: stepsToLots(steps, grid), mv: mNow };
}

function sameLots(a: number, b: number, spec: VSpec): boolean {
  const grid = volumeGrid(spec);
  return lotsToStepsRound(a, grid) === lotsToStepsRound(b, grid);
}

/** A live partial close of a link (`plan.ts` planClose + `apply-results.ts`). */
function liveClose(link: { v: number; mv: number }, before: number, closed: number, spec: VSpec): { v: number; mv: number } {
  if (!(closed < before)) return { v: 0, mv: 0 };
  const p = partialCloseVolume(link.v, closed / before, spec);
  if (p.volume === 0) return link;
  if (p.whole) return { v: 0, mv: 0 };
  return { v: roundLots(link.v - p.volume), mv: roundLots(before - closed) };
}

/**
 * Follower volume of one master position: the canonical value (every event seen live, then a last reconciliation) and
 * the set a copier that missed some events (down, frames dropped) and reconciled at some point in between could
 * legitimately end with.
 */
function volumeOutcomes(sized: (masterVolume: number) => number[], hist: PositionHistory, spec: VSpec): { canonical: number; possible: Set<number> } {
  const closes = hist.closes.filter((c) => c.closed < c.before);
  const masterAfter = (i: number) => (i < 0 ? hist.openVolume : roundLots((closes[i] as { before: number; closed: number }).before - (closes[i] as { closed: number }).closed));
  const [first] = sized(hist.openVolume);
  let link = { v: first ?? 0, mv: hist.openVolume };
  for (const c of closes) link = liveClose(link, c.before, c.closed, spec);
  const canonical = link.v > 0 ? reconcileLink(link, masterAfter(closes.length - 1), spec).v : 0;
  const possible = new Set<number>();
  const key = (x: number) => roundLots(x);
  // State: link (or null while the open itself was missed), position in the close list.
  const walk = (i: number, l: { v: number; mv: number } | null): void => {
    const mNow = masterAfter(i - 1);
    // A reconciliation here: opens a missed copy (sized from the master's volume now) or fixes drift.
    const reconciled: ({ v: number; mv: number } | null)[] = [l];
    if (l === null) for (const v of sized(mNow)) reconciled.push(v > 0 ? { v, mv: mNow } : { v: 0, mv: 0 });
    else if (l.v > 0) reconciled.push(reconcileLink(l, mNow, spec));
    for (const r of reconciled) {
      if (i === closes.length) {
        if (r === null) continue;
        possible.add(key(r.v > 0 ? reconcileLink(r, mNow, spec).v : 0));
        continue;
      }
      const c = closes[i] as { before: number; closed: number };
      if (r === null) {
        walk(i + 1, null);
        continue;
      }
      walk(i + 1, r); // missed
      if (r.v > 0) walk(i + 1, liveClose(r, c.before, c.closed, spec)); // seen live
    }
  };
  for (const v of sized(hist.openVolume)) walk(0, v > 0 ? { v, mv: hist.openVolume } : { v: 0, mv: 0 });
  walk(0, null);
  return { canonical: key(canonical), possible };
}

interface Entry {
  symbol: string;
  spec: VSpec;
  followerSide: 'buy' | 'sell';
}

/** The entry checks a market open or pending placement passes (filters, side, symbol), or the skip reason. */
function entry(cfg: FollowerConfig, followerSymbols: readonly string[], specs: ReadonlyMap<string, SimSymbolSpec>, masterSymbol: string, masterSide: 'buy' | 'sell'): Entry | string {
  const filter = checkSymbolFilter(cfg.filters, masterSymbol);
  if (!filter.ok) return filter.reason;
  const side = checkSide(cfg.filters, masterSide);
  if (!side.ok) return side.reason;
  const resolved = resolveSymbol(masterSymbol, followerSymbols, cfg.symbolMap);
  if (!resolved.ok) return resolved.reason;
  const s = specs.get(resolved.symbol);
  if (s === undefined) return 'spec_unknown';
  return { symbol: resolved.symbol, spec: domainSpec(s), followerSide: cfg.filters.reverse ? oppositeSide(masterSide) : masterSide };
}

/** Sized volumes (a set: ratio sizing reads balances that move a little during the trial). */
function sizer(cfg: FollowerConfig, spec: VSpec, balances: { master: number[]; follower: number[] }): (masterVolume: number) => number[] {
  return (masterVolume) => {
    const out = new Set<number>();
    const pairs: { m: number; f: number }[] = [];
    for (const m of balances.master) for (const f of balances.follower) pairs.push({ m, f });
    for (const { m, f } of cfg.sizing.mode === 'balance_ratio' || cfg.sizing.mode === 'equity_ratio' ? pairs : [pairs[0] ?? { m: 1, f: 1 }]) {
      const summary = (b: number) => ({ balance: b, equity: b, credit: 0, profit: 0, margin: 0, freeMargin: b, marginLevel: 0, leverage: 100, currency: 'USD', type: 'Demo' });
      const d = sizeVolume(cfg.sizing as Sizing, { masterVolume, masterSummary: summary(m), followerSummary: summary(f), entryPrice: 0, stopLoss: 0, followerSpec: spec }, spec, cfg.risk);
      out.add(d.ok ? d.volume : 0);
    }
    return [...out];
  };
}

/** One message the copier printed (its console chat: alerts and reports), with the time its first line was read. */
export interface StreamMessage {
  at: number;
  lines: string[];
}

/** Groups the copier's stdout into console-chat messages (each starts with a `── bot` rule). */
export function messagesOf(stream: readonly StreamLine[]): StreamMessage[] {
  const out: StreamMessage[] = [];
  let current: StreamMessage | null = null;
  for (const s of stream) {
    if (s.line.startsWith('── bot')) {
      current = { at: s.at, lines: [] };
      out.push(current);
      continue;
    }
    if (s.line.startsWith('--- incarnation')) {
      current = null;
      continue;
    }
    current?.lines.push(s.line);
  }
  return out;
}

/** What the copier's messages say: each follower's leg status per master ticket, and stale copies it reported. */
export function parseMessages(messages: readonly StreamMessage[]): {
  legs: { at: number; follower: string; ticket: number; status: string }[];
  stale: Set<string>;
  pendingGone: Set<string>;
} {
  const legs: { at: number; follower: string; ticket: number; status: string }[] = [];
  const stale = new Set<string>();
  const pendingGone = new Set<string>();
  for (const m of messages) {
    const first = m.lines[0] ?? '';
    if (first.startsWith('📋')) {
      const ticket = /#(\d+)\s*$/.exec(first);
      if (ticket) {
        for (const line of m.lines.slice(1)) {
          const leg = /^\S+\s+(\S+): (\w+)/.exec(line);
          if (leg) legs.push({ at: m.at, follower: leg[1] as string, ticket: Number(ticket[1]), status: leg[2] as string });
        }
      }
      continue;
    }
    let follower: string | null = null;
    for (const line of m.lines) {
      const head = /^(\S+):$/.exec(line);
      if (head) {
        follower = head[1] as string;
        continue;
      }
      const action = /^• (.+?) \(master #(\d+)/.exec(line);
      if (action && follower !== null && (action[1] as string).startsWith('missing copy too old to open')) stale.add(`${follower}|${action[2]}`);
      if (action && follower !== null && / — pending copy gone from the follower unfilled/.test(line)) pendingGone.add(`${follower}|${action[2]}`);
    }
  }
  return { legs, stale, pendingGone };
}

export interface CheckInput {
  world: TrialWorld;
  sim: Sim;
  magic: number;
  driver: MasterDriver;
  journal: readonly JournalEntry[];
  stream: readonly StreamLine[];
  recorder: SimRecorder;
  incarnations: readonly Incarnation[];
  /** A reply whose receiver was killed within this many ms could not have been reported by it. */
  killGraceMs: number;
  initialBalances: ReadonlyMap<string, number>;
  /**
   * The run of the process that sent the request behind an outcome. Default: the incarnation alive when it was sent
   * (one copier process). Cluster mode names the worker by the request's User-Agent.
   */
  incarnationOf?: (o: Outcome) => Incarnation | undefined;
}

/** Runs every end-of-trial check. */
export function checkInvariants(input: CheckInput): CheckResult {
  const { world, sim, magic, driver, recorder } = input;
  const specsByBroker = specIndex(world.brokers);
  const result: CheckResult = {
    pairs: 0,
    copiesExpected: 0,
    copiesPresent: 0,
    skippedByRules: {},
    justifiedMissing: {},
    lost: [],
    duplicates: [],
    orphans: [],
    wrongVolume: [],
    wrongStops: [],
    wrongOther: [],
    unreported: [],
    outcomes: { rejections: 0, unknown: 0, reported: 0, lostToKill: 0 },
    volumeByReconcilePath: 0,
    awaitingFollowerTrigger: 0,
  };
  const masterName = new Map(world.masters.map((m) => [m.id, m.nickname] as const));
  const shortToMaster = new Map(world.masters.map((m) => [masterShortId(m.id), m.id] as const));
  const masterRows = new Map(world.masters.map((m) => [m.id, sim.account(m.id).positions()] as const));

  // The copier's reports, indexed.
  const journalBy = new Map<string, JournalEntry[]>();
  for (const j of input.journal) {
    const k = `${j.followerId}|${j.masterTicket ?? ''}`;
    const list = journalBy.get(k) ?? [];
    list.push(j);
    journalBy.set(k, list);
  }
  const parsed = parseMessages(messagesOf(input.stream));
  const staleReported = parsed.stale;
  const copiedLegs = parsed.legs;

  for (const f of world.followers) {
    const handle = sim.account(f.id);
    const rows = handle.positions();
    recorder.lineage.update(f.id, rows);
    const specs = specsByBroker.get(f.account.broker) ?? new Map<string, SimSymbolSpec>();
    const hedging = f.account.marginMode !== 'Netting';
    const cfg = f.config;
    const balances = {
      master: [] as number[],
      follower: [input.initialBalances.get(f.id) ?? 0, handle.summary().balance],
    };
    const finding = (master: string, ticket: number, what: string): Finding => ({ follower: f.nickname, master: masterName.get(master) ?? master, ticket, what });

    // Copies on the follower grouped by the master position they copy.
    const copies = new Map<string, OpenedOrder[]>();
    for (const r of rows) {
      if (r.magic !== magic) continue;
      const l = recorder.lineage.of(f.id, r.ticket);
      if (l === undefined) {
        result.orphans.push(finding('?', r.ticket, `untracked copy ${r.symbol} ${r.type} ${r.lots} (comment ${JSON.stringify(r.comment)})`));
        continue;
      }
      const k = `${l.masterShort}#${l.masterTicket}`;
      copies.set(k, [...(copies.get(k) ?? []), r]);
    }
    const netExpected = new Map<string, number>();
    const netPossible = new Map<string, boolean>();
    /** Nets a follower can legitimately hold per symbol: shares reconciliation acted on may take any reachable volume. */
    const netReachable = new Map<string, Set<number>>();
    const expectedKeys = new Set<string>();

    for (const masterId of cfg.masters) {
      const short = masterShortId(masterId);
      balances.master = [input.initialBalances.get(masterId) ?? 0, sim.account(masterId).summary().balance];
      for (const R of masterRows.get(masterId) ?? []) {
        result.pairs++;
        const key = `${short}#${R.ticket}`;
        expectedKeys.add(key);
        const actual = copies.get(key) ?? [];
        const masterSide = sideOfType(R.type);
        const pending = R.kind === 'Pending';
        // What the rules say.
        let skip: string | null = null;
        let e: Entry | null = null;
        if (pending && !cfg.filters.copyPending) skip = 'pending_not_copied';
        else {
          const x = entry(cfg, handle.symbols, specs, R.symbol, masterSide);
          if (typeof x === 'string') skip = x;
          else e = x;
        }
        const hist = driver.positions.get(`${masterId}#${R.ticket}`);
        const pendingHist = driver.pendings.get(`${masterId}#${R.ticket}`);
        let vol: { canonical: number; possible: Set<number> } | null = null;
        if (e !== null) {
          const size = sizer(cfg, e.spec, balances);
          if (pending) {
            const v = size(pendingHist?.volume ?? R.lots);
            vol = { canonical: v[0] ?? 0, possible: new Set(v) };
          } else {
            const h: PositionHistory = hist ?? { masterId, ticket: R.ticket, symbol: R.symbol, side: masterSide, openVolume: R.lots, openedAt: 0, fromPending: null, closes: [], closedAt: null };
            vol = volumeOutcomes(size, h, e.spec);
          }
          if (vol.canonical === 0 && ![...vol.possible].some((v) => v > 0)) skip = 'below_min_volume';
        }
        if (skip !== null || e === null || vol === null) {
          const reason = skip ?? 'rules';
          result.skippedByRules[reason] = (result.skippedByRules[reason] ?? 0) + 1;
          if (hedging || pending) for (const r of actual) result.orphans.push(finding(masterId, R.ticket, `copy ${r.ticket} exists though the rules skip it (${reason})`));
          continue;
        }
        result.copiesExpected++;
        const sign = e.followerSide === 'buy' ? 1 : -1;
        const journal = journalBy.get(`${f.id}|${R.ticket}`) ?? [];
        // Reconciliation acted on this copy (opened it late or fixed its volume): its rounding applies, not only the
        // all-live path's (see volumeOutcomes).
        // A leg queued while its market was closed goes out sized from the master's volume at the reopen (a partial
        // close meanwhile scales it, docs/copy-semantics.md): the same rounding as a late open by reconciliation.
        const reconciled = journal.some((j) => j.status === 'reconciled' || j.status === 'queued' || j.eventId.startsWith('rec:') || j.eventId.startsWith('fix:'));
        if (!hedging && !pending) {
          netExpected.set(e.symbol, roundLots((netExpected.get(e.symbol) ?? 0) + sign * vol.canonical));
          if (vol.possible.size > 1 || !vol.possible.has(vol.canonical)) netPossible.set(e.symbol, true);
          const options = reconciled ? new Set([vol.canonical, ...vol.possible]) : new Set([vol.canonical]);
          const next = new Set<number>();
          for (const a of netReachable.get(e.symbol) ?? new Set([0])) for (const v of options) if (next.size < 4096) next.add(roundLots(a + sign * v));
          netReachable.set(e.symbol, next);
          continue;
        }
        const acceptable = (lots: number) => sameLots(lots, vol.canonical, e.spec) || (reconciled && [...vol.possible].some((v) => sameLots(lots, v, e.spec)));
        if (actual.length === 0 && vol.canonical > 0 && acceptable(0)) {
          result.copiesExpected--;
          result.volumeByReconcilePath++;
          continue;
        }
        if (actual.length === 0) {
          if (vol.canonical === 0) {
            // The last reconciliation closes a copy whose share fell below the minimum: nothing is right.
            result.copiesExpected--;
            result.skippedByRules['closed_below_min'] = (result.skippedByRules['closed_below_min'] ?? 0) + 1;
            continue;
          }
          const marginSkip = f.marginLimited === true && journal.some((j) => j.reason === 'insufficient_margin' || j.reason === 'no_money' || j.reason === 'retcode_10019');
          const stale = staleReported.has(`${f.nickname}|${R.ticket}`);
          const expired = journal.some((j) => j.reason === 'market_closed_expired');
          // The simulator cancels a pending order that triggers without the margin to fill it, as MT5 does.
          const cancelledAtTrigger = f.marginLimited === true && hist?.fromPending != null && parsed.pendingGone.has(`${f.nickname}|${R.ticket}`);
          if (marginSkip || stale || expired || cancelledAtTrigger) {
            const why = marginSkip
              ? 'margin (reported)'
              : stale
                ? 'too old or price moved (reported)'
                : expired
                  ? 'market closed, expired (reported)'
                  : 'pending copy cancelled when it triggered: margin (reported)';
            result.justifiedMissing[why] = (result.justifiedMissing[why] ?? 0) + 1;
            continue;
          }
          const said = journal.map((j) => `${j.eventKind}/${j.action}:${j.status}${j.reason ? `(${j.reason})` : ''}`).slice(-6).join(', ');
          result.lost.push(finding(masterId, R.ticket, `no copy of ${R.kind} ${R.type} ${R.lots} ${R.symbol} (expected ${vol.canonical} ${e.symbol}); journal: ${said || 'nothing'}`));
          continue;
        }
        result.copiesPresent++;
        if (actual.length > 1) {
          // Which paths opened them (live event `d…`/`p…`, reconciliation `rec:…`, a replayed deal, a queued leg).
          const openers = journal.filter((j) => (j.action === 'open' || j.action === 'place_pending') && (j.status === 'filled' || j.status === 'reconciled' || j.status === 'partial')).map((j) => `${j.eventId}→#${j.followerTicket ?? '?'}`);
          result.duplicates.push(finding(masterId, R.ticket, `${actual.length} copies: ${actual.map((r) => `#${r.ticket} ${r.kind} ${r.lots}`).join(', ')}; opened by ${openers.join(', ') || '?'}`));
        }
        const total = roundLots(actual.reduce((s, r) => s + r.lots, 0));
        const row = actual[0] as OpenedOrder;
        if (row.symbol !== e.symbol) result.wrongOther.push(finding(masterId, R.ticket, `symbol ${row.symbol}, expected ${e.symbol}`));
        if (pending) {
          const op = cfg.filters.reverse ? reverseOperation(R.type) : R.type;
          if (row.kind !== 'Pending' || row.type !== op) result.wrongOther.push(finding(masterId, R.ticket, `${row.kind} ${row.type}, expected Pending ${op}`));
          else if (!samePrice(row.openPrice, roundPrice(R.openPrice, e.spec.digits), e.spec.digits)) result.wrongOther.push(finding(masterId, R.ticket, `pending price ${row.openPrice}, expected ${R.openPrice}`));
        } else if (
          row.kind === 'Pending' &&
          actual.length === 1 &&
          hist?.fromPending != null &&
          pendingHist?.triggered === true &&
          row.type === (cfg.filters.reverse ? reverseOperation(pendingHist.operation) : pendingHist.operation)
        ) {
          result.awaitingFollowerTrigger++;
          continue;
        } else if (row.kind !== 'Position' || sideOfType(row.type) !== e.followerSide) {
          result.wrongOther.push(finding(masterId, R.ticket, `${row.kind} ${row.type}, expected a ${e.followerSide} position`));
        }
        // Two copies already count as a duplicate; their summed volume is not a second finding.
        if (actual.length === 1 && !sameLots(total, vol.canonical, e.spec)) {
          if (acceptable(total)) result.volumeByReconcilePath++;
          else {
            const explained = [...vol.possible].some((v) => sameLots(total, v, e.spec));
            const why = explained ? 'a missed-event path would give it, but the journal shows no reconciliation of it' : 'no live/reconciled path gives it';
            result.wrongVolume.push(finding(masterId, R.ticket, `${total} lots of ${e.symbol}, expected ${vol.canonical} (${why}; master ${hist ? `${hist.openVolume}${hist.closes.map((c) => ` -${c.closed}`).join('')}` : R.lots})`));
          }
        }
        const stops = mapStops(cfg.filters, R);
        const sl = roundPrice(stops.stopLoss, e.spec.digits);
        const tp = roundPrice(stops.takeProfit, e.spec.digits);
        for (const r of actual) {
          if (!samePrice(r.stopLoss, sl, e.spec.digits) || !samePrice(r.takeProfit, tp, e.spec.digits)) {
            result.wrongStops.push(finding(masterId, R.ticket, `#${r.ticket} SL/TP ${r.stopLoss}/${r.takeProfit}, master's mapped ${sl}/${tp}`));
          }
        }
      }
    }

    // Orphans: copies whose master position or order is gone.
    for (const [k, list] of copies) {
      if (expectedKeys.has(k)) continue;
      const [short, ticket] = k.split('#');
      const masterId = shortToMaster.get(short ?? '') ?? short ?? '?';
      for (const r of list) {
        if (!hedging && r.kind === 'Position') continue; // netting rows are checked by net volume below
        result.orphans.push(finding(masterId, Number(ticket), `copy #${r.ticket} ${r.kind} ${r.type} ${r.lots} ${r.symbol} of a closed master position`));
      }
    }
    if (!hedging) {
      const symbols = new Set<string>([...netExpected.keys(), ...rows.filter((r) => r.magic === magic && r.kind === 'Position').map((r) => r.symbol)]);
      for (const symbol of symbols) {
        const net = roundLots(rows.filter((r) => r.magic === magic && r.kind === 'Position' && r.symbol === symbol).reduce((s, r) => s + (sideOfType(r.type) === 'buy' ? r.lots : -r.lots), 0));
        const want = netExpected.get(symbol) ?? 0;
        if (Math.abs(net - want) < EPS) continue;
        if (netReachable.get(symbol)?.has(net) === true) {
          result.volumeByReconcilePath++;
          continue;
        }
        if (Math.abs(want) < EPS) result.orphans.push(finding('*', 0, `net ${net} ${symbol} though no followed master position maps to it`));
        else result.wrongVolume.push(finding('*', 0, `net ${net} ${symbol}, expected ${want}${netPossible.get(symbol) ? ' (some copies have path-dependent volumes)' : ''}`));
      }
    }
  }

  // Duplicates at the source: an order that arrived while the follower already held a copy of that position.
  for (const d of recorder.duplicates) {
    if (d.key !== null && d.key.includes(':fix:')) continue; // a reconciliation volume top-up, not a second copy
    const masterId = shortToMaster.get(d.masterShort) ?? d.masterShort;
    const name = world.followers.find((x) => x.id === d.followerId)?.nickname ?? d.followerId;
    const already = result.duplicates.some((x) => x.follower === name && x.ticket === d.masterTicket);
    if (!already) result.duplicates.push({ follower: name, master: masterName.get(masterId) ?? masterId, ticket: d.masterTicket, what: `order ${d.volume} ${d.symbol} arrived while #${d.existing.join(', #')} was open (key ${d.key ?? 'none'})` });
  }

  // Every rejection and unknown outcome reported.
  checkReported(input, result, copiedLegs);
  return result;
}

function checkReported(input: CheckInput, result: CheckResult, copiedLegs: readonly { at: number; follower: string; ticket: number; status: string }[]): void {
  const { world, recorder } = input;
  const nameOf = new Map(world.followers.map((f) => [f.id, f.nickname] as const));
  const netting = new Set(world.followers.filter((f) => f.account.marginMode === 'Netting').map((f) => f.id));
  const failedStatuses = new Set(['rejected', 'failed', 'queued', 'unknown', 'resolved', 'partial']);
  const unknownStatuses = new Set(['unknown', 'resolved']);
  const byFollower = new Map<string, JournalEntry[]>();
  for (const j of input.journal) byFollower.set(j.followerId, [...(byFollower.get(j.followerId) ?? []), j]);
  for (const o of recorder.outcomes()) {
    if (o.kind === 'unknown') result.outcomes.unknown++;
    else result.outcomes.rejections++;
    const inc = input.incarnationOf ? input.incarnationOf(o) : input.incarnations.find((i) => i.startedAt <= o.sentAt && (i.endedAt === null || i.endedAt >= o.sentAt));
    if (inc === undefined || (inc.endedAt !== null && inc.killedByRunner && inc.endedAt < o.answeredAt + input.killGraceMs)) {
      result.outcomes.lostToKill++;
      continue;
    }
    const statuses = o.kind === 'unknown' ? unknownStatuses : failedStatuses;
    const matchTicket = o.masterTicket !== null && !netting.has(o.followerId);
    const rows = (byFollower.get(o.followerId) ?? []).filter((j) => !matchTicket || j.masterTicket === o.masterTicket);
    // A market-closed refusal (10018) of a leg already reported as waiting for its market is that same wait going on:
    // the queued leg is retried, silently, until it fills or expires (both reported).
    const waiting = / 10018 /.test(` ${o.detail} `) && rows.some((j) => j.status === 'queued' && j.at <= o.answeredAt + 2000);
    const inJournal = waiting || rows.some((j) => j.at >= o.sentAt - 2000 && statuses.has(j.status));
    const name = nameOf.get(o.followerId) ?? o.followerId;
    const inStream = copiedLegs.some((l) => l.at >= o.sentAt - 2000 && l.follower === name && statuses.has(l.status) && (!matchTicket || l.ticket === o.masterTicket));
    if (inJournal || inStream) {
      result.outcomes.reported++;
      continue;
    }
    result.unreported.push({ follower: name, master: o.masterShort ?? '?', ticket: o.masterTicket ?? 0, what: `${o.kind} ${o.action}: ${o.detail} at +${o.answeredAt} (incarnation ${inc.index})` });
  }
}

export type { Outcome };

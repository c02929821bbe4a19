/**
 * The dashboard as one user may see it, built only from what the control API returns (the same calls /status,
 * /positions and /multiplier make): masters, followers with their state, the masters' open positions with each
 * follower's copies beside them, recent alerts, and the panels list (P&L, copy quality and charts plug in there).
 */
import { formatSizing } from '../bot/format/views.js';
import { htmlToText } from '../bot/format/html.js';
import { reasonHtml } from '../bot/format/reasons.js';
import type { BotControl } from '../bot/ports.js';
import type { Sizing } from '../domain/config.js';
import type { MasterPositionView, PositionView } from '../engine/control-types.js';
import type { Access } from './access.js';
import type { AlertView, RecentAlerts } from './alerts.js';
import type { DashboardPanel, WebUser } from './types.js';

/** A follower as the dashboard shows it. */
export interface FollowerCard {
  id: string;
  name: string;
  streaming: boolean;
  masters: { id: string; name: string }[];
  /**
   * copying; paused (by a user); stopped (by a rule: the daily loss limit, …); idle (every master it copies is
   * paused, so nothing is copied although the follower itself is not paused).
   */
  state: 'copying' | 'paused' | 'stopped' | 'idle';
  /** The state in words, e.g. "stopped: daily loss limit reached". */
  stateText: string;
  pausedReason: string | null;
  sizing: Sizing;
  sizingText: string;
  /** The multiplier `/multiplier` changes (null in fixed-lot and risk-percent modes, where it switches the mode). */
  multiplier: number | null;
  openCopies: number;
  /** The signed-in user may pause, resume and resize it. */
  canManage: boolean;
}

/** One master position (or pending order) with the visible followers' copies of it. */
export interface PositionGroup {
  master: MasterPositionView;
  copies: PositionView[];
}

export interface DashboardView {
  user: { id: number; name: string | null; role: WebUser['role'] };
  now: number;
  copier: { halted: string | null; allPaused: boolean };
  masters: { id: string; name: string; paused: boolean; streaming: boolean; lastEventAt: number | null }[];
  followers: FollowerCard[];
  positions: PositionGroup[];
  /** Visible follower rows that copy no master position listed (opened by hand, or the master's row is gone). */
  otherPositions: PositionView[];
  alerts: AlertView[];
  panels: DashboardPanel[];
}

export interface DashboardDeps {
  control: BotControl;
  access: Access;
  alerts: RecentAlerts;
  panels: readonly DashboardPanel[];
  now: () => number;
}

function multiplierOf(s: Sizing): number | null {
  return s.mode === 'multiplier' || s.mode === 'balance_ratio' || s.mode === 'equity_ratio' ? s.multiplier : null;
}

export async function buildDashboard(deps: DashboardDeps, user: WebUser): Promise<DashboardView> {
  const { control, access } = deps;
  const status = control.status();
  const names = new Map<string, string>([...status.masters, ...status.followers].map((a) => [a.id, a.name]));
  const visibleFollowers = status.followers.filter((f) => access.canSee(user, f.id));
  const pausedMasters = new Set(status.masters.filter((m) => m.paused).map((m) => m.id));
  // Owners see the masters their followers copy; admins and viewers see every master.
  const followedByVisible = new Set(visibleFollowers.flatMap((f) => f.masters));
  const masters = status.masters.filter((m) => user.role !== 'owner' || followedByVisible.has(m.id));
  const masterIds = new Set(masters.map((m) => m.id));

  const followers: FollowerCard[] = visibleFollowers.map((f) => {
    const cfg = control.follower(f.id);
    let state: FollowerCard['state'];
    let stateText: string;
    if (f.paused && (f.pausedReason === null || f.pausedReason === 'user')) {
      state = 'paused';
      stateText = 'paused';
    } else if (f.paused) {
      state = 'stopped';
      stateText = `stopped: ${htmlToText(reasonHtml(f.pausedReason))}`;
    } else if (f.masters.length > 0 && f.masters.every((m) => pausedMasters.has(m))) {
      state = 'idle';
      stateText = 'not copying: its master is paused';
    } else {
      state = 'copying';
      stateText = 'copying';
    }
    return {
      id: f.id,
      name: f.name,
      streaming: f.streaming,
      masters: f.masters.map((m) => ({ id: m, name: names.get(m) ?? m })),
      state,
      stateText,
      pausedReason: f.pausedReason,
      sizing: cfg.sizing,
      sizingText: formatSizing(cfg.sizing),
      multiplier: multiplierOf(cfg.sizing),
      openCopies: f.openCopies,
      canManage: access.canManage(user, f.id),
    };
  });

  const followerRows = (await control.positions()).filter((p) => access.canSee(user, p.followerId));
  const masterRows = control.masterPositions().filter((p) => masterIds.has(p.masterId));
  const mastersOf = new Map(visibleFollowers.map((f) => [f.id, f.masters]));
  const groups: PositionGroup[] = masterRows.map((master) => ({ master, copies: [] }));
  const byKey = new Map(groups.map((g) => [`${g.master.masterId}:${g.master.ticket}`, g]));
  const otherPositions: PositionView[] = [];
  for (const row of followerRows) {
    let group: PositionGroup | undefined;
    if (row.masterTicket !== null) {
      // A copy known from its tag only names the master ticket: look for it among the follower's masters.
      const candidates = row.masterId !== null ? [row.masterId] : (mastersOf.get(row.followerId) ?? []);
      for (const m of candidates) group ??= byKey.get(`${m}:${row.masterTicket}`);
    }
    if (group !== undefined) group.copies.push(row);
    else otherPositions.push(row);
  }

  const visibleIds = new Set(visibleFollowers.map((f) => f.id));
  const alerts = deps.alerts.forReader(
    {
      role: user.role,
      sees: (id) => (user.role === 'owner' ? visibleIds.has(id) : true),
      followsMaster: (id) => followedByVisible.has(id),
    },
    20,
  );

  return {
    user: { id: user.id, name: user.name, role: user.role },
    now: deps.now(),
    copier: { halted: status.halted, allPaused: status.paused },
    masters: masters.map((m) => ({ id: m.id, name: m.name, paused: m.paused, streaming: m.streaming, lastEventAt: m.lastEventAt })),
    followers,
    positions: groups,
    otherPositions,
    alerts,
    panels: [...deps.panels],
  };
}

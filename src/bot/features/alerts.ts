/**
 * /alerts [<kind|all> <on|silent|off>] and /alerts dailychart <on|off>: each user's own alert levels, and whether the
 * daily summary is followed by the followers' P&L charts; buttons cycle a level or flip the chart in place.
 */
import { Composer, InlineKeyboard } from 'grammy';
import { alertKindArg, alertLevelArg, arg, noMoreArgs, onOff, parseArg } from '../args.js';
import { ALL_ROLES } from '../commands.js';
import { userOf } from '../context.js';
import type { BotContext } from '../context.js';
import { b } from '../format/html.js';
import type { Kit } from '../kit.js';
import { ALERT_KINDS, ALERT_LEVELS, dailyChartOn } from '../ports.js';
import type { AlertKind, AlertLevel, ChatUser } from '../ports.js';

const USAGE = '/alerts [<kind|all> <on|silent|off>] or /alerts dailychart <on|off>';
/** The daily chart's setting word; not an alert kind (it has no silent level: it follows the summary's). */
export const DAILY_CHART_WORD = 'dailychart';
const dailyChartArg = arg(DAILY_CHART_WORD, 'on or off', onOff);
const ICON: Record<AlertLevel, string> = { on: '🔔', silent: '🔕', off: '🚫' };
const WHAT: Record<AlertKind, string> = {
  copies: 'routine copies (always without sound)',
  rejections: 'rejections, skips worth a look, pauses by a rule',
  reconcile: 'reconciliation reports (loud when something changed)',
  connection: 'terminal connection lost/restored, halts, feed anomalies',
  daily: 'daily summary',
};

function next(level: AlertLevel): AlertLevel {
  return ALERT_LEVELS[(ALERT_LEVELS.indexOf(level) + 1) % ALERT_LEVELS.length] as AlertLevel;
}

function view(user: ChatUser): { text: string; keyboard: InlineKeyboard } {
  const lines = [b('Your alerts'), ...ALERT_KINDS.map((k) => `${ICON[user.alerts[k]]} ${k}: ${user.alerts[k]} — ${WHAT[k]}`)];
  const chart = dailyChartOn(user);
  lines.push(`${chart ? '🖼' : '🚫'} ${DAILY_CHART_WORD}: ${chart ? 'on' : 'off'} — after the daily summary, each follower’s P&amp;L chart of the day (photo)`);
  lines.push('', '<i>Tap to cycle on → silent → off; dailychart flips on ↔ off.</i>');
  const keyboard = new InlineKeyboard();
  for (const k of ALERT_KINDS) keyboard.text(`${ICON[user.alerts[k]]} ${k}: ${user.alerts[k]}`, `al:${k}:${next(user.alerts[k])}`).row();
  keyboard.text(`${chart ? '🖼' : '🚫'} ${DAILY_CHART_WORD}: ${chart ? 'on' : 'off'}`, `ad:${chart ? 'off' : 'on'}`).row();
  return { text: lines.join('\n'), keyboard };
}

export function alertsFeature(kit: Kit): Composer<BotContext> {
  const composer = new Composer<BotContext>();

  /** Env admins may not be in the directory yet; make sure they are before storing a level. */
  const ensureStored = async (user: ChatUser): Promise<void> => {
    if (kit.users.get(user.id) === undefined) await kit.users.upsert({ ...user, addedAt: user.addedAt || kit.clock.now() });
  };

  const set = async (user: ChatUser, kind: AlertKind | 'all', level: AlertLevel): Promise<ChatUser> => {
    await ensureStored(user);
    let updated: ChatUser | undefined = user;
    for (const k of kind === 'all' ? ALERT_KINDS : [kind]) updated = await kit.users.setAlertLevel(user.id, k, level);
    return { ...(updated ?? user), role: user.role };
  };

  const setDailyChart = async (user: ChatUser, on: boolean): Promise<ChatUser> => {
    await ensureStored(user);
    const stored = kit.users.get(user.id) ?? user;
    const updated = { ...stored, dailyChart: on };
    await kit.users.upsert(updated);
    return { ...updated, role: user.role };
  };

  kit.command(composer, {
    name: 'alerts',
    usage: USAGE,
    description: 'your alert levels per kind',
    roles: ALL_ROLES,
    async run(ctx, tokens) {
      noMoreArgs(tokens, 2, USAGE);
      let user = userOf(ctx);
      if (tokens[0]?.toLowerCase() === DAILY_CHART_WORD) {
        user = await setDailyChart(user, parseArg(dailyChartArg, tokens[1], USAGE));
      } else if (tokens.length > 0) {
        const kind = parseArg(alertKindArg, tokens[0], USAGE);
        const level = parseArg(alertLevelArg, tokens[1], USAGE);
        user = await set(user, kind, level);
      }
      const { text, keyboard } = view(user);
      return kit.reply(ctx, text, { keyboard });
    },
  });

  composer.callbackQuery(/^al:([a-z]+):([a-z]+)$/, async (ctx) => {
    try {
      const kind = ctx.match[1] as AlertKind;
      const level = ctx.match[2] as AlertLevel;
      if (!ALERT_KINDS.includes(kind) || !ALERT_LEVELS.includes(level)) return kit.answer(ctx, 'Unknown setting.');
      const user = await set(userOf(ctx), kind, level);
      await kit.answer(ctx, `${kind}: ${level}`);
      const { text, keyboard } = view(user);
      await kit.reply(ctx, text, { keyboard });
    } catch (err) {
      await kit.replyError(ctx, '/alerts', err);
    }
  });
  composer.callbackQuery(/^ad:(on|off)$/, async (ctx) => {
    try {
      const on = ctx.match[1] === 'on';
      const user = await setDailyChart(userOf(ctx), on);
      await kit.answer(ctx, `${DAILY_CHART_WORD}: ${on ? 'on' : 'off'}`);
      const { text, keyboard } = view(user);
      await kit.reply(ctx, text, { keyboard });
    } catch (err) {
      await kit.replyError(ctx, '/alerts', err);
    }
  });
  return composer;
}

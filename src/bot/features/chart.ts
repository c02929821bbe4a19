/**
 * /chart [latency|slippage] [follower|all] [period]: the report charts as photos. Without a kind, the follower's
 * cumulative realized P&L against the master's on the same trades scaled to the follower's size, drawdown shaded;
 * `latency` and `slippage` are the distributions of the period's copies. Arguments and roles as /profit (owners:
 * their own followers); a follower with nothing to plot gets a sentence instead of a picture.
 */
import { Composer } from 'grammy';
import type { ReportChartKind } from '../../charts/report-charts.js';
import { FxmirrorError } from '../../domain/errors.js';
import type { ReportPeriod } from '../../domain/performance/period.js';
import type { AccountView } from '../../engine/control-types.js';
import { ALL_ROLES } from '../commands.js';
import type { BotContext } from '../context.js';
import { escapeHtml } from '../format/html.js';
import type { Kit } from '../kit.js';
import { accountHtml } from '../kit.js';
import { followerAndPeriod, reportFollowers } from '../report-args.js';

const USAGE = '/chart [latency|slippage] [follower|all] [period]';
const DEFAULT_PERIOD: ReportPeriod = { kind: 'days', days: 30 };

/** Most photos one /chart sends; `all` over more followers says how to get the others. */
export const MAX_CHARTS_PER_COMMAND = 5;

const KIND_WORDS: Readonly<Record<string, ReportChartKind>> = { pnl: 'pnl', latency: 'latency', slippage: 'slippage' };

const NOTHING: Record<ReportChartKind, string> = {
  pnl: 'no closed copies in this period, so there is no P&L to chart.',
  latency: 'no copies with a measured latency in this period, so there is no distribution to chart.',
  slippage: 'no copies with a measured slippage in this period, so there is no distribution to chart.',
};

/** The chart kind named by the first token (default the P&L chart) and the tokens after it. */
export function chartKindOf(tokens: readonly string[]): { kind: ReportChartKind; rest: string[] } {
  const named = tokens[0] === undefined ? undefined : KIND_WORDS[tokens[0].toLowerCase()];
  return named === undefined ? { kind: 'pnl', rest: [...tokens] } : { kind: named, rest: tokens.slice(1) };
}

/** A file name Telegram and a file system both take: the kind and the follower's name in safe characters. */
export function chartFileName(kind: ReportChartKind, f: Pick<AccountView, 'id' | 'nickname'>): string {
  const name = (f.nickname || f.id).replace(/[^A-Za-z0-9_-]+/g, '_').slice(0, 40) || 'follower';
  return `${kind}-${name}.png`;
}

async function sendOne(kit: Kit, ctx: BotContext, f: AccountView, kind: ReportChartKind, period: ReportPeriod): Promise<void> {
  const data = await kit.charts.data(f.id, kind, period);
  if (data.empty) {
    await kit.reply(ctx, `📭 ${accountHtml(f)}: ${escapeHtml(NOTHING[kind])}\n<i>${escapeHtml(data.subtitle)}</i>`, { newMessage: true });
    return;
  }
  const chart = await kit.charts.render(data);
  const icon = kind === 'pnl' ? '📈' : '📊';
  await kit.replyPhoto(ctx, chart.png, chartFileName(kind, f), `${icon} <b>${escapeHtml(chart.title)}</b>\n<i>${escapeHtml(chart.subtitle)}</i>`);
}

export function chartFeature(kit: Kit): Composer<BotContext> {
  const composer = new Composer<BotContext>();
  kit.command(composer, {
    name: 'chart',
    usage: USAGE,
    description: 'P&L vs the master as a picture, drawdown shaded; latency or slippage distribution (default 30d)',
    roles: ALL_ROLES,
    async run(ctx, tokens) {
      const { kind, rest } = chartKindOf(tokens);
      const { who, period } = followerAndPeriod(rest, USAGE, DEFAULT_PERIOD);
      const followers = await reportFollowers(kit, ctx, who, USAGE, true);
      if (followers.length === 0) {
        await kit.reply(ctx, 'No follower to chart.');
        return;
      }
      const shown = followers.slice(0, MAX_CHARTS_PER_COMMAND);
      for (const f of shown) {
        try {
          await sendOne(kit, ctx, f, kind, period);
        } catch (err) {
          // As the text reports: a refused argument is refused once for all; one unreachable follower is its own line.
          if (followers.length === 1 || (err instanceof FxmirrorError && err.action === 'reject')) throw err;
          kit.log.warn({ followerId: f.id, err: err instanceof Error ? err.message : String(err) }, 'chart failed for one follower');
          await kit.reply(ctx, `⏳ ${accountHtml(f)}: history not available now (${escapeHtml(err instanceof Error ? err.message : 'error')}).`, { newMessage: true });
        }
      }
      if (followers.length > shown.length) {
        await kit.reply(
          ctx,
          `${shown.length} of ${followers.length} followers charted. Name one for the others: ${escapeHtml(USAGE)}`,
          { newMessage: true },
        );
      }
    },
  });
  return composer;
}

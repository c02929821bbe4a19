/** /profit [follower|all] [period]: realized P&L of copies and the master's on the same trades (owners: their own). */
import { Composer } from 'grammy';
import type { ReportPeriod } from '../../domain/performance/period.js';
import { ALL_ROLES } from '../commands.js';
import { formatProfit } from '../format/reports.js';
import type { BotContext } from '../context.js';
import type { Kit } from '../kit.js';
import { followerAndPeriod, replyPerFollower, reportFollowers } from '../report-args.js';

const USAGE = '/profit [follower|all] [today|7d|30d|all|…]';
const DEFAULT_PERIOD: ReportPeriod = { kind: 'days', days: 30 };

export function profitFeature(kit: Kit): Composer<BotContext> {
  const composer = new Composer<BotContext>();
  kit.command(composer, {
    name: 'profit',
    usage: USAGE,
    description: 'realized P&L of copies vs the master on the same trades (default 30d)',
    roles: ALL_ROLES,
    async run(ctx, tokens) {
      const { who, period } = followerAndPeriod(tokens, USAGE, DEFAULT_PERIOD);
      const followers = await reportFollowers(kit, ctx, who, USAGE, true);
      await replyPerFollower(kit, ctx, followers, async (f) => formatProfit(await kit.control.profitReport(f.id, period)));
    },
  });
  return composer;
}

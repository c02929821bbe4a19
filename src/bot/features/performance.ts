/** /performance [follower|all] [period]: trades and P&L of copies per master symbol (owners: their own followers). */
import { Composer } from 'grammy';
import type { ReportPeriod } from '../../domain/performance/period.js';
import { ALL_ROLES } from '../commands.js';
import type { BotContext } from '../context.js';
import { formatSymbolTable } from '../format/reports.js';
import type { Kit } from '../kit.js';
import { followerAndPeriod, replyPerFollower, reportFollowers } from '../report-args.js';

const USAGE = '/performance [follower|all] [period]';
const DEFAULT_PERIOD: ReportPeriod = { kind: 'days', days: 30 };

export function performanceFeature(kit: Kit): Composer<BotContext> {
  const composer = new Composer<BotContext>();
  kit.command(composer, {
    name: 'performance',
    usage: USAGE,
    description: 'trades and P&L of copies per symbol (default 30d)',
    roles: ALL_ROLES,
    async run(ctx, tokens) {
      const { who, period } = followerAndPeriod(tokens, USAGE, DEFAULT_PERIOD);
      const followers = await reportFollowers(kit, ctx, who, USAGE, true);
      await replyPerFollower(kit, ctx, followers, async (f) => formatSymbolTable(await kit.control.symbolReport(f.id, period)));
    },
  });
  return composer;
}

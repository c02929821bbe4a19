/**
 * /quality [follower|all] [period]: how far copies fall behind the master on the same trades and why — slippage, fees,
 * lot rounding, master trades not copied, latency (owners: their own followers).
 */
import { Composer } from 'grammy';
import type { ReportPeriod } from '../../domain/performance/period.js';
import { ALL_ROLES } from '../commands.js';
import type { BotContext } from '../context.js';
import { formatQuality } from '../format/reports.js';
import type { Kit } from '../kit.js';
import { followerAndPeriod, replyPerFollower, reportFollowers } from '../report-args.js';

const USAGE = '/quality [follower|all] [period]';
const DEFAULT_PERIOD: ReportPeriod = { kind: 'days', days: 30 };

export function qualityFeature(kit: Kit): Composer<BotContext> {
  const composer = new Composer<BotContext>();
  kit.command(composer, {
    name: 'quality',
    usage: USAGE,
    description: 'copy quality: tracking error vs the master, slippage, rounding, skips, latency (default 30d)',
    roles: ALL_ROLES,
    async run(ctx, tokens) {
      const { who, period } = followerAndPeriod(tokens, USAGE, DEFAULT_PERIOD);
      const followers = await reportFollowers(kit, ctx, who, USAGE, true);
      await replyPerFollower(kit, ctx, followers, async (f) => formatQuality(await kit.control.qualityReport(f.id, period)));
    },
  });
  return composer;
}

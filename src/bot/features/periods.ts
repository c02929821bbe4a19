/**
 * /daily [n] [follower|all], /weekly [n] …, /monthly [n] …: one row per server day, week (Monday to Sunday) or month,
 * per follower, with the master's result on the same trades beside it (owners: their own followers).
 */
import { Composer } from 'grammy';
import type { BucketUnit } from '../../domain/performance/period.js';
import { MAX_TABLE_ROWS } from '../../engine/reports/reports.js';
import { ALL_ROLES } from '../commands.js';
import type { BotContext } from '../context.js';
import { formatPeriodTable } from '../format/reports.js';
import type { Kit } from '../kit.js';
import { countAndFollower, replyPerFollower, reportFollowers } from '../report-args.js';

const TABLES: readonly { name: string; unit: BucketUnit; fallback: number; what: string }[] = [
  { name: 'daily', unit: 'day', fallback: 7, what: 'days' },
  { name: 'weekly', unit: 'week', fallback: 4, what: 'weeks' },
  { name: 'monthly', unit: 'month', fallback: 3, what: 'months' },
];

export function periodsFeature(kit: Kit): Composer<BotContext> {
  const composer = new Composer<BotContext>();
  for (const t of TABLES) {
    const max = MAX_TABLE_ROWS[t.unit];
    const usage = `/${t.name} [n] [follower|all]`;
    kit.command(composer, {
      name: t.name,
      usage,
      description: `P&L of copies per ${t.unit}, master beside it (last ${t.fallback} ${t.what}, at most ${max})`,
      roles: ALL_ROLES,
      async run(ctx, tokens) {
        const { who, count } = countAndFollower(tokens, usage, t.fallback, max);
        const followers = await reportFollowers(kit, ctx, who, usage, false);
        await replyPerFollower(kit, ctx, followers, async (f) => formatPeriodTable(await kit.control.periodReport(f.id, t.unit, count)));
      },
    });
  }
  return composer;
}

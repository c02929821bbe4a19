/** /closeall <follower>: close every position of a follower, after a confirmation showing what is open. */
import { Composer } from 'grammy';
import { followerRef, noMoreArgs, parseArg } from '../args.js';
import { MANAGERS } from '../commands.js';
import { DeniedError, userOf } from '../context.js';
import type { BotContext } from '../context.js';
import { fmtLots, fmtMoney } from '../format/numbers.js';
import { formatCloseAll, formatPositions } from '../format/views.js';
import type { Kit } from '../kit.js';
import { accountHtml, accountLabel } from '../kit.js';

const USAGE = '/closeall <follower>';

export function closeAllFeature(kit: Kit): Composer<BotContext> {
  const composer = new Composer<BotContext>();

  kit.confirmable('closeall', {
    roles: MANAGERS,
    async authorize(_ctx, user, [fid]) {
      kit.assertManage(user, await kit.resolve(fid ?? ''));
    },
    async execute(ctx, _user, [fid]) {
      const follower = await kit.resolve(fid ?? '');
      const result = await kit.control.closeAll(follower.id);
      await kit.reply(ctx, formatCloseAll(result, follower.nickname));
    },
  });

  kit.command(composer, {
    name: 'closeall',
    usage: USAGE,
    description: 'close every position of a follower (asks to confirm)',
    roles: MANAGERS,
    async run(ctx, tokens) {
      noMoreArgs(tokens, 1, USAGE);
      const user = userOf(ctx);
      if (tokens.length === 0) {
        const mine = await kit.manageableFollowers(user);
        if (mine.length === 0) return kit.reply(ctx, 'No follower you can manage.');
        return kit.reply(ctx, 'Close all positions of which follower?', {
          keyboard: kit.picker(mine.map((a) => ({ label: accountLabel(a), line: `/closeall ${a.id}` }))),
        });
      }
      const follower = await kit.resolveManaged(user, parseArg(followerRef, tokens[0], USAGE), { mustBeFollower: false });
      if (follower.role === 'master') throw new DeniedError(`${follower.nickname} is a master; the copier never closes master positions.`);
      const open = await kit.control.positions(follower.id);
      if (open.length === 0) return kit.reply(ctx, `${accountHtml(follower)} has no open positions.`);
      const lots = open.reduce((s, p) => s + p.volume, 0);
      const profit = open.reduce((s, p) => s + p.profit, 0);
      return kit.confirm(ctx, {
        action: 'closeall',
        args: [follower.id],
        apply: '⚠️ Close all',
        html: `⚠️ Close ${open.length} position${open.length === 1 ? '' : 's'} (${fmtLots(lots)} lots, P/L ${fmtMoney(profit)}) on ${accountHtml(follower)} at market?\n\n${formatPositions(open)}`,
      });
    },
  });
  return composer;
}

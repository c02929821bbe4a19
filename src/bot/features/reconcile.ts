/** /reconcile [follower]: a dry run shows the differences; Apply (confirmed) runs it for real. */
import { Composer } from 'grammy';
import { followerRef, noMoreArgs, parseArg } from '../args.js';
import { MANAGERS } from '../commands.js';
import { DeniedError, userOf } from '../context.js';
import type { BotContext } from '../context.js';
import { countActions, reconcileLines } from '../format/events.js';
import type { Kit } from '../kit.js';
import { accountHtml, accountLabel } from '../kit.js';

const USAGE = '/reconcile [follower]';
const ALL = '*';

export function reconcileFeature(kit: Kit): Composer<BotContext> {
  const composer = new Composer<BotContext>();

  kit.confirmable('reconcile', {
    roles: MANAGERS,
    async authorize(_ctx, user, [fid]) {
      if (fid === ALL) kit.assertAdmin(user, '/reconcile of every follower');
      else kit.assertManage(user, await kit.resolve(fid ?? ''));
    },
    async execute(ctx, _user, [fid]) {
      const report = await kit.control.reconcile({ ...(fid === ALL ? {} : { followerId: fid }), apply: true });
      const n = countActions(report);
      await kit.reply(ctx, n === 0 ? '✅ Nothing to do: copies match the masters.' : [`🔁 Reconciliation applied (${n} action${n === 1 ? '' : 's'}):`, ...reconcileLines(report)].join('\n'));
    },
  });

  kit.command(composer, {
    name: 'reconcile',
    usage: USAGE,
    description: 'compare copies with masters; buttons to apply',
    roles: MANAGERS,
    async run(ctx, tokens) {
      noMoreArgs(tokens, 1, USAGE);
      const user = userOf(ctx);
      let followerId: string = ALL;
      let title = 'all followers';
      if (tokens.length === 0 && user.role !== 'admin') {
        const mine = await kit.manageableFollowers(user);
        if (mine.length === 0) throw new DeniedError('You own no follower accounts to reconcile.');
        if (mine.length > 1) {
          return kit.reply(ctx, 'Reconcile which follower?', { keyboard: kit.picker(mine.map((a) => ({ label: accountLabel(a), line: `/reconcile ${a.id}` }))) });
        }
        followerId = (mine[0] as (typeof mine)[number]).id;
        title = accountHtml(mine[0] as (typeof mine)[number]);
      } else if (tokens.length === 1) {
        const follower = await kit.resolveManaged(user, parseArg(followerRef, tokens[0], USAGE));
        followerId = follower.id;
        title = accountHtml(follower);
      }
      const report = await kit.control.reconcile({ ...(followerId === ALL ? {} : { followerId }), apply: false });
      const n = countActions(report);
      if (n === 0) return kit.reply(ctx, `✅ ${title}: copies match the masters; nothing to do.`);
      return kit.confirm(ctx, {
        action: 'reconcile',
        args: [followerId],
        apply: '✅ Apply',
        html: [`🔁 Reconciliation of ${title} would do ${n} thing${n === 1 ? '' : 's'}:`, ...reconcileLines(report)].join('\n'),
      });
    },
  });
  return composer;
}

/** /accounts: every account the API key sees (owners: their followers and the masters they follow). */
import { Composer } from 'grammy';
import { noMoreArgs } from '../args.js';
import { ALL_ROLES } from '../commands.js';
import { userOf } from '../context.js';
import type { BotContext } from '../context.js';
import { formatAccounts } from '../format/views.js';
import type { Kit } from '../kit.js';

export function accountsFeature(kit: Kit): Composer<BotContext> {
  const composer = new Composer<BotContext>();
  kit.command(composer, {
    name: 'accounts',
    usage: '/accounts',
    description: 'accounts, their role and connection',
    roles: ALL_ROLES,
    async run(ctx, tokens) {
      noMoreArgs(tokens, 0, '/accounts');
      const user = userOf(ctx);
      let list = await kit.control.listAccounts();
      if (user.role === 'owner') {
        const mine = list.filter((a) => a.role === 'follower' && kit.canManage(user, a.id));
        const masters = new Set(mine.flatMap((a) => kit.followerConfig(a.id)?.masters ?? []));
        list = list.filter((a) => mine.includes(a) || masters.has(a.id));
      }
      await kit.reply(ctx, formatAccounts(list));
    },
  });
  return composer;
}

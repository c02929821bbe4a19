/** /positions [follower]: open positions and pending orders (owners: their own followers). */
import { Composer } from 'grammy';
import { followerRef, noMoreArgs, parseArg } from '../args.js';
import { ALL_ROLES } from '../commands.js';
import { userOf } from '../context.js';
import type { BotContext } from '../context.js';
import { formatPositions } from '../format/views.js';
import type { Kit } from '../kit.js';
import { accountHtml } from '../kit.js';

const USAGE = '/positions [follower]';

export function positionsFeature(kit: Kit): Composer<BotContext> {
  const composer = new Composer<BotContext>();
  kit.command(composer, {
    name: 'positions',
    usage: USAGE,
    description: 'open positions of followers',
    roles: ALL_ROLES,
    async run(ctx, tokens) {
      noMoreArgs(tokens, 1, USAGE);
      const user = userOf(ctx);
      if (tokens.length === 0) {
        const all = await kit.control.positions();
        return kit.reply(ctx, formatPositions(all.filter((p) => kit.canSee(user, p.followerId))));
      }
      const follower = await kit.resolve(parseArg(followerRef, tokens[0], USAGE));
      kit.assertSee(user, follower);
      const list = await kit.control.positions(follower.id);
      return kit.reply(ctx, list.length === 0 ? `${accountHtml(follower)} has no open positions.` : formatPositions(list));
    },
  });
  return composer;
}

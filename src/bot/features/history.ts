/** /history [n] [follower]: the last copy results from the journal (owners: their own followers). */
import { Composer } from 'grammy';
import { RejectedError } from '../../domain/errors.js';
import { ArgError, followerRef, historyCount, noMoreArgs, parseArg } from '../args.js';
import { ALL_ROLES } from '../commands.js';
import { userOf } from '../context.js';
import type { BotContext } from '../context.js';
import { formatHistory } from '../format/views.js';
import type { Kit } from '../kit.js';

const USAGE = '/history [n] [follower]';

export function historyFeature(kit: Kit): Composer<BotContext> {
  const composer = new Composer<BotContext>();
  kit.command(composer, {
    name: 'history',
    usage: USAGE,
    description: 'last copy results (default 10, at most 50)',
    roles: ALL_ROLES,
    async run(ctx, tokens) {
      noMoreArgs(tokens, 2, USAGE);
      const user = userOf(ctx);
      // "/history Alpha" and "/history 20 Alpha" both work: a leading number is the count.
      const first = tokens[0];
      const hasCount = first !== undefined && /^[\d.,+-]+$/.test(first);
      const n = hasCount ? parseArg(historyCount, first, USAGE) : 10;
      const ref = hasCount ? tokens[1] : first;
      if (!hasCount) noMoreArgs(tokens, 1, USAGE);
      const names = new Map((await kit.control.listAccounts()).map((a) => [a.id, a.nickname] as const));
      let rows;
      if (ref !== undefined) {
        const parsedRef = parseArg(followerRef, ref, USAGE);
        const follower = await kit.resolve(parsedRef).catch((err: unknown) => {
          if (!hasCount && err instanceof RejectedError && err.code === 'unknown_account') {
            throw new ArgError(`'${parsedRef.slice(0, 40)}' is neither a count (a whole number between 1 and 50) nor an account. Usage: ${USAGE}`);
          }
          throw err;
        });
        kit.assertSee(user, follower);
        rows = kit.control.history({ limit: n, followerId: follower.id });
      } else if (user.role === 'owner') {
        rows = kit.control.history({ limit: Math.max(200, n * 10) }).filter((j) => kit.canSee(user, j.followerId)).slice(0, n);
      } else {
        rows = kit.control.history({ limit: n });
      }
      return kit.reply(ctx, formatHistory(rows.slice(0, n), names));
    },
  });
  return composer;
}

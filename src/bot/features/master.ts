/** /master list | set <account> | remove <account>: which accounts are copied from (set and remove: admin). */
import { Composer } from 'grammy';
import { accountRef, keyArg, noMoreArgs, parseArg } from '../args.js';
import { ALL_ROLES } from '../commands.js';
import { userOf } from '../context.js';
import type { BotContext } from '../context.js';
import { b, code, escapeHtml } from '../format/html.js';
import { shortId } from '../format/numbers.js';
import type { Kit } from '../kit.js';
import { accountHtml, accountLabel } from '../kit.js';

const USAGE = '/master [list | set <account> | remove <account>]';

export function masterFeature(kit: Kit): Composer<BotContext> {
  const composer = new Composer<BotContext>();
  kit.command(composer, {
    name: 'master',
    usage: USAGE,
    description: 'list, set or remove master accounts',
    roles: ALL_ROLES,
    async run(ctx, tokens) {
      const user = userOf(ctx);
      const sub = tokens.length === 0 ? 'list' : parseArg(keyArg('action', ['list', 'set', 'remove']), tokens[0], USAGE);
      const accounts = await kit.control.listAccounts();
      const masters = accounts.filter((a) => a.role === 'master');
      if (sub === 'list') {
        noMoreArgs(tokens, 1, USAGE);
        const lines = [b(`Masters (${masters.length})`)];
        if (masters.length === 0) lines.push('<i>none yet</i>');
        for (const m of masters) lines.push(`• ${accountHtml(m)} ${code(shortId(m.id))}${m.paused ? ' ⏸ paused' : ''}${m.streaming ? '' : ' 🔴 not streaming'}`);
        if (user.role !== 'admin') return kit.reply(ctx, lines.join('\n'));
        return kit.reply(ctx, lines.join('\n'), {
          keyboard: kit.picker([
            { label: '➕ Set a master', line: '/master set' },
            { label: '➖ Remove a master', line: '/master remove' },
          ]),
        });
      }
      kit.assertAdmin(user, `/master ${sub}`);
      noMoreArgs(tokens, 2, USAGE);
      if (tokens.length < 2) {
        const choices = sub === 'set' ? accounts.filter((a) => a.role === 'none') : masters;
        if (choices.length === 0) {
          return kit.reply(ctx, sub === 'set' ? 'No free account to make a master (followers must unfollow first).' : 'There are no masters to remove.');
        }
        return kit.reply(ctx, sub === 'set' ? 'Which account becomes a master?' : 'Which master should stop being copied?', {
          keyboard: kit.picker(choices.map((a) => ({ label: accountLabel(a), line: `/master ${sub} ${a.id}` }))),
        });
      }
      const account = await kit.resolve(parseArg(accountRef, tokens[1], USAGE));
      if (sub === 'set') {
        await kit.control.setMaster(account.id);
        return kit.reply(ctx, `✅ ${accountHtml(account)} is now a master. Make a follower copy it: /follow &lt;follower&gt; ${escapeHtml(account.nickname)}`);
      }
      await kit.control.unsetMaster(account.id);
      return kit.reply(ctx, `✅ ${accountHtml(account)} is no longer a master; its trades are not copied any more.`);
    },
  });
  return composer;
}

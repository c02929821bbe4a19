/** /pause and /resume: a follower, a master or everything. Pausing is risk-reducing: no confirmation. */
import { Composer } from 'grammy';
import type { PauseTarget } from '../../engine/control-types.js';
import { accountRef, noMoreArgs, parseArg } from '../args.js';
import { MANAGERS } from '../commands.js';
import { DeniedError, userOf } from '../context.js';
import type { BotContext } from '../context.js';
import type { Kit } from '../kit.js';
import { accountHtml, accountLabel } from '../kit.js';

type Verb = 'pause' | 'resume';

export function pauseFeature(kit: Kit): Composer<BotContext> {
  const composer = new Composer<BotContext>();
  for (const verb of ['pause', 'resume'] as const satisfies readonly Verb[]) {
    const usage = `/${verb} <follower | master | all>`;
    kit.command(composer, {
      name: verb,
      usage,
      description: verb === 'pause' ? 'stop copying new trades (follower, master or all)' : 'copy again (follower, master or all)',
      roles: MANAGERS,
      async run(ctx, tokens) {
        noMoreArgs(tokens, 2, usage);
        const user = userOf(ctx);
        if (tokens.length === 0) {
          const accounts = await kit.control.listAccounts();
          const items: { label: string; line: string }[] = [];
          if (user.role === 'admin') {
            items.push({ label: verb === 'pause' ? '⏸ Everything' : '▶️ Everything', line: `/${verb} all` });
            for (const a of accounts.filter((x) => x.role === 'master')) items.push({ label: `Master ${accountLabel(a)}`, line: `/${verb} master ${a.id}` });
          }
          for (const a of accounts.filter((x) => x.role === 'follower' && kit.canManage(user, x.id))) items.push({ label: accountLabel(a), line: `/${verb} ${a.id}` });
          if (items.length === 0) return kit.reply(ctx, 'Nothing you can manage.');
          return kit.reply(ctx, verb === 'pause' ? 'Pause what?' : 'Resume what?', { keyboard: kit.picker(items) });
        }
        let target: PauseTarget;
        let label: string;
        const first = (tokens[0] ?? '').toLowerCase();
        if (first === 'all' && tokens.length === 1) {
          kit.assertAdmin(user, `/${verb} all`);
          target = { all: true };
          label = 'Copying';
        } else {
          // "/pause master <ref>" names a master explicitly; a lone "master" is an account reference (a nickname).
          const explicitMaster = first === 'master' && tokens.length === 2;
          const ref = parseArg(accountRef, explicitMaster ? tokens[1] : tokens[0], usage);
          if (!explicitMaster) noMoreArgs(tokens, 1, usage);
          const account = await kit.resolve(ref);
          if (explicitMaster || account.role === 'master') {
            kit.assertAdmin(user, `/${verb} of a master`);
            target = { master: account.id };
            label = `Master ${accountHtml(account)}`;
          } else {
            if (kit.followerConfig(account.id) === null) throw new DeniedError(`${account.nickname} is neither a master nor a follower.`);
            kit.assertManage(user, account);
            target = { follower: account.id };
            label = accountHtml(account);
          }
        }
        if (verb === 'pause') await kit.control.pause(target);
        else await kit.control.resume(target);
        await kit.reply(ctx, verb === 'pause' ? `⏸ ${label} paused: new master trades are not copied.` : `▶️ ${label} resumed: new master trades are copied again.`);
      },
    });
  }
  return composer;
}

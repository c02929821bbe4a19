/** /follow <follower> <master> (confirmed, with a sizing preview) and /unfollow <follower> [master]. */
import { Composer } from 'grammy';
import { defaultFollower } from '../../domain/config.js';
import type { Sizing } from '../../domain/config.js';
import { followerRef, masterRef, noMoreArgs, parseArg } from '../args.js';
import { MANAGERS } from '../commands.js';
import { DeniedError, userOf } from '../context.js';
import type { BotContext } from '../context.js';
import { escapeHtml } from '../format/html.js';
import { formatPreview, formatSizing } from '../format/views.js';
import type { Kit } from '../kit.js';
import { accountHtml, accountLabel } from '../kit.js';
import type { ChatUser } from '../ports.js';

const FOLLOW = '/follow <follower> <master>';
const UNFOLLOW = '/unfollow <follower> [master]';
/** What a new follower starts with (the domain's default). */
const DEFAULT_SIZING: Sizing = defaultFollower('', []).sizing;

export function followFeature(kit: Kit): Composer<BotContext> {
  const composer = new Composer<BotContext>();

  /** An admin may make any non-master account a follower; an owner only re-points followers they own. */
  const authorizeFollow = async (user: ChatUser, followerId: string, masterId: string): Promise<void> => {
    if (followerId === masterId) throw new DeniedError('An account cannot follow itself.');
    const accounts = await kit.accounts();
    const follower = accounts.get(followerId);
    const master = accounts.get(masterId);
    if (follower?.role === 'master') throw new DeniedError(`${follower.nickname} is a master; remove it as master first (/master remove).`);
    if (master !== undefined && master.role !== 'master') {
      throw new DeniedError(`${master.nickname} is not a master. An admin sets masters with /master set.`);
    }
    if (user.role === 'admin') return;
    kit.assertManage(user, { id: followerId, nickname: follower?.nickname ?? followerId });
  };

  kit.confirmable('follow', {
    roles: MANAGERS,
    authorize: (_ctx, user, [fid, mid]) => authorizeFollow(user, fid ?? '', mid ?? ''),
    async execute(ctx, _user, [fid, mid]) {
      const cfg = await kit.control.follow(fid ?? '', mid ?? '');
      const accounts = await kit.accounts();
      const f = accounts.get(cfg.accountId);
      const m = accounts.get(mid ?? '');
      await kit.reply(
        ctx,
        `✅ ${f === undefined ? escapeHtml(cfg.accountId) : accountHtml(f)} now copies ${m === undefined ? escapeHtml(mid ?? '') : accountHtml(m)} with ${formatSizing(cfg.sizing)}.`,
      );
    },
  });

  kit.command(composer, {
    name: 'follow',
    usage: FOLLOW,
    description: 'make an account copy a master (asks to confirm)',
    roles: MANAGERS,
    async run(ctx, tokens) {
      noMoreArgs(tokens, 2, FOLLOW);
      const user = userOf(ctx);
      const accounts = await kit.control.listAccounts();
      if (tokens.length === 0) {
        const candidates = accounts.filter((a) => a.role !== 'master' && (user.role === 'admin' || kit.canManage(user, a.id)));
        if (candidates.length === 0) return kit.reply(ctx, user.role === 'owner' ? 'You own no follower accounts yet; an admin assigns them.' : 'No account can follow (all are masters).');
        return kit.reply(ctx, 'Which account should copy?', {
          keyboard: kit.picker(candidates.map((a) => ({ label: accountLabel(a), line: `/follow ${a.id}` }))),
        });
      }
      const follower = await kit.resolve(parseArg(followerRef, tokens[0], FOLLOW));
      if (tokens.length === 1) {
        const masters = accounts.filter((a) => a.role === 'master' && a.id !== follower.id);
        if (masters.length === 0) return kit.reply(ctx, 'There is no master to follow yet. An admin sets one with /master set.');
        return kit.reply(ctx, `Which master should ${accountHtml(follower)} copy?`, {
          keyboard: kit.picker(masters.map((a) => ({ label: accountLabel(a), line: `/follow ${follower.id} ${a.id}` }))),
        });
      }
      const master = await kit.resolve(parseArg(masterRef, tokens[1], FOLLOW));
      await authorizeFollow(user, follower.id, master.id);
      const cfg = kit.followerConfig(follower.id);
      if (cfg?.masters.includes(master.id) === true) {
        return kit.reply(ctx, `${accountHtml(follower)} already copies ${accountHtml(master)} (${formatSizing(cfg.sizing)}).`);
      }
      const sizing = cfg?.sizing ?? DEFAULT_SIZING;
      let preview: string;
      try {
        preview = formatPreview(await kit.control.previewSizing(follower.id, sizing, 10));
      } catch (err) {
        preview = `<i>No preview: ${escapeHtml(err instanceof Error ? err.message : String(err))}</i>`;
      }
      await kit.confirm(ctx, {
        action: 'follow',
        args: [follower.id, master.id],
        apply: '✅ Follow',
        html: [`⚠️ ${accountHtml(follower)} will copy every new trade of ${accountHtml(master)} with ${formatSizing(sizing)}.`, '', preview].join('\n'),
      });
    },
  });

  kit.command(composer, {
    name: 'unfollow',
    usage: UNFOLLOW,
    description: 'stop copying a master (or all)',
    roles: MANAGERS,
    async run(ctx, tokens) {
      noMoreArgs(tokens, 2, UNFOLLOW);
      const user = userOf(ctx);
      if (tokens.length === 0) {
        const mine = await kit.manageableFollowers(user);
        if (mine.length === 0) return kit.reply(ctx, 'No follower you can manage.');
        return kit.reply(ctx, 'Which follower should stop copying?', {
          keyboard: kit.picker(mine.map((a) => ({ label: accountLabel(a), line: `/unfollow ${a.id}` }))),
        });
      }
      const follower = await kit.resolveManaged(user, parseArg(followerRef, tokens[0], UNFOLLOW));
      const cfg = kit.followerConfig(follower.id);
      const masters = cfg?.masters ?? [];
      if (tokens.length === 1 && masters.length > 1) {
        const accounts = await kit.accounts();
        return kit.reply(ctx, `${accountHtml(follower)} copies ${masters.length} masters. Stop which?`, {
          keyboard: kit.picker([
            ...masters.map((id) => ({ label: accounts.get(id)?.nickname ?? id, line: `/unfollow ${follower.id} ${id}` })),
            { label: 'All of them', line: `/unfollow ${follower.id} all` },
          ]),
        });
      }
      const all = tokens[1] === undefined || tokens[1].toLowerCase() === 'all';
      if (all) {
        await kit.control.unfollow(follower.id);
        return kit.reply(ctx, `✅ ${accountHtml(follower)} no longer copies any master. Open copies stay open; /closeall closes them.`);
      }
      const master = await kit.resolve(parseArg(masterRef, tokens[1], UNFOLLOW));
      await kit.control.unfollow(follower.id, master.id);
      return kit.reply(ctx, `✅ ${accountHtml(follower)} no longer copies ${accountHtml(master)}. Open copies stay open.`);
    },
  });

  return composer;
}

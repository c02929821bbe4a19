/** /filter <follower> [<key> <value>]: what to copy at all (symbols, sides, reverse, SL/TP, pending). */
import { Composer } from 'grammy';
import { FILTER_KEYS, followerRef, keyArg, noMoreArgs, parseArg } from '../args.js';
import { ALL_ROLES } from '../commands.js';
import { ArgError } from '../args.js';
import { userOf } from '../context.js';
import type { BotContext } from '../context.js';
import { escapeHtml } from '../format/html.js';
import { formatFilters } from '../format/views.js';
import type { Kit } from '../kit.js';
import { accountHtml, accountLabel } from '../kit.js';

const USAGE = '/filter <follower> [<key> <value>]';
const KEYS = Object.keys(FILTER_KEYS);

export function filterFeature(kit: Kit): Composer<BotContext> {
  const composer = new Composer<BotContext>();
  kit.command(composer, {
    name: 'filter',
    usage: USAGE,
    description: 'symbols allow/deny, sides, reverse, SL/TP, pending',
    roles: ALL_ROLES,
    async run(ctx, tokens) {
      const user = userOf(ctx);
      if (tokens.length === 0) {
        const list = await kit.visibleFollowers(user);
        if (list.length === 0) return kit.reply(ctx, 'No follower to show.');
        return kit.reply(ctx, 'Filters of which follower?', { keyboard: kit.picker(list.map((a) => ({ label: accountLabel(a), line: `/filter ${a.id}` }))) });
      }
      const ref = parseArg(followerRef, tokens[0], USAGE);
      const key = tokens.length > 1 ? parseArg(keyArg('key', KEYS), tokens[1], USAGE) : null;
      const spec = key === null ? null : FILTER_KEYS[key];
      let patch = null;
      if (spec !== null && spec !== undefined) {
        const list = key === 'allow' || key === 'deny';
        if (!list) noMoreArgs(tokens, 3, USAGE);
        if (tokens.length < 3) throw new ArgError(`${key} needs a value. Usage: /filter <follower> ${spec.help}`);
        patch = parseArg(spec.value, list ? tokens.slice(2).join(',') : tokens[2], `/filter <follower> ${spec.help}`);
      }
      const follower = await kit.resolve(ref);
      if (patch === null) {
        kit.assertSee(user, follower);
        const cfg = kit.control.follower(follower.id);
        const help = KEYS.map((k) => FILTER_KEYS[k]?.help ?? k).join(' · ');
        return kit.reply(ctx, `Filters of ${accountHtml(follower)}:\n${formatFilters(cfg.filters)}\n\n<i>Set with /filter ${escapeHtml(follower.nickname)} ${escapeHtml(help)}</i>`);
      }
      kit.assertManage(user, follower);
      const filters = await kit.control.setFilters(follower.id, patch);
      return kit.reply(ctx, `✅ Filters of ${accountHtml(follower)}:\n${formatFilters(filters)}`);
    },
  });
  return composer;
}

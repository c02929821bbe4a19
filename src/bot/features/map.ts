/** /map <follower> [<from> <to|->]: the explicit master → follower symbol map. */
import { Composer } from 'grammy';
import { z } from 'zod';
import { arg, followerRef, noMoreArgs, parseArg, symbolArg, SYMBOL_RE } from '../args.js';
import { ALL_ROLES } from '../commands.js';
import { userOf } from '../context.js';
import type { BotContext } from '../context.js';
import { escapeHtml } from '../format/html.js';
import type { Kit } from '../kit.js';
import { accountHtml, accountLabel } from '../kit.js';

const USAGE = '/map <follower> [<from> <to|->]';
const target = arg('to', 'a follower symbol, or - to remove the mapping', z.string().refine((s) => s === '-' || SYMBOL_RE.test(s)).transform((s) => (s === '-' ? null : s)));

export function mapFeature(kit: Kit): Composer<BotContext> {
  const composer = new Composer<BotContext>();
  kit.command(composer, {
    name: 'map',
    usage: USAGE,
    description: 'show or set symbol mappings (- removes)',
    roles: ALL_ROLES,
    async run(ctx, tokens) {
      noMoreArgs(tokens, 3, USAGE);
      const user = userOf(ctx);
      if (tokens.length === 0) {
        const list = await kit.visibleFollowers(user);
        if (list.length === 0) return kit.reply(ctx, 'No follower to show.');
        return kit.reply(ctx, 'Symbol map of which follower?', { keyboard: kit.picker(list.map((a) => ({ label: accountLabel(a), line: `/map ${a.id}` }))) });
      }
      const ref = parseArg(followerRef, tokens[0], USAGE);
      const from = tokens.length > 1 ? parseArg(symbolArg('from'), tokens[1], USAGE) : null;
      const to = from !== null ? parseArg(target, tokens[2], USAGE) : undefined;
      const follower = await kit.resolve(ref);
      if (from === null || to === undefined) {
        kit.assertSee(user, follower);
        const map = kit.control.symbolMap(follower.id);
        const entries = Object.entries(map);
        const lines = [`Symbol map of ${accountHtml(follower)}:`];
        if (entries.length === 0) lines.push('<i>empty: symbols resolve automatically (suffixes, aliases)</i>');
        for (const [k, v] of entries) lines.push(`• ${escapeHtml(k)} → ${escapeHtml(v)}`);
        lines.push('', `<i>Set: /map ${escapeHtml(follower.nickname)} XAUUSD GOLD · remove: /map ${escapeHtml(follower.nickname)} XAUUSD -</i>`);
        return kit.reply(ctx, lines.join('\n'));
      }
      kit.assertManage(user, follower);
      const map = await kit.control.setSymbolMapping(follower.id, from, to);
      const entries = Object.entries(map);
      return kit.reply(
        ctx,
        `✅ ${accountHtml(follower)}: ${to === null ? `${escapeHtml(from)} mapping removed` : `${escapeHtml(from)} → ${escapeHtml(to)}`}. ${entries.length} mapping${entries.length === 1 ? '' : 's'} now.`,
      );
    },
  });
  return composer;
}

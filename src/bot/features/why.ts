/** /why <ticket>: what the journal says about a master or follower ticket (reasons with their numbers). */
import { Composer } from 'grammy';
import { noMoreArgs, parseArg, ticketArg } from '../args.js';
import { ALL_ROLES } from '../commands.js';
import { userOf } from '../context.js';
import type { BotContext } from '../context.js';
import { escapeHtml } from '../format/html.js';
import { formatWhy } from '../format/views.js';
import type { Kit } from '../kit.js';

const USAGE = '/why <ticket>';

export function whyFeature(kit: Kit): Composer<BotContext> {
  const composer = new Composer<BotContext>();
  kit.command(composer, {
    name: 'why',
    usage: USAGE,
    description: 'why a ticket was copied, resized or skipped',
    roles: ALL_ROLES,
    async run(ctx, tokens) {
      noMoreArgs(tokens, 1, USAGE);
      const user = userOf(ctx);
      if (tokens.length === 0) {
        const recent = kit.control.history({ limit: 100 }).filter((j) => kit.canSee(user, j.followerId) && j.masterTicket !== null);
        const tickets = [...new Set(recent.map((j) => j.masterTicket as number))].slice(0, 8);
        if (tickets.length === 0) return kit.reply(ctx, `Nothing in the journal yet. Usage: ${escapeHtml(USAGE)}`);
        return kit.reply(ctx, 'Which master ticket? (recent ones below, or type /why &lt;ticket&gt;)', {
          keyboard: kit.picker(tickets.map((t) => ({ label: `#${t}`, line: `/why ${t}` })), 4),
        });
      }
      const ticket = parseArg(ticketArg, tokens[0], USAGE);
      const names = new Map((await kit.control.listAccounts()).map((a) => [a.id, a.nickname] as const));
      const rows = kit.control.why(ticket).filter((j) => kit.canSee(user, j.followerId));
      return kit.reply(ctx, formatWhy(ticket, rows, names));
    },
  });
  return composer;
}

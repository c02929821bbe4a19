/** /status: connections, last event age, copy lag, paused state; a Refresh button edits it in place. */
import { Composer, InlineKeyboard } from 'grammy';
import type { StatusView } from '../../engine/control-types.js';
import { noMoreArgs } from '../args.js';
import { ALL_ROLES } from '../commands.js';
import { userOf } from '../context.js';
import type { BotContext } from '../context.js';
import { formatStatus } from '../format/views.js';
import type { Kit } from '../kit.js';
import type { BrokerHealth, ChatUser } from '../ports.js';

function visibleStatus(kit: Kit, user: ChatUser, s: StatusView): StatusView {
  if (user.role !== 'owner') return s;
  const followers = s.followers.filter((f) => kit.canSee(user, f.id));
  const masterIds = new Set(followers.flatMap((f) => f.masters));
  return { ...s, followers, masters: s.masters.filter((m) => masterIds.has(m.id)) };
}

/** The transport counters, or nothing when they are not wired or cannot be read (/status must still answer). */
function readBrokerHealth(kit: Kit): BrokerHealth | undefined {
  try {
    return kit.brokerHealth?.();
  } catch (err) {
    kit.log.warn({ err: String(err) }, 'broker health unavailable for /status');
    return undefined;
  }
}

export function statusFeature(kit: Kit): Composer<BotContext> {
  const composer = new Composer<BotContext>();
  const render = async (ctx: BotContext): Promise<void> => {
    const user = userOf(ctx);
    const text = formatStatus(visibleStatus(kit, user, kit.control.status()), kit.clock.now(), readBrokerHealth(kit));
    await kit.reply(ctx, text, { keyboard: new InlineKeyboard().text('🔄 Refresh', 'st:r') });
  };

  kit.command(composer, {
    name: 'status',
    usage: '/status',
    description: 'connections, last event, copy lag, paused',
    roles: ALL_ROLES,
    async run(ctx, tokens) {
      noMoreArgs(tokens, 0, '/status');
      await render(ctx);
    },
  });

  composer.callbackQuery('st:r', async (ctx) => {
    try {
      await render(ctx);
      await kit.answer(ctx, 'Refreshed');
    } catch (err) {
      await kit.replyError(ctx, '/status', err);
    }
  });
  return composer;
}

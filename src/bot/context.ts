/** The grammY context the bot's middleware sees, and the errors handlers throw to refuse politely. */
import type { Context } from 'grammy';
import type { ChatUser } from './ports.js';

/** Per-update state the bot's middleware keeps. */
export interface FxState {
  /** The callback query was answered (every tap is answered exactly once). */
  answered: boolean;
  /** Messages sent or edited in answer to this update. */
  replies: number;
}

export interface BotFlavor {
  /** The known user behind this update; set by the auth middleware before any feature runs. */
  user?: ChatUser;
  fx: FxState;
}

export type BotContext = Context & BotFlavor;

/** The user is known but may not do this; the message is shown as is (plain text). */
export class DeniedError extends Error {
  override readonly name = 'DeniedError';
}

/** The known user behind the update (auth guarantees it inside features). */
export function userOf(ctx: BotContext): ChatUser {
  if (ctx.user === undefined) throw new DeniedError('Unknown user.');
  return ctx.user;
}

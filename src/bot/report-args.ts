/**
 * Arguments of the report commands (/profit, /daily, /weekly, /monthly, /performance, /quality): which followers
 * (one, or `all` the user may see) and which period or how many rows, with replies that say what was wrong. Owners
 * only ever get their own followers.
 */
import { FxmirrorError, RejectedError } from '../domain/errors.js';
import { parsePeriod, PERIOD_WORDS, type ReportPeriod } from '../domain/performance/period.js';
import type { AccountView } from '../engine/control-types.js';
import { arg, ArgError, followerRef, intIn, noMoreArgs, parseArg } from './args.js';
import { DeniedError, userOf } from './context.js';
import type { BotContext } from './context.js';
import { escapeHtml } from './format/html.js';
import type { Kit } from './kit.js';
import { accountHtml } from './kit.js';

/** Which followers a report is for: one named, or every one the user may see. */
export type FollowerChoice = { all: true } | { ref: string };

/** `[follower|all] [period]` in either order; the first `all` means every follower, a second one all history. */
export function followerAndPeriod(tokens: readonly string[], usage: string, fallback: ReportPeriod): { who: FollowerChoice; period: ReportPeriod } {
  noMoreArgs(tokens, 2, usage);
  let who: FollowerChoice | null = null;
  let period: ReportPeriod | null = null;
  for (const [i, token] of tokens.entries()) {
    // "all" first (or after a period) means every follower; after a follower it means all history.
    if (token.toLowerCase() === 'all' && who === null && (i === 0 || period !== null)) {
      who = { all: true };
      continue;
    }
    const p = parsePeriod(token);
    if (p !== null) {
      if (period !== null) throw new ArgError(`two periods given ('${token.slice(0, 20)}'). Usage: ${usage}`);
      period = p;
      continue;
    }
    if (who !== null) throw new ArgError(`'${token.slice(0, 40)}' is not a period (${PERIOD_WORDS}). Usage: ${usage}`);
    who = { ref: parseArg(followerRef, token, usage) };
  }
  return { who: who ?? { all: true }, period: period ?? fallback };
}

/** `[n] [follower|all]` in either order, `n` from 1 to `max`. */
export function countAndFollower(tokens: readonly string[], usage: string, fallback: number, max: number): { who: FollowerChoice; count: number } {
  noMoreArgs(tokens, 2, usage);
  const countArg = arg('n', `a whole number from 1 to ${max}`, intIn(1, max));
  let who: FollowerChoice | null = null;
  let count: number | null = null;
  for (const token of tokens) {
    if (/^[+-]?[\d.,]+$/.test(token)) {
      if (count !== null) throw new ArgError(`two counts given. Usage: ${usage}`);
      count = parseArg(countArg, token, usage);
      continue;
    }
    if (who !== null) throw new ArgError(`only one follower at a time ('${token.slice(0, 40)}' is extra). Usage: ${usage}`);
    who = token.toLowerCase() === 'all' ? { all: true } : { ref: parseArg(followerRef, token, usage) };
  }
  return { who: who ?? { all: true }, count: count ?? fallback };
}

/**
 * The followers a report covers for the user behind `ctx`: every visible one for `all` (owners: their own), or the
 * one named (which must be a follower they may see). A name that is no account is said to be neither.
 */
export async function reportFollowers(kit: Kit, ctx: BotContext, who: FollowerChoice, usage: string, periodWords: boolean): Promise<AccountView[]> {
  const user = userOf(ctx);
  if ('all' in who) return kit.visibleFollowers(user);
  const account = await kit.resolve(who.ref).catch((err: unknown) => {
    if (err instanceof RejectedError && err.code === 'unknown_account') {
      const what = periodWords ? `a period (${PERIOD_WORDS}) nor an account` : 'a count nor an account';
      throw new ArgError(`'${who.ref.slice(0, 40)}' is neither ${what}. Usage: ${usage}`);
    }
    throw err;
  });
  kit.assertSee(user, account);
  if (kit.followerConfig(account.id) === null) throw new DeniedError(`${account.nickname} is not a follower; reports cover followers' copies.`);
  return [account];
}

/**
 * Runs `one` for each follower and replies once per follower (a report each, so a long table never splits inside);
 * a follower whose history cannot be read now gets its own line and the others still report.
 */
export async function replyPerFollower(kit: Kit, ctx: BotContext, followers: readonly AccountView[], one: (f: AccountView) => Promise<string>): Promise<void> {
  if (followers.length === 0) {
    await kit.reply(ctx, 'No follower to report on.');
    return;
  }
  for (const f of followers) {
    let html: string;
    try {
      html = await one(f);
    } catch (err) {
      // A refused argument (a period in the future, …) is refused once, for all; an unreachable follower is only
      // that follower's line, and the others still report.
      if (followers.length === 1 || (err instanceof FxmirrorError && err.action === 'reject')) throw err;
      html = `⏳ ${accountHtml(f)}: history not available now (${escapeHtml(err instanceof Error ? err.message : 'error')}).`;
      kit.log.warn({ followerId: f.id, err: err instanceof Error ? err.message : String(err) }, 'report failed for one follower');
    }
    await kit.reply(ctx, html, { newMessage: true });
  }
}

/**
 * /multiplier <follower> <x> and /sizing <follower> <mode> <value>. Every change shows how the last 10 master trades
 * would be sized (ControlApi.previewSizing); a change that makes lots larger asks for confirmation first.
 */
import { Composer } from 'grammy';
import { z } from 'zod';
import type { Sizing } from '../../domain/config.js';
import { followerRef, multiplierArg, noMoreArgs, parseArg, SIZING_MODES, sizingModeArg, sizingOf } from '../args.js';
import { MANAGERS } from '../commands.js';
import { userOf } from '../context.js';
import type { BotContext } from '../context.js';
import { escapeHtml } from '../format/html.js';
import { formatPreview, formatSizing } from '../format/views.js';
import type { Kit } from '../kit.js';
import { accountHtml, accountLabel } from '../kit.js';
import { multiplierSizing, proposeSizing } from '../sizing-change.js';
import type { AccountView } from '../../engine/control-types.js';

const MULTIPLIER = '/multiplier <follower> <x>';
const SIZING = '/sizing <follower> <mode> <value>';

const sizingSchema: z.ZodType<Sizing> = z.union([
  z.object({ mode: z.enum(['multiplier', 'balance_ratio', 'equity_ratio']), multiplier: z.number() }),
  z.object({ mode: z.literal('fixed'), lots: z.number() }),
  z.object({ mode: z.literal('risk_percent'), percent: z.number() }),
]);

const PRESETS: Record<Sizing['mode'], number[]> = {
  multiplier: [0.1, 0.25, 0.5, 1, 1.5, 2, 3, 5],
  balance_ratio: [0.5, 1, 1.5, 2],
  equity_ratio: [0.5, 1, 1.5, 2],
  fixed: [0.01, 0.02, 0.05, 0.1, 0.5, 1],
  risk_percent: [0.25, 0.5, 1, 2],
};

export function sizingFeature(kit: Kit): Composer<BotContext> {
  const composer = new Composer<BotContext>();

  /** Shows the effect of a new sizing; applies it at once when lots do not grow, else asks to confirm. */
  const propose = async (ctx: BotContext, follower: AccountView, next: Sizing): Promise<void> => {
    const { before: prev, unchanged, grows, rows: rowsNext } = await proposeSizing(kit.control, follower.id, next);
    if (unchanged) {
      return kit.reply(ctx, `${accountHtml(follower)} already uses ${formatSizing(prev)}.`);
    }
    const change = `${formatSizing(prev)} → ${formatSizing(next)}`;
    if (grows) {
      return kit.confirm(ctx, {
        action: 'sizing',
        args: [follower.id, JSON.stringify(next)],
        html: `⚠️ ${accountHtml(follower)}: ${change} (larger lots)\n\n${formatPreview(rowsNext)}`,
      });
    }
    await kit.control.setSizing(follower.id, next);
    return kit.reply(ctx, `✅ ${accountHtml(follower)}: ${change}\n\n${formatPreview(rowsNext)}`);
  };

  kit.confirmable('sizing', {
    roles: MANAGERS,
    async authorize(_ctx, user, [fid]) {
      const follower = await kit.resolve(fid ?? '');
      kit.assertManage(user, follower);
    },
    async execute(ctx, _user, [fid, json]) {
      const sizing = sizingSchema.parse(JSON.parse(json ?? 'null'));
      const follower = await kit.resolve(fid ?? '');
      const before = kit.control.follower(follower.id).sizing;
      const cfg = await kit.control.setSizing(follower.id, sizing);
      await kit.reply(ctx, `✅ ${accountHtml(follower)}: ${formatSizing(before)} → ${formatSizing(cfg.sizing)}`);
    },
  });

  const pickFollower = async (ctx: BotContext, command: string, question: string): Promise<void> => {
    const mine = await kit.manageableFollowers(userOf(ctx));
    if (mine.length === 0) return kit.reply(ctx, 'No follower you can manage. /follow makes an account a follower.');
    return kit.reply(ctx, question, { keyboard: kit.picker(mine.map((a) => ({ label: accountLabel(a), line: `/${command} ${a.id}` }))) });
  };

  kit.command(composer, {
    name: 'multiplier',
    usage: MULTIPLIER,
    description: 'lot multiplier (preview; larger asks to confirm)',
    roles: MANAGERS,
    async run(ctx, tokens) {
      noMoreArgs(tokens, 2, MULTIPLIER);
      if (tokens.length === 0) return pickFollower(ctx, 'multiplier', 'Change the multiplier of which follower?');
      const ref = parseArg(followerRef, tokens[0], MULTIPLIER);
      const x = tokens.length > 1 ? parseArg(multiplierArg, tokens[1], MULTIPLIER) : null;
      const follower = await kit.resolveManaged(userOf(ctx), ref);
      const current = kit.control.follower(follower.id).sizing;
      if (x === null) {
        return kit.reply(ctx, `${accountHtml(follower)} uses ${formatSizing(current)}. New multiplier?\n<i>Or type /multiplier ${escapeHtml(follower.nickname)} &lt;x&gt;</i>`, {
          keyboard: kit.picker(PRESETS.multiplier.map((v) => ({ label: `×${v}`, line: `/multiplier ${follower.id} ${v}` })), 4),
        });
      }
      return propose(ctx, follower, multiplierSizing(current, x));
    },
  });

  kit.command(composer, {
    name: 'sizing',
    usage: SIZING,
    description: 'sizing mode: multiplier, fixed, balance_ratio, equity_ratio, risk_percent',
    roles: MANAGERS,
    async run(ctx, tokens) {
      noMoreArgs(tokens, 3, SIZING);
      if (tokens.length === 0) return pickFollower(ctx, 'sizing', 'Change the sizing of which follower?');
      const ref = parseArg(followerRef, tokens[0], SIZING);
      const mode = tokens.length > 1 ? parseArg(sizingModeArg, tokens[1], SIZING) : null;
      const value = mode !== null && tokens.length > 2 ? parseArg(SIZING_MODES[mode].value, tokens[2], SIZING) : null;
      const follower = await kit.resolveManaged(userOf(ctx), ref);
      const current = kit.control.follower(follower.id).sizing;
      if (mode === null) {
        return kit.reply(ctx, `${accountHtml(follower)} uses ${formatSizing(current)}. Which mode?`, {
          keyboard: kit.picker(Object.keys(SIZING_MODES).map((m) => ({ label: m, line: `/sizing ${follower.id} ${m}` }))),
        });
      }
      if (value === null) {
        const name = SIZING_MODES[mode].value.name;
        return kit.reply(ctx, `${accountHtml(follower)}: ${mode} with which ${name}? (currently ${formatSizing(current)})`, {
          keyboard: kit.picker(PRESETS[mode].map((v) => ({ label: String(v), line: `/sizing ${follower.id} ${mode} ${v}` })), 4),
        });
      }
      return propose(ctx, follower, sizingOf(mode, value));
    },
  });

  return composer;
}

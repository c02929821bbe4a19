/**
 * /risk <follower> [<key> <value>]: risk limits. Loosening a limit (a larger max lot, a limit turned off, close-only
 * off, a fallback lot for copies without SL, …) increases risk and asks for confirmation; tightening applies at once.
 * With a daily loss limit, the view (and any change of `dailyloss` or `nosl`) shows the daily risk budget: today's
 * loss, open risk at SL, what is left, and what the next copy of the latest master trade would be capped to.
 */
import { Composer } from 'grammy';
import type { NoStopLossRule, RiskLimits } from '../../domain/config.js';
import { FxmirrorError } from '../../domain/errors.js';
import { ArgError, followerRef, keyArg, noMoreArgs, parseArg, RISK_KEYS } from '../args.js';
import { ALL_ROLES, MANAGERS } from '../commands.js';
import { userOf } from '../context.js';
import type { BotContext } from '../context.js';
import { escapeHtml } from '../format/html.js';
import { formatRisk, formatRiskBudget } from '../format/views.js';
import type { Kit } from '../kit.js';
import { accountHtml, accountLabel } from '../kit.js';

const USAGE = '/risk <follower> [<key> <value>]';
const KEYS = Object.keys(RISK_KEYS);

const looser = (before: number | null, after: number | null): boolean => before !== null && (after === null || after > before);
const MARGIN_ORDER = { skip: 0, reduce: 1, off: 2 } as const;
/** Sending copies without SL at a fallback lot, or at a larger one, is riskier than skipping them. */
const looserNoStopLoss = (before: NoStopLossRule, after: NoStopLossRule): boolean =>
  after.mode === 'fallback' && (before.mode === 'skip' || after.lots > before.lots);
/** The keys whose change moves the daily risk budget, so their replies preview it. */
const BUDGET_KEYS: readonly (keyof RiskLimits)[] = ['dailyLossLimit', 'noStopLoss'];

/** Whether the patch lets the follower take more risk than before (UI policy: when to ask for confirmation). */
export function loosensRisk(before: RiskLimits, patch: Partial<RiskLimits>): boolean {
  const after = { ...before, ...patch };
  return (
    looser(before.maxLot, after.maxLot) ||
    looser(before.maxOpenPositions, after.maxOpenPositions) ||
    MARGIN_ORDER[after.marginCheck] > MARGIN_ORDER[before.marginCheck] ||
    after.marginUsageMax > before.marginUsageMax ||
    looser(before.maxPriceDeviationPoints, after.maxPriceDeviationPoints) ||
    looser(before.dailyLossLimit, after.dailyLossLimit) ||
    looserNoStopLoss(before.noStopLoss, after.noStopLoss) ||
    (before.closeOnly && !after.closeOnly) ||
    (before.belowMin === 'skip' && after.belowMin === 'round_up')
  );
}

/**
 * The daily risk budget block under a reply (with `patch`: as the new settings would make it), or a line saying why it
 * cannot be shown now; empty when it is not wanted.
 */
async function budgetBlock(kit: Kit, followerId: string, patch?: Partial<RiskLimits>): Promise<string> {
  try {
    return `\n\n${formatRiskBudget(await kit.control.riskBudget(followerId, patch))}`;
  } catch (err) {
    if (err instanceof FxmirrorError) return `\n\n<i>Daily risk budget not available: ${escapeHtml(err.message)}</i>`;
    throw err;
  }
}

const touchesBudget = (patch: Partial<RiskLimits>): boolean => BUDGET_KEYS.some((k) => k in patch);

export function riskFeature(kit: Kit): Composer<BotContext> {
  const composer = new Composer<BotContext>();

  kit.confirmable('risk', {
    roles: MANAGERS,
    async authorize(_ctx, user, [fid]) {
      kit.assertManage(user, await kit.resolve(fid ?? ''));
    },
    async execute(ctx, _user, [fid, json]) {
      const follower = await kit.resolve(fid ?? '');
      const patch = JSON.parse(json ?? '{}') as Partial<RiskLimits>;
      const risk = await kit.control.setRisk(follower.id, patch);
      const budget = touchesBudget(patch) ? await budgetBlock(kit, follower.id) : '';
      await kit.reply(ctx, `✅ Risk limits of ${accountHtml(follower)}:\n${formatRisk(risk)}${budget}`);
    },
  });

  kit.command(composer, {
    name: 'risk',
    usage: USAGE,
    description: 'max lot, max positions, margin check, deviation, daily loss and its budget, close-only',
    roles: ALL_ROLES,
    async run(ctx, tokens) {
      const user = userOf(ctx);
      if (tokens.length === 0) {
        const list = await kit.visibleFollowers(user);
        if (list.length === 0) return kit.reply(ctx, 'No follower to show.');
        return kit.reply(ctx, 'Risk limits of which follower?', { keyboard: kit.picker(list.map((a) => ({ label: accountLabel(a), line: `/risk ${a.id}` }))) });
      }
      noMoreArgs(tokens, 3, USAGE);
      const ref = parseArg(followerRef, tokens[0], USAGE);
      const key = tokens.length > 1 ? parseArg(keyArg('key', KEYS), tokens[1], USAGE) : null;
      const spec = key === null ? undefined : RISK_KEYS[key];
      let patch: Partial<RiskLimits> | null = null;
      if (spec !== undefined) {
        if (tokens.length < 3) throw new ArgError(`${key} needs a value. Usage: /risk <follower> ${spec.help}`);
        patch = parseArg(spec.value, tokens[2], `/risk <follower> ${spec.help}`);
      }
      const follower = await kit.resolve(ref);
      if (patch === null) {
        kit.assertSee(user, follower);
        const cfg = kit.control.follower(follower.id);
        const help = KEYS.map((k) => RISK_KEYS[k]?.help ?? k).join(' · ');
        const budget = cfg.risk.dailyLossLimit === null ? '' : await budgetBlock(kit, follower.id);
        return kit.reply(ctx, `Risk limits of ${accountHtml(follower)}:\n${formatRisk(cfg.risk)}${budget}\n\n<i>Set with /risk ${escapeHtml(follower.nickname)} ${escapeHtml(help)}</i>`);
      }
      kit.assertManage(user, follower);
      const before = kit.control.follower(follower.id).risk;
      if (loosensRisk(before, patch)) {
        const budget = touchesBudget(patch) ? await budgetBlock(kit, follower.id, patch) : '';
        return kit.confirm(ctx, {
          action: 'risk',
          args: [follower.id, JSON.stringify(patch)],
          html: `⚠️ This loosens a risk limit of ${accountHtml(follower)}:\n${formatRisk(before)}\n→\n${formatRisk({ ...before, ...patch })}${budget}`,
        });
      }
      const risk = await kit.control.setRisk(follower.id, patch);
      const budget = touchesBudget(patch) ? await budgetBlock(kit, follower.id) : '';
      return kit.reply(ctx, `✅ Risk limits of ${accountHtml(follower)}:\n${formatRisk(risk)}${budget}`);
    },
  });
  return composer;
}

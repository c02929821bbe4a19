/**
 * The persisted state document (version 4) and its zod schemas. Every load validates the whole file against
 * {@link stateSchema}; the domain types are checked against the schemas at compile time, so a field added to a
 * domain type without the schema (or the other way round) fails `tsc`.
 *
 * The copy journal is not part of `state.json` since version 2: it lives in `journal.jsonl` (one
 * {@link journalEntrySchema} row per line, see `journal-file.ts`), and the in-memory {@link State} carries its newest
 * rows as `journal`, so the engine's view is the same as before. Since version 3 the links live in `links.jsonl`
 * (a log of changes, see `links-file.ts`) and the in-memory {@link State} carries them as `links`. Version 4 adds each
 follower's `risk.noStopLoss` (the daily risk budget's rule for copies without a stop loss).
 */
import { z } from 'zod';
import type { Filters, FollowerConfig, MasterConfig, NoStopLossRule, RiskLimits, Sizing } from '../domain/config.js';
import type { CopyLink } from '../domain/ledger.js';

/** The version this build reads and writes. Older files are migrated (`migrations.ts`); newer ones are refused. */
export const STATE_VERSION = 4;

// Objects are strict: a misspelt key in a hand-edited file is refused with its path rather than silently dropped.
const finite = z.number();
const accountId = z.string().min(1);

export const sizingSchema = z.discriminatedUnion('mode', [
  z.strictObject({ mode: z.literal('multiplier'), multiplier: finite.positive() }),
  z.strictObject({ mode: z.literal('fixed'), lots: finite.positive() }),
  z.strictObject({ mode: z.literal('balance_ratio'), multiplier: finite.positive() }),
  z.strictObject({ mode: z.literal('equity_ratio'), multiplier: finite.positive() }),
  z.strictObject({ mode: z.literal('risk_percent'), percent: finite.positive() }),
]) satisfies z.ZodType<Sizing>;

export const filtersSchema = z.strictObject({
  symbolsAllow: z.array(z.string()),
  symbolsDeny: z.array(z.string()),
  sides: z.enum(['both', 'buy', 'sell']),
  reverse: z.boolean(),
  copySlTp: z.boolean(),
  copyPending: z.boolean(),
}) satisfies z.ZodType<Filters>;

export const noStopLossSchema = z.discriminatedUnion('mode', [
  z.strictObject({ mode: z.literal('skip') }),
  z.strictObject({ mode: z.literal('fallback'), lots: finite.positive() }),
]) satisfies z.ZodType<NoStopLossRule>;

export const riskLimitsSchema = z.strictObject({
  maxLot: finite.positive().nullable(),
  maxOpenPositions: z.int().nonnegative().nullable(),
  marginCheck: z.enum(['skip', 'reduce', 'off']),
  marginUsageMax: finite.positive().max(1),
  maxPriceDeviationPoints: finite.nonnegative().nullable(),
  dailyLossLimit: finite.positive().nullable(),
  noStopLoss: noStopLossSchema,
  closeOnly: z.boolean(),
  belowMin: z.enum(['skip', 'round_up']),
}) satisfies z.ZodType<RiskLimits>;

export const masterConfigSchema = z.strictObject({
  accountId,
  paused: z.boolean(),
}) satisfies z.ZodType<MasterConfig>;

export const followerConfigSchema = z.strictObject({
  accountId,
  masters: z.array(accountId),
  sizing: sizingSchema,
  symbolMap: z.record(z.string(), z.string()),
  filters: filtersSchema,
  risk: riskLimitsSchema,
  paused: z.boolean(),
  pausedReason: z.string().nullable(),
  ownerUserId: z.int().nullable(),
}) satisfies z.ZodType<FollowerConfig>;

export const copyLinkSchema = z.strictObject({
  masterId: accountId,
  masterTicket: z.int(),
  followerId: accountId,
  followerTicket: z.int(),
  kind: z.enum(['position', 'pending']),
  followerSymbol: z.string(),
  masterSymbol: z.string(),
  side: z.enum(['buy', 'sell']),
  volume: finite.nonnegative(),
  masterVolume: finite.nonnegative(),
  openedAt: finite,
  status: z.enum(['open', 'detached', 'closed']),
}) satisfies z.ZodType<CopyLink>;

/** Chat roles (design.md §4): admin (everything), owner (their own followers), viewer (read only). */
export const roleSchema = z.enum(['admin', 'owner', 'viewer']);
export type Role = z.infer<typeof roleSchema>;

/** Kinds of alert a user can tune. */
export const alertKindSchema = z.enum(['copies', 'rejections', 'reconcile', 'connection', 'daily']);
export type AlertKind = z.infer<typeof alertKindSchema>;

/** How an alert is delivered: with sound, without, or not at all. */
export const alertLevelSchema = z.enum(['on', 'silent', 'off']);
export type AlertLevel = z.infer<typeof alertLevelSchema>;

/**
 * A Telegram user on the allow-list. Every alert kind must be present. `dailyChart` (the daily summary's P&L chart)
 * came later and is optional: a user stored without it reads as the bot's default, so no migration is needed.
 */
export const chatUserSchema = z.strictObject({
  id: z.int(),
  role: roleSchema,
  name: z.string().nullable(),
  addedAt: finite,
  alerts: z.record(alertKindSchema, alertLevelSchema),
  dailyChart: z.boolean().optional(),
});
export type ChatUser = z.infer<typeof chatUserSchema>;

/** One processed master event, kept so a replayed event is recognised and not copied twice. */
export const processedEventSchema = z.strictObject({ eventId: z.string().min(1), at: finite });
export type ProcessedEvent = z.infer<typeof processedEventSchema>;

/**
 * A follower leg that could not be settled yet: the market was closed (waits for the next session, up to
 * `expiresAt`) or the outcome is unknown (waits for reconciliation). `leg` is the planned leg, any JSON value.
 */
export const pendingLegSchema = z.strictObject({
  id: z.string().min(1),
  kind: z.enum(['market_closed', 'unknown_outcome']),
  masterId: accountId,
  eventId: z.string().min(1),
  followerId: accountId,
  createdAt: finite,
  /** When to give up: report a market-closed leg, or escalate an unresolved one. */
  expiresAt: finite,
  // Opaque to the store and stored as JSON.stringify renders it: insisting on strict JSON here (no undefined
  // members) would turn a harmless engine detail into a failed write that stops copying.
  leg: z.unknown().refine((v) => v !== undefined, 'Invalid input: expected the planned leg, received undefined'),
  note: z.string(),
});
export type PendingLeg = z.infer<typeof pendingLegSchema>;

export const journalStatusSchema = z.enum([
  'filled',
  'partial',
  'rejected',
  'skipped',
  'queued',
  'unknown',
  'resolved',
  'closed',
  'modified',
  'failed',
  'reconciled',
]);
export type JournalStatus = z.infer<typeof journalStatusSchema>;

/** One copy result for one follower: what `/why <ticket>` and the history answer from. */
export const journalEntrySchema = z.strictObject({
  at: finite,
  masterId: z.string(),
  eventId: z.string(),
  eventKind: z.string(),
  followerId: z.string(),
  action: z.string(),
  status: journalStatusSchema,
  reason: z.string().nullable(),
  detail: z.record(z.string(), z.union([finite, z.string(), z.boolean(), z.null()])),
  masterTicket: z.int().nullable(),
  followerTicket: z.int().nullable(),
  symbol: z.string().nullable(),
  volume: finite.nullable(),
  price: finite.nullable(),
});
export type JournalEntry = z.infer<typeof journalEntrySchema>;

/** The day a follower's daily loss is measured from (broker day, `YYYY-MM-DD`) and its balance at the start. */
export const dailyMarkSchema = z.strictObject({
  day: z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'expected YYYY-MM-DD'),
  startBalance: finite,
});
export type DailyMark = z.infer<typeof dailyMarkSchema>;

/** A master open remembered for sizing previews. */
export const masterOpenSchema = z.strictObject({
  position: z.int(),
  symbol: z.string(),
  side: z.enum(['buy', 'sell']),
  volume: finite.nonnegative(),
  price: finite,
  stopLoss: finite,
  at: finite,
});
export type MasterOpenRecord = z.infer<typeof masterOpenSchema>;

/**
 * The state file (`state.json`), version 4: everything but the journal and the links. `linksSeq` is the newest write
 * of `links.jsonl` this state belongs with (0: none, or only a base written by a migration).
 */
export const stateSchema = z.strictObject({
  version: z.literal(STATE_VERSION),
  instanceId: z.string().min(1),
  masters: z.array(masterConfigSchema),
  followers: z.array(followerConfigSchema),
  users: z.array(chatUserSchema),
  linksSeq: z.int().min(0),
  processed: z.record(z.string(), z.array(processedEventSchema)),
  pending: z.array(pendingLegSchema),
  daily: z.record(z.string(), dailyMarkSchema),
  masterHistory: z.record(z.string(), z.array(masterOpenSchema)),
});
/** What `state.json` holds. */
export type StateDocument = z.infer<typeof stateSchema>;

/** The journal as version 0 and 1 files held it inside the document; a migration moves it to `journal.jsonl`. */
export const legacyJournalSchema = z.array(journalEntrySchema);

/** The links as version 0 to 2 files held them inside the document; a migration moves them to `links.jsonl`. */
export const legacyLinksSchema = z.array(copyLinkSchema);

/**
 * The live document: the state file (without its `linksSeq` bookkeeping) plus the links, kept in `links.jsonl`, and
 * the newest journal rows (oldest first), kept in `journal.jsonl`. The engine mutates it in place.
 */
export type State = Omit<StateDocument, 'linksSeq'> & { links: CopyLink[]; journal: JournalEntry[] };

/** The top-level keys of {@link State}, in the order they are written (`journal` goes to its own file). */
export const STATE_KEYS = [
  'version',
  'instanceId',
  'masters',
  'followers',
  'users',
  'links',
  'processed',
  'pending',
  'journal',
  'daily',
  'masterHistory',
] as const satisfies readonly (keyof State)[];

/** A new, empty state. */
export function createDefaultState(instanceId: string): State {
  return {
    version: STATE_VERSION,
    instanceId,
    masters: [],
    followers: [],
    users: [],
    links: [],
    processed: {},
    pending: [],
    journal: [],
    daily: {},
    masterHistory: {},
  };
}

// Compile-time drift checks: the parsed shapes must equal the domain types both ways, so an optional field added
// on one side only (which `satisfies` alone would let through, and strict parsing would then refuse) fails `tsc`.
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
type Assert<T extends true> = T;
export type _SchemaDriftChecks = [
  Assert<Same<z.infer<typeof sizingSchema>, Sizing>>,
  Assert<Same<z.infer<typeof filtersSchema>, Filters>>,
  Assert<Same<z.infer<typeof noStopLossSchema>, NoStopLossRule>>,
  Assert<Same<z.infer<typeof riskLimitsSchema>, RiskLimits>>,
  Assert<Same<z.infer<typeof masterConfigSchema>, MasterConfig>>,
  Assert<Same<z.infer<typeof followerConfigSchema>, FollowerConfig>>,
  Assert<Same<z.infer<typeof copyLinkSchema>, CopyLink>>,
  Assert<Same<(typeof STATE_KEYS)[number], keyof State>>,
];

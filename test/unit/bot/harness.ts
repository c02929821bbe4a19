/**
 * Drives the bot through `bot.handleUpdate` with the in-process Bot API (`LocalTelegram`) recording every call.
 * `createHarness` builds the bot around any ControlApi; `startEngineWorld` gives it the real engine over the
 * simulator (loopback sockets, a state file in a temp dir).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { createBot } from '../../../src/bot/create-bot.js';
import type { BotOptions } from '../../../src/bot/create-bot.js';
import type { FxBot } from '../../../src/bot/create-bot.js';
import { buttonsOf, LocalTelegram } from '../../../src/bot/local-api.js';
import type { ApiCall, BotMessage } from '../../../src/bot/local-api.js';
import { createMemoryUsers } from '../../../src/bot/memory-users.js';
import type { MemoryUserDirectory } from '../../../src/bot/memory-users.js';
import { defaultAlerts, silentLogger } from '../../../src/bot/ports.js';
import type { BotControl, BotLogger, ChatUser, Clock, Role } from '../../../src/bot/ports.js';
import { systemClock } from '../../../src/engine/clock.js';
import { createEngine } from '../../../src/engine/index.js';
import type { CopierEvent, Engine } from '../../../src/engine/index.js';
import { FxSocketClient } from '../../../src/fxsocket/index.js';
import { ALWAYS_OPEN, createSimulator, demoWorld } from '../../../src/sim/index.js';
import type { AccountSpec, Sim, WorldSpec } from '../../../src/sim/index.js';
import { openStore } from '../../../src/store/index.js';
import type { Store } from '../../../src/store/index.js';

export const ADMIN = 111;
export const OWNER = 222;
export const VIEWER = 333;
export const STRANGER = 999;

/** A clock whose "now" the test sets; timers are real (short ones only in tests). */
export class TestClock implements Clock {
  constructor(public t = Date.UTC(2025, 0, 6, 12, 0, 0)) {}
  now(): number {
    return this.t;
  }
  advance(ms: number): void {
    this.t += ms;
  }
  setTimeout(fn: () => void, ms: number): { cancel(): void } {
    const h = setTimeout(fn, ms);
    h.unref();
    return { cancel: () => clearTimeout(h) };
  }
}

export function chatUser(id: number, role: Role, name: string | null = null): ChatUser {
  return { id, role, name, addedAt: 1, alerts: defaultAlerts() };
}

/** Log lines kept in memory, so tests can assert what was logged. */
export function memoryLog(): BotLogger & { lines: { level: string; obj: object; msg?: string }[] } {
  const lines: { level: string; obj: object; msg?: string }[] = [];
  const at = (level: string) => (obj: object, msg?: string) => void lines.push({ level, obj, ...(msg === undefined ? {} : { msg }) });
  return { lines, debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
}

export interface Harness {
  fx: FxBot;
  local: LocalTelegram;
  clock: TestClock;
  users: MemoryUserDirectory;
  /** Sends a text as `userId` (private chat unless `chatId`); resolves the API calls made while handling it. */
  send(userId: number, text: string, opts?: { chatId?: number; date?: number }): Promise<ApiCall[]>;
  /** Taps the button whose label matches on `message` as `userId`. */
  tap(userId: number, message: BotMessage, label: string | RegExp): Promise<ApiCall[]>;
  /** Taps raw callback data under `message`. */
  tapData(userId: number, message: BotMessage, data: string): Promise<ApiCall[]>;
  /** The last message the bot sent into a chat. */
  last(chatId: number): BotMessage;
}

export async function createHarness(options: {
  control: BotControl;
  users?: ChatUser[];
  admins?: number[];
  clock?: TestClock;
  log?: BotLogger;
  confirmTtlMs?: number;
  brokerHealth?: BotOptions['brokerHealth'];
}): Promise<Harness> {
  const clock = options.clock ?? new TestClock();
  const users = createMemoryUsers(options.users ?? [chatUser(OWNER, 'owner', 'Olga'), chatUser(VIEWER, 'viewer', 'Viktor')]);
  const local = new LocalTelegram({ clock, record: true });
  const fx = createBot({
    token: 'test',
    control: options.control,
    users,
    admins: options.admins ?? [ADMIN],
    log: options.log ?? silentLogger,
    clock,
    botInfo: local.botInfo,
    autoRetry: false,
    ...(options.confirmTtlMs === undefined ? {} : { confirmTtlMs: options.confirmTtlMs }),
    ...(options.brokerHealth === undefined ? {} : { brokerHealth: options.brokerHealth }),
  });
  fx.bot.api.config.use(local.transformer);
  await fx.seedAdmins();
  const run = async (update: Parameters<FxBot['bot']['handleUpdate']>[0]): Promise<ApiCall[]> => {
    const from = local.calls.length;
    await fx.bot.handleUpdate(update);
    return local.calls.slice(from);
  };
  return {
    fx,
    local,
    clock,
    users,
    send: (userId, text, opts = {}) => run(local.messageUpdate({ id: userId, first_name: `u${userId}` }, text, opts)),
    tap(userId, message, label) {
      const button = buttonsOf(message.keyboard).find((b) => (typeof label === 'string' ? b.text.includes(label) : label.test(b.text)));
      if (button === undefined) throw new Error(`no button ${String(label)} in ${JSON.stringify(buttonsOf(message.keyboard).map((b) => b.text))}`);
      return run(local.callbackUpdate({ id: userId }, button.data, message.messageId));
    },
    tapData: (userId, message, data) => run(local.callbackUpdate({ id: userId }, data, message.messageId)),
    last(chatId) {
      const list = [...local.messages.values()].filter((m) => m.chatId === chatId);
      const m = list[list.length - 1];
      if (m === undefined) throw new Error(`no message in chat ${chatId}`);
      return m;
    },
  };
}

/** Texts of sendMessage/editMessageText calls. */
export function texts(calls: readonly ApiCall[], chatId?: number): string[] {
  return calls
    .filter((c) => (c.method === 'sendMessage' || c.method === 'editMessageText') && (chatId === undefined || Number(c.payload.chat_id) === chatId))
    .map((c) => String(c.payload.text));
}

export function sent(calls: readonly ApiCall[], chatId?: number): ApiCall[] {
  return calls.filter((c) => c.method === 'sendMessage' && (chatId === undefined || Number(c.payload.chat_id) === chatId));
}

export function answers(calls: readonly ApiCall[]): ApiCall[] {
  return calls.filter((c) => c.method === 'answerCallbackQuery');
}

// ── the real engine over the simulator ──────────────────────────────────────────────────────────────────────────

export const silentPino = pino({ level: 'silent' });

export function alwaysOpenWorld(base: WorldSpec = demoWorld()): WorldSpec {
  return {
    ...base,
    brokers: base.brokers.map((b) => (typeof b === 'string' ? b : { ...b, symbols: b.symbols.map((s) => ({ ...s, sessions: ALWAYS_OPEN })) })),
  };
}

export async function waitFor<T>(fn: () => T | undefined | null | false, what: string, timeoutMs = 8000): Promise<T> {
  const started = Date.now();
  for (;;) {
    const v = fn();
    if (v) return v;
    if (Date.now() - started > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

export interface EngineWorld {
  sim: Sim;
  engine: Engine;
  store: Store;
  /** The engine's control API. */
  control: BotControl;
  events: CopierEvent[];
  ids: { master: string; apex: string; raw: string; mt4: string };
  /** Subscribe function for the bot. */
  subscribe: (listener: (e: CopierEvent) => void) => () => void;
  close(): Promise<void>;
}

/**
 * Sim + FxSocket client + store + engine; `master` is a master and the listed followers follow it. `accounts` adds
 * accounts to the demo world (e.g. one whose nickname needs HTML escaping).
 */
export async function startEngineWorld(options: { follow?: ('apex' | 'raw' | 'mt4')[]; accounts?: AccountSpec[] } = {}): Promise<EngineWorld> {
  const base = demoWorld();
  const world = alwaysOpenWorld({ ...base, accounts: [...base.accounts, ...(options.accounts ?? [])] });
  const sim = await createSimulator({ seed: 11, port: 0, priceFeed: false, demoTrader: false, marketHours: 'always', world });
  const dir = await mkdtemp(join(tmpdir(), 'fxmirror-bot-'));
  const client = new FxSocketClient({ apiKey: sim.apiKey, apiUrl: sim.url, timeoutMs: 5000, stream: { pingIntervalMs: 0 } });
  const store = await openStore({ dataDir: dir, writeDelayMs: 5 });
  const engine = createEngine({ broker: client, state: store, clock: systemClock, log: silentPino, options: { reconcileIntervalMs: 0, unknownResolveDelayMs: 100 } });
  const events: CopierEvent[] = [];
  engine.events.subscribe((e) => events.push(e));
  await engine.start();
  const ids = {
    master: sim.account('master').id,
    apex: sim.account('apex-follower').id,
    raw: sim.account('raw-follower').id,
    mt4: sim.account('mt4-follower').id,
  };
  await engine.control.setMaster(ids.master);
  for (const f of options.follow ?? []) await engine.control.follow(ids[f], ids.master);
  await engine.idle();
  await waitFor(() => (options.follow ?? []).every((f) => engine.runtime.followers.get(ids[f])?.summary !== null), 'follower caches');
  const control: BotControl = engine.control;
  return {
    sim,
    engine,
    store,
    control,
    events,
    ids,
    subscribe: (listener) => engine.events.subscribe(listener),
    async close() {
      await engine.stop();
      await store.close();
      await client.close();
      await sim.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/**
 * The master opens a market position, waits for its copies, moves the price by `move` and closes it, waiting for the
 * copied closes: one closed trade on the master and on every follower, with a P&L the move decides.
 */
export async function masterRoundTrip(world: EngineWorld, trade: { symbol: string; operation: 'Buy' | 'Sell'; volume: number; move: number }): Promise<void> {
  const master = world.sim.account('master');
  const r = master.send({ symbol: trade.symbol, operation: trade.operation, volume: trade.volume });
  if (!r.success) throw new Error(`master could not open ${trade.symbol}: ${JSON.stringify(r)}`);
  await waitFor(() => world.events.some((e) => e.type === 'copied' && e.event.kind === 'open' && e.event.ticket === r.order), 'copied open');
  await world.engine.idle();
  world.sim.movePrice({ instrument: trade.symbol }, trade.move);
  master.close(r.order);
  await waitFor(() => world.events.some((e) => e.type === 'copied' && e.event.kind === 'close' && e.event.ticket === r.order), 'copied close');
  await world.engine.idle();
}

/**
 * The world the report and chart tests read: apex (owned by OWNER) and mt4 each copied a win and then a loss (so the
 * P&L falls from its peak and there is a drawdown), and raw follows only afterwards, so it has no history.
 */
export async function startWorldWithHistory(): Promise<{ world: EngineWorld; h: Harness }> {
  const world = await startEngineWorld({ follow: ['apex', 'mt4'] });
  await world.control.setOwner(world.ids.apex, OWNER);
  const h = await createHarness({ control: world.control });
  await masterRoundTrip(world, { symbol: 'EURUSD', operation: 'Buy', volume: 0.37, move: 0.002 });
  await masterRoundTrip(world, { symbol: 'EURUSD', operation: 'Sell', volume: 0.2, move: 0.0015 });
  await world.control.follow(world.ids.raw, world.ids.master);
  await world.engine.idle();
  return { world, h };
}

// ── Telegram's HTML parse mode ──────────────────────────────────────────────────────────────────────────────────

const TELEGRAM_TAGS = new Set(['b', 'strong', 'i', 'em', 'u', 'ins', 's', 'strike', 'del', 'span', 'tg-spoiler', 'a', 'tg-emoji', 'code', 'pre', 'blockquote']);

/**
 * What Telegram's HTML parser (parse_mode: 'HTML') would reject in a message text: an unsupported or unbalanced tag,
 * a bare `<`, `>` or `&` outside a tag or entity, an unknown named entity, or a text over 4096 characters.
 * Returns the problems (empty when Telegram would accept it).
 */
export function telegramHtmlProblems(html: string): string[] {
  const problems: string[] = [];
  const plain = html.replace(/<[^>]*>/g, '').replace(/&(lt|gt|amp|quot|#\d+|#x[0-9a-f]+);/gi, 'x');
  if (plain.length > 4096) problems.push(`text is ${plain.length} characters (limit 4096)`);
  const open: string[] = [];
  const token = /<(\/?)([a-zA-Z][a-zA-Z0-9-]*)((?:\s[^<>]*)?)>|&(lt|gt|amp|quot|#\d+|#x[0-9a-fA-F]+);|[<>&]/g;
  for (const m of html.matchAll(token)) {
    const [whole, close, tag, , entity] = m;
    if (tag !== undefined) {
      const name = tag.toLowerCase();
      if (!TELEGRAM_TAGS.has(name)) problems.push(`unsupported tag ${whole}`);
      else if (close === '/') {
        const top = open.pop();
        if (top !== name) problems.push(`${whole} closes <${top ?? 'nothing'}>`);
      } else open.push(name);
    } else if (entity === undefined) {
      problems.push(`bare '${whole}' at ${m.index}`);
    }
  }
  if (open.length > 0) problems.push(`unclosed ${open.map((t) => `<${t}>`).join('')}`);
  return problems;
}

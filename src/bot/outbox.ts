/**
 * The outbox: every alert goes through here (design.md §4). It
 * - serializes per chat (one message in flight per chat, order kept),
 * - splits messages under 4096 characters on line boundaries,
 * - retries: 429 is waited out by @grammyjs/auto-retry on the Api (bounded attempts); what is left (5xx, network,
 *   timeouts, a 429 beyond those attempts) is retried here with a capped exponential backoff, `retry_after` honoured,
 * - keeps memory bounded: over the per-chat cap, queued routine messages collapse into one "N more copies" message;
 *   if the queue is still full of loud ones, the oldest loud ones collapse too. Every collapse is counted and logged,
 *   and a message given up after its attempts is counted, logged and announced in the chat's next message,
 * - never blocks its caller: `enqueue()` is synchronous; sending runs on its own promise chain per chat,
 * - can be held: while Telegram has not answered yet (no `getMe` at start-up), messages queue up under the same caps
 *   and go out in order on `release()`.
 * A message may carry a photo (a chart): it goes out with sendPhoto, its text as the caption, in the same order.
 */
import { GrammyError, HttpError, InputFile } from 'grammy';
import type { Api, Transformer } from 'grammy';
import type { InlineKeyboardMarkup } from 'grammy/types';
import { htmlToText } from './format/html.js';
import { splitMessage, TELEGRAM_TEXT_LIMIT } from './format/split.js';
import type { BotLogger, Clock } from './ports.js';

/** One message for one chat. */
export interface OutboxMessage {
  chatId: number;
  /** Telegram HTML. */
  text: string;
  /** Sent with `disable_notification`. */
  silent: boolean;
  /** Routine messages may be collapsed into a count when the chat's queue is over its cap. */
  routine: boolean;
  /** What it is, for collapse summaries and logs: 'copies', 'rejections', … */
  kind: string;
  /**
   * Create-or-edit: `create` remembers the sent message under `key`; `edit` edits that message (or merges into it
   * while it is still queued, or sends a new message when it is unknown).
   */
  ref?: OutboxRef;
  keyboard?: InlineKeyboardMarkup;
  /** A photo (PNG bytes): sent with sendPhoto and `text` as its caption (cut to 1024 characters, never split). */
  photo?: OutboxPhoto;
}

/** A picture to send as a photo. */
export interface OutboxPhoto {
  bytes: Uint8Array;
  filename: string;
}

/**
 * Create-or-edit of one remembered message. A message is edited only while it fits in one message: with `whenLong`,
 * a text over the limit is sent instead as `whenLong`, split like any message and not remembered (for a create, the
 * text itself; for an edit, what is new since the message was posted).
 */
export interface OutboxRef {
  key: string;
  op: 'create' | 'edit';
  whenLong?: string;
}

/**
 * Remembered messages kept beyond this outbox: a control process that takes over edits the messages the one before
 * it posted. Keys are `<chat id>:<ref key>`.
 */
export interface OutboxRefMemory {
  /** What was remembered before this outbox started, oldest first. */
  readonly initial: Iterable<readonly [refKey: string, messageId: number]>;
  /** Called for each message sent under a ref; must not throw (the adapter logs its own failures). */
  remember(refKey: string, messageId: number): void;
}

/** Telegram's caption limit for a photo. */
export const CAPTION_LIMIT = 1024;

export interface OutboxStats {
  /** Messages waiting now, all chats. */
  queued: number;
  sent: number;
  edited: number;
  /** Attempts that failed transiently and were tried again by the outbox (5xx, network, timeouts). */
  retried: number;
  /** 429 answers seen on the Bot API (waited out by auto-retry; any call, replies included). */
  throttled: number;
  /** Messages folded into a summary instead of being sent one by one. */
  collapsed: number;
  /** Messages given up (permanent refusal or attempts exhausted); each is logged. */
  failed: number;
  /** Highest `queued` seen. */
  maxDepth: number;
  chats: number;
}

export type OutboxApi = Pick<Api, 'sendMessage' | 'editMessageText' | 'sendPhoto'>;

/**
 * An API transformer that reports every 429 answer; install it before auto-retry (innermost) so the retries
 * auto-retry performs are seen too.
 */
export function throttleCounter(onThrottled: () => void): Transformer {
  return async (prev, method, payload, signal) => {
    const res = await prev(method, payload, signal);
    if (!res.ok && res.error_code === 429) onThrottled();
    return res;
  };
}

/** grammY types its signal with the `abort-controller` polyfill's class; the runtime object is the same. */
type ApiSignal = Parameters<Api['sendMessage']>[3];

export interface OutboxOptions {
  api: OutboxApi;
  log: BotLogger;
  clock: Clock;
  /** Messages queued per chat before collapsing (default 100). */
  maxQueuePerChat?: number;
  /** Attempts per message for transient failures (default 10). */
  maxAttempts?: number;
  /** First backoff delay (default 500 ms), doubled per attempt up to `maxBackoffMs` (default 60 s). */
  baseBackoffMs?: number;
  maxBackoffMs?: number;
  /** Abort one API call after this long (default 90 s; covers auto-retry's own waits). */
  sendTimeoutMs?: number;
  /** Remembered sent messages for edits (default 1000). */
  maxRefs?: number;
  /** Where remembered message ids are also kept, for another process to edit (cluster mode); memory only without. */
  refMemory?: OutboxRefMemory;
  /** Split limit (tests lower it). */
  textLimit?: number;
}

interface Job {
  chatId: number;
  text: string;
  silent: boolean;
  routine: boolean;
  kind: string;
  ref?: OutboxRef;
  keyboard?: InlineKeyboardMarkup;
  photo?: OutboxPhoto;
  /** Counted as one message in collapse counts (the first chunk of a split message). */
  counts: boolean;
  attempts: number;
  plain: boolean;
  summary?: Map<string, number>;
  summaryLoud?: boolean;
}

interface ChatQueue {
  queue: Job[];
  running: boolean;
  undelivered: number;
}

type Outcome = { type: 'done' } | { type: 'dropped' } | { type: 'retry'; delayMs: number | null };

function describe(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

export class Outbox {
  readonly #api: OutboxApi;
  readonly #log: BotLogger;
  readonly #clock: Clock;
  readonly #maxQueue: number;
  readonly #maxAttempts: number;
  readonly #baseBackoff: number;
  readonly #maxBackoff: number;
  readonly #sendTimeout: number;
  readonly #maxRefs: number;
  readonly #refMemory: OutboxRefMemory | undefined;
  readonly #limit: number;
  readonly #chats = new Map<number, ChatQueue>();
  readonly #refs = new Map<string, number>();
  readonly #abort = new AbortController();
  readonly #idleWaiters = new Set<() => void>();
  readonly #sleeps = new Set<{ cancel(): void; resolve(): void }>();
  #total = 0;
  #stopped = false;
  #held = false;
  readonly #stats = { sent: 0, edited: 0, retried: 0, throttled: 0, collapsed: 0, failed: 0, maxDepth: 0 };

  constructor(options: OutboxOptions) {
    this.#api = options.api;
    this.#log = options.log;
    this.#clock = options.clock;
    this.#maxQueue = Math.max(4, options.maxQueuePerChat ?? 100);
    this.#maxAttempts = Math.max(1, options.maxAttempts ?? 10);
    this.#baseBackoff = options.baseBackoffMs ?? 500;
    this.#maxBackoff = options.maxBackoffMs ?? 60_000;
    this.#sendTimeout = options.sendTimeoutMs ?? 90_000;
    this.#maxRefs = options.maxRefs ?? 1000;
    this.#refMemory = options.refMemory;
    for (const [key, id] of options.refMemory?.initial ?? []) this.#remember(key, id);
    this.#limit = options.textLimit ?? TELEGRAM_TEXT_LIMIT;
  }

  #remember(refKey: string, messageId: number): void {
    this.#refs.delete(refKey);
    this.#refs.set(refKey, messageId);
    if (this.#refs.size > this.#maxRefs) {
      const oldest = this.#refs.keys().next();
      if (oldest.done !== true) this.#refs.delete(oldest.value);
    }
  }

  /** Queues a message; returns at once. */
  enqueue(message: OutboxMessage): void {
    if (this.#stopped) {
      this.#stats.failed += 1;
      this.#log.warn({ chatId: message.chatId, kind: message.kind }, 'outbox stopped: message not sent');
      return;
    }
    const long = message.ref?.whenLong;
    if (long !== undefined && message.photo === undefined && message.text.length > this.#limit) {
      const { ref: _ref, ...rest } = message;
      message = { ...rest, text: long };
    }
    const chat = this.#chat(message.chatId);
    if (message.ref?.op === 'edit') {
      // Still queued: the create has not reached Telegram yet, so it simply goes out with the new text.
      const pending = chat.queue.find((j, idx) => (idx > 0 || !chat.running) && j.ref?.op === 'create' && j.ref.key === message.ref?.key);
      if (pending !== undefined) {
        pending.text = message.text.slice(0, this.#limit);
        pending.silent = pending.silent && message.silent;
        return;
      }
    }
    const chunks =
      message.photo !== undefined
        ? [captionOf(message.text)]
        : message.ref === undefined
          ? splitMessage(message.text, this.#limit)
          : [message.text.length > this.#limit ? message.text.slice(0, this.#limit - 1) + '…' : message.text];
    chunks.forEach((text, idx) => {
      if (chat.queue.length >= this.#maxQueue) this.#collapse(message.chatId, chat);
      chat.queue.push({
        chatId: message.chatId,
        text,
        silent: message.silent,
        routine: message.routine,
        kind: message.kind,
        ...(message.ref === undefined || message.photo !== undefined ? {} : { ref: message.ref }),
        ...(message.photo === undefined ? {} : { photo: message.photo }),
        // Buttons go with the last chunk.
        ...(message.keyboard !== undefined && idx === chunks.length - 1 ? { keyboard: message.keyboard } : {}),
        counts: idx === 0,
        attempts: 0,
        plain: false,
      });
      this.#total += 1;
    });
    this.#stats.maxDepth = Math.max(this.#stats.maxDepth, this.#total);
    if (!chat.running && !this.#held) void this.#run(message.chatId, chat);
  }

  /** True between `hold()` and `release()`: messages queue (bounded) but nothing is sent. */
  get held(): boolean {
    return this.#held;
  }

  /** Stops sending (a message already in flight completes); `enqueue()` keeps queueing under the caps. */
  hold(): void {
    this.#held = true;
  }

  /** Sends what was queued while held, per chat in order. */
  release(): void {
    if (!this.#held) return;
    this.#held = false;
    for (const [chatId, chat] of this.#chats) {
      if (!chat.running && chat.queue.length > 0) void this.#run(chatId, chat);
    }
  }

  /** Counts a 429 seen below auto-retry (see `throttleCounter`). */
  noteThrottled(): void {
    this.#stats.throttled += 1;
  }

  stats(): OutboxStats {
    return { queued: this.#total, ...this.#stats, chats: this.#chats.size };
  }

  /** Resolves true when every queue is empty, false when `timeoutMs` passed first. */
  flush(timeoutMs: number): Promise<boolean> {
    if (this.#total === 0) return Promise.resolve(true);
    return new Promise((resolve) => {
      const timer = this.#clock.setTimeout(() => {
        this.#idleWaiters.delete(done);
        resolve(false);
      }, timeoutMs);
      const done = (): void => {
        timer.cancel();
        resolve(true);
      };
      this.#idleWaiters.add(done);
    });
  }

  /** Waits up to `timeoutMs` for the queues to drain, then aborts what is left (logged with its count). */
  async stop(timeoutMs = 5_000): Promise<OutboxStats> {
    const drained = await this.flush(timeoutMs);
    this.#stopped = true;
    if (!drained) this.#log.warn({ left: this.#total }, 'outbox stopped with messages still queued');
    this.#abort.abort();
    for (const sleep of this.#sleeps) {
      sleep.cancel();
      sleep.resolve();
    }
    return this.stats();
  }

  #chat(chatId: number): ChatQueue {
    let chat = this.#chats.get(chatId);
    if (chat === undefined) {
      chat = { queue: [], running: false, undelivered: 0 };
      this.#chats.set(chatId, chat);
    }
    return chat;
  }

  /** Folds queued messages into one summary to get under the cap: routine ones first, then the oldest loud ones. */
  #collapse(chatId: number, chat: ChatQueue): void {
    const first = chat.running ? 1 : 0;
    let summary = chat.queue.find((j, idx) => idx >= first && j.summary !== undefined);
    const removed = new Map<string, number>();
    let loud = false;
    let insertAt = -1;
    const fold = (pick: (j: Job) => boolean, limit: number): void => {
      let n = 0;
      for (let idx = chat.queue.length - 1; idx >= first && n < limit; idx--) {
        const job = chat.queue[idx];
        if (job === undefined || job.summary !== undefined || job.ref !== undefined || !pick(job)) continue;
        chat.queue.splice(idx, 1);
        this.#total -= 1;
        n += 1;
        insertAt = idx;
        if (job.counts) {
          removed.set(job.kind, (removed.get(job.kind) ?? 0) + 1);
          this.#stats.collapsed += 1;
          if (!job.routine) loud = true;
        }
      }
    };
    fold((j) => j.routine, Number.POSITIVE_INFINITY);
    // Still full of loud messages: fold the oldest half of them (they are counted and logged, never lost silently).
    if (chat.queue.length >= this.#maxQueue - 1) {
      const loudJobs = chat.queue.filter((j, idx) => idx >= first && j.summary === undefined && j.ref === undefined);
      const keep = new Set(loudJobs.slice(Math.floor(loudJobs.length / 2)));
      fold((j) => !keep.has(j), Math.ceil(loudJobs.length / 2));
      if (loudJobs.length > 0) this.#log.error({ chatId, folded: Math.ceil(loudJobs.length / 2) }, 'outbox over cap with loud alerts: oldest folded into a summary');
    }
    const total = [...removed.values()].reduce((a, b) => a + b, 0);
    if (summary === undefined) {
      summary = { chatId, text: '', silent: true, routine: false, kind: 'summary', counts: false, attempts: 0, plain: false, summary: new Map(), summaryLoud: false };
      const at = insertAt < 0 ? chat.queue.length : Math.min(insertAt, chat.queue.length);
      chat.queue.splice(at, 0, summary);
      this.#total += 1;
    }
    for (const [kind, n] of removed) summary.summary?.set(kind, (summary.summary.get(kind) ?? 0) + n);
    summary.summaryLoud = (summary.summaryLoud ?? false) || loud;
    this.#log.warn({ chatId, collapsed: total, queued: this.#total, totalCollapsed: this.#stats.collapsed }, 'outbox over cap: queued messages collapsed into a summary');
  }

  async #run(chatId: number, chat: ChatQueue): Promise<void> {
    chat.running = true;
    try {
      while (chat.queue.length > 0 && !this.#abort.signal.aborted && !this.#held) {
        const job = chat.queue[0] as Job;
        const outcome = await this.#attempt(chatId, chat, job);
        if (outcome.type === 'retry') {
          job.attempts += 1;
          if (job.attempts < this.#maxAttempts) {
            this.#stats.retried += 1;
            const backoff = Math.min(this.#maxBackoff, this.#baseBackoff * 2 ** (job.attempts - 1));
            await this.#sleep(outcome.delayMs ?? backoff);
            continue;
          }
          this.#stats.failed += 1;
          chat.undelivered += job.counts ? 1 : 0;
          this.#log.error({ chatId, kind: job.kind, attempts: job.attempts }, 'outbox gave up on a message after its attempts');
        }
        if (chat.queue[0] === job) {
          chat.queue.shift();
          this.#total -= 1;
        }
      }
    } finally {
      chat.running = false;
      if (this.#total === 0) {
        for (const waiter of [...this.#idleWaiters]) {
          this.#idleWaiters.delete(waiter);
          waiter();
        }
      }
    }
  }

  #sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const entry = {
        cancel: () => {},
        resolve: () => resolve(),
      };
      const timer = this.#clock.setTimeout(() => {
        this.#sleeps.delete(entry);
        resolve();
      }, ms);
      entry.cancel = () => timer.cancel();
      this.#sleeps.add(entry);
    });
  }

  #textOf(chat: ChatQueue, job: Job): string {
    let text = job.text;
    if (job.summary !== undefined) {
      const parts = [...job.summary].map(([kind, n]) => `${n} ${kind === 'copies' ? (n === 1 ? 'copy' : 'copies') : `${kind} alert${n === 1 ? '' : 's'}`}`);
      const what = parts.length === 0 ? 'some messages' : parts.join(', ');
      text = `⋯ ${what} not shown one by one: Telegram was slow or unreachable and the queue was full. See /history for details.`;
    }
    if (chat.undelivered > 0 && job.ref?.op !== 'edit') {
      text = `⚠️ ${chat.undelivered} earlier message${chat.undelivered === 1 ? '' : 's'} could not be delivered (see logs).\n${text}`;
    }
    if (job.plain) text = htmlToText(text);
    const limit = job.photo === undefined ? this.#limit : CAPTION_LIMIT;
    return text.length > limit ? text.slice(0, limit - 1) + '…' : text;
  }

  async #attempt(chatId: number, chat: ChatQueue, job: Job): Promise<Outcome> {
    // Our own controller and timer rather than AbortSignal.any([…, AbortSignal.timeout()]): on Node 20 a garbage
    // collection can reclaim that timeout signal before it fires, leaving the call (and the chat's queue) hung forever.
    const call = new AbortController();
    const onStop = (): void => call.abort();
    this.#abort.signal.addEventListener('abort', onStop, { once: true });
    const timer = this.#clock.setTimeout(() => call.abort(), this.#sendTimeout);
    try {
      return await this.#call(chatId, chat, job, call.signal);
    } finally {
      timer.cancel();
      this.#abort.signal.removeEventListener('abort', onStop);
    }
  }

  async #call(chatId: number, chat: ChatQueue, job: Job, callSignal: AbortSignal): Promise<Outcome> {
    const signal = callSignal as unknown as ApiSignal;
    const text = this.#textOf(chat, job);
    const silent = job.summary !== undefined ? !(job.summaryLoud ?? false) : job.silent;
    const other = {
      ...(job.plain ? {} : { parse_mode: 'HTML' as const }),
      disable_notification: silent,
      link_preview_options: { is_disabled: true },
      ...(job.keyboard === undefined ? {} : { reply_markup: job.keyboard }),
    };
    const refKey = job.ref === undefined ? undefined : `${chatId}:${job.ref.key}`;
    try {
      if (job.photo !== undefined) {
        const photoOptions = {
          caption: text,
          ...(job.plain ? {} : { parse_mode: 'HTML' as const }),
          disable_notification: silent,
          ...(job.keyboard === undefined ? {} : { reply_markup: job.keyboard }),
        };
        // A fresh InputFile per attempt: grammY reads its source when it sends.
        await this.#api.sendPhoto(chatId, new InputFile(job.photo.bytes, job.photo.filename), photoOptions, signal);
        this.#stats.sent += 1;
        chat.undelivered = 0;
        return { type: 'done' };
      }
      const editId = job.ref?.op === 'edit' && refKey !== undefined ? this.#refs.get(refKey) : undefined;
      if (editId !== undefined) {
        try {
          await this.#api.editMessageText(chatId, editId, text, other, signal);
          this.#stats.edited += 1;
          return { type: 'done' };
        } catch (err) {
          if (err instanceof GrammyError && /not modified/i.test(err.description)) return { type: 'done' };
          if (!(err instanceof GrammyError && err.error_code === 400)) throw err;
          // The message is gone (deleted, too old to edit): send the new text as a new message.
        }
      }
      const sent = await this.#api.sendMessage(chatId, text, other, signal);
      this.#stats.sent += 1;
      chat.undelivered = 0;
      if (refKey !== undefined && sent !== undefined && typeof sent.message_id === 'number') {
        this.#remember(refKey, sent.message_id);
        this.#refMemory?.remember(refKey, sent.message_id);
      }
      return { type: 'done' };
    } catch (err) {
      if (this.#abort.signal.aborted) return { type: 'retry', delayMs: 0 };
      // Our per-call timeout fired (possibly while auto-retry was waiting out a 429, which throws a plain Error).
      if (callSignal.aborted) {
        this.#log.warn({ chatId, timeoutMs: this.#sendTimeout }, 'telegram did not answer in time, will retry');
        return { type: 'retry', delayMs: null };
      }
      if (err instanceof GrammyError) {
        const retryAfter = err.parameters.retry_after;
        if (typeof retryAfter === 'number') return { type: 'retry', delayMs: retryAfter * 1000 };
        if (err.error_code >= 500) {
          this.#log.warn({ chatId, code: err.error_code, err: err.description }, 'telegram server error, will retry');
          return { type: 'retry', delayMs: null };
        }
        if (err.error_code === 400 && /parse entities|can't find end/i.test(err.description) && !job.plain) {
          this.#log.error({ chatId, kind: job.kind, err: err.description }, 'telegram refused the HTML; resending as plain text');
          job.plain = true;
          return { type: 'retry', delayMs: 0 };
        }
        this.#stats.failed += 1;
        this.#log.error({ chatId, kind: job.kind, code: err.error_code, err: err.description }, 'telegram refused a message; dropped');
        return { type: 'dropped' };
      }
      if (err instanceof HttpError || (err instanceof Error && (err.name === 'AbortError' || err.name === 'TimeoutError'))) {
        this.#log.warn({ chatId, err: describe(err) }, 'telegram unreachable, will retry');
        return { type: 'retry', delayMs: null };
      }
      this.#stats.failed += 1;
      this.#log.error({ chatId, kind: job.kind, err: describe(err) }, 'outbox send failed; dropped');
      return { type: 'dropped' };
    }
  }
}

/** A caption within Telegram's limit: whole lines while they fit, else the first line cut. */
function captionOf(text: string): string {
  const lines = text.split('\n');
  while (lines.length > 1 && lines.join('\n').length > CAPTION_LIMIT) lines.pop();
  const caption = lines.join('\n');
  return caption.length > CAPTION_LIMIT ? caption.slice(0, CAPTION_LIMIT - 1) + '…' : caption;
}

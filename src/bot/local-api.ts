/**
 * A Telegram Bot API answered in-process: an API transformer that records outgoing calls and answers them with
 * plausible results (message ids, dates), plus builders for incoming updates. The console transport prints through
 * it; tests record through it. Nothing here touches the network.
 */
import { InputFile } from 'grammy';
import type { Transformer } from 'grammy';
import type { InlineKeyboardMarkup, Message, Update, UserFromGetMe } from 'grammy/types';
import type { Clock } from './ports.js';

export interface ApiCall {
  method: string;
  payload: Record<string, unknown>;
  at: number;
}

/** A message the bot sent, as last edited. */
export interface BotMessage {
  chatId: number;
  messageId: number;
  text: string;
  keyboard: InlineKeyboardMarkup | null;
  silent: boolean;
  edits: number;
  /** A photo (sendPhoto): its bytes and file name; `text` is then its caption. */
  photo?: { bytes: Uint8Array; filename: string };
}

export interface LocalUser {
  id: number;
  first_name?: string;
  username?: string;
}

export const LOCAL_BOT_INFO: UserFromGetMe = {
  id: 1_000_001,
  is_bot: true,
  first_name: 'fxmirror',
  username: 'fxmirror_bot',
  can_join_groups: true,
  can_read_all_group_messages: false,
  supports_inline_queries: false,
  can_connect_to_business: false,
  has_main_web_app: false,
  has_topics_enabled: false,
  allows_users_to_create_topics: false,
  can_manage_bots: false,
  supports_join_request_queries: false,
};

export interface LocalTelegramOptions {
  clock: Pick<Clock, 'now'>;
  botInfo?: UserFromGetMe;
  /** Called for every outgoing call after it is answered. */
  onCall?: (call: ApiCall, message: BotMessage | null) => void;
  /** Keep a log of calls (tests); the console does not. */
  record?: boolean;
}

export class LocalTelegram {
  readonly botInfo: UserFromGetMe;
  readonly calls: ApiCall[] = [];
  readonly messages = new Map<number, BotMessage>();
  readonly #clock: Pick<Clock, 'now'>;
  readonly #onCall: LocalTelegramOptions['onCall'];
  readonly #record: boolean;
  #nextMessageId = 1;
  #nextUpdateId = 1;
  #nextCallbackId = 1;

  constructor(options: LocalTelegramOptions) {
    this.#clock = options.clock;
    this.botInfo = options.botInfo ?? LOCAL_BOT_INFO;
    this.#onCall = options.onCall;
    this.#record = options.record ?? false;
  }

  /** Install with `bot.api.config.use(local.transformer)`; it never calls `prev`. */
  readonly transformer: Transformer = async (_prev, method, payload) => {
    const p = (payload ?? {}) as Record<string, unknown>;
    const call: ApiCall = { method, payload: p, at: this.#clock.now() };
    if (this.#record) this.calls.push(call);
    let message: BotMessage | null = null;
    let result: unknown = true;
    switch (method) {
      case 'sendMessage': {
        message = {
          chatId: Number(p.chat_id),
          messageId: this.#nextMessageId++,
          text: String(p.text ?? ''),
          keyboard: (p.reply_markup as InlineKeyboardMarkup | undefined) ?? null,
          silent: p.disable_notification === true,
          edits: 0,
        };
        this.messages.set(message.messageId, message);
        result = this.#messageResult(message);
        break;
      }
      case 'sendPhoto': {
        message = {
          chatId: Number(p.chat_id),
          messageId: this.#nextMessageId++,
          text: String(p.caption ?? ''),
          keyboard: (p.reply_markup as InlineKeyboardMarkup | undefined) ?? null,
          silent: p.disable_notification === true,
          edits: 0,
          photo: await photoOf(p.photo),
        };
        this.messages.set(message.messageId, message);
        result = this.#photoResult(message);
        break;
      }
      case 'editMessageText':
      case 'editMessageReplyMarkup': {
        const existing = this.messages.get(Number(p.message_id));
        if (existing === undefined) {
          this.#onCall?.(call, null);
          return { ok: false, error_code: 400, description: 'Bad Request: message to edit not found' } as never;
        }
        if (method === 'editMessageText') existing.text = String(p.text ?? '');
        existing.keyboard = (p.reply_markup as InlineKeyboardMarkup | undefined) ?? null;
        existing.edits += 1;
        message = existing;
        result = this.#messageResult(existing);
        break;
      }
      case 'getMe':
        result = this.botInfo;
        break;
      default:
        result = true;
    }
    this.#onCall?.(call, message);
    return { ok: true, result } as never;
  };

  #messageResult(m: BotMessage): Message.TextMessage {
    return {
      message_id: m.messageId,
      date: Math.floor(this.#clock.now() / 1000),
      chat: { id: m.chatId, type: 'private', first_name: 'user' },
      from: this.botInfo,
      text: m.text,
      ...(m.keyboard === null ? {} : { reply_markup: m.keyboard }),
    };
  }

  #photoResult(m: BotMessage): Message.PhotoMessage {
    const size = m.photo === undefined ? { width: 0, height: 0 } : pngSizeOrZero(m.photo.bytes);
    return {
      message_id: m.messageId,
      date: Math.floor(this.#clock.now() / 1000),
      chat: { id: m.chatId, type: 'private', first_name: 'user' },
      from: this.botInfo,
      photo: [{ file_id: `local-photo-${m.messageId}`, file_unique_id: `lp${m.messageId}`, ...size, file_size: m.photo?.bytes.length ?? 0 }],
      ...(m.text === '' ? {} : { caption: m.text }),
    };
  }

  /** A text message from `from` (commands get their bot_command entity). `chatId` defaults to a private chat. */
  messageUpdate(from: LocalUser, text: string, opts: { chatId?: number; date?: number; chatType?: 'private' | 'group' } = {}): Update {
    const chatId = opts.chatId ?? from.id;
    const type = opts.chatType ?? (chatId === from.id ? 'private' : 'group');
    const command = /^\/[A-Za-z0-9_]+(@\w+)?/.exec(text);
    return {
      update_id: this.#nextUpdateId++,
      message: {
        message_id: this.#nextMessageId++,
        date: opts.date ?? Math.floor(this.#clock.now() / 1000),
        chat: type === 'private' ? { id: chatId, type: 'private', first_name: from.first_name ?? 'user' } : { id: chatId, type: 'group', title: 'group' },
        from: { id: from.id, is_bot: false, first_name: from.first_name ?? 'user', ...(from.username === undefined ? {} : { username: from.username }) },
        text,
        ...(command === null ? {} : { entities: [{ type: 'bot_command' as const, offset: 0, length: command[0].length }] }),
      },
    } as Update;
  }

  /** A tap on a button with `data` under bot message `messageId`. */
  callbackUpdate(from: LocalUser, data: string, messageId: number): Update {
    const m = this.messages.get(messageId);
    const chatId = m?.chatId ?? from.id;
    return {
      update_id: this.#nextUpdateId++,
      callback_query: {
        id: String(this.#nextCallbackId++),
        from: { id: from.id, is_bot: false, first_name: from.first_name ?? 'user' },
        chat_instance: String(chatId),
        data,
        message: {
          message_id: messageId,
          date: Math.floor(this.#clock.now() / 1000),
          chat: chatId === from.id ? { id: chatId, type: 'private', first_name: 'user' } : { id: chatId, type: 'group', title: 'group' },
          from: this.botInfo,
          text: m?.text ?? '',
        },
      },
    } as Update;
  }
}

/** The buttons of a keyboard in reading order, with their callback data. */
export function buttonsOf(keyboard: InlineKeyboardMarkup | null | undefined): { text: string; data: string }[] {
  if (keyboard === null || keyboard === undefined) return [];
  return keyboard.inline_keyboard.flat().flatMap((b) => ('callback_data' in b && typeof b.callback_data === 'string' ? [{ text: b.text, data: b.callback_data }] : []));
}

/**
 * The bytes of an uploaded photo. grammY hands transformers the `InputFile` itself (it is serialized to multipart
 * only on the way to a real server); `toRaw()` is how grammY itself reads one.
 */
async function photoOf(photo: unknown): Promise<{ bytes: Uint8Array; filename: string }> {
  if (!(photo instanceof InputFile)) return { bytes: new Uint8Array(0), filename: typeof photo === 'string' ? photo : 'photo' };
  const raw = await photo.toRaw();
  let bytes: Uint8Array;
  if (raw instanceof Uint8Array) bytes = raw;
  else {
    const parts: Uint8Array[] = [];
    for await (const part of raw) parts.push(part);
    bytes = Buffer.concat(parts);
  }
  return { bytes, filename: photo.filename ?? 'photo.png' };
}

/** Width and height from a PNG header, or zeros when the bytes are no PNG. */
function pngSizeOrZero(png: Uint8Array): { width: number; height: number } {
  if (png.length < 24) return { width: 0, height: 0 };
  const view = new DataView(png.buffer, png.byteOffset, png.byteLength);
  return { width: view.getUint32(16), height: view.getUint32(20) };
}

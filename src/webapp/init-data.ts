/**
 * Telegram Mini App authentication, as Telegram documents it: the `initData` query string is signed with
 * HMAC-SHA256 under a key derived from the bot token (`@telegram-apps/init-data-node` checks it), and its `auth_date`
 * must be recent. The age is checked here against the injected clock (the library would read the wall clock).
 * Every failure is the same `null`: a caller answers 401 and discloses nothing about why.
 */
import { parse, validate } from '@telegram-apps/init-data-node';
import type { Clock } from '../bot/ports.js';

/** initData longer than this is not even parsed (Telegram's are well under 2 KB). */
export const MAX_INIT_DATA_LENGTH = 8_192;
/** A client clock slightly ahead of ours is tolerated; further ahead is refused. */
const FUTURE_SKEW_MS = 60_000;

/** The Telegram user an initData string proves, when it proves one. */
export interface VerifiedInitData {
  userId: number;
  /** First and last name as Telegram gives them. */
  name: string;
  authDate: number;
}

export interface InitDataVerifierOptions {
  botToken: string;
  clock: Pick<Clock, 'now'>;
  /** Oldest `auth_date` accepted (FXMIRROR_WEBAPP_MAX_AGE_SECONDS). */
  maxAgeSeconds: number;
}

/** The parser's snake_case result (its `ReturnType` names the camelCase overload). */
type ParsedInitData = ReturnType<typeof parseSnake>;
const parseSnake = (value: string) => parse(value);

/** Returns the user behind valid, fresh initData, or null for anything else (forged, expired, malformed, no user). */
export function verifyInitData(initData: unknown, options: InitDataVerifierOptions): VerifiedInitData | null {
  if (typeof initData !== 'string' || initData === '' || initData.length > MAX_INIT_DATA_LENGTH) return null;
  let parsed: ParsedInitData;
  try {
    // Signature only (expiresIn 0): the age is checked below with our clock.
    validate(initData, options.botToken, { expiresIn: 0 });
    parsed = parseSnake(initData);
  } catch {
    return null;
  }
  const authDate = parsed.auth_date.getTime();
  const now = options.clock.now();
  if (!Number.isFinite(authDate) || now - authDate > options.maxAgeSeconds * 1000 || authDate - now > FUTURE_SKEW_MS) return null;
  const user = parsed.user;
  if (user === undefined || !Number.isSafeInteger(user.id) || user.id <= 0 || user.is_bot === true) return null;
  const name = [user.first_name, user.last_name].filter((x) => typeof x === 'string' && x !== '').join(' ');
  return { userId: user.id, name, authDate };
}

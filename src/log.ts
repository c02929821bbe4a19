/**
 * The pino root logger (design.md §2). Secrets never reach a log line: known secret values (the API key, the bot
 * token) and anything shaped like one are replaced in every serialized line before it is written, whatever field or
 * message carried it, plus pino's path redaction for the usual header and query names.
 */
import { pino } from 'pino';
import type { DestinationStream, Logger as PinoLogger } from 'pino';

const SECRET_PATTERNS: readonly RegExp[] = [
  /fxs_(?:live|ro)_[A-Za-z0-9_-]+/g, // FxSocket keys
  /\b\d{5,}:[A-Za-z0-9_-]{30,}\b/g, // Telegram bot tokens
  /(api_key=)[^&\s"]+/g, // the key in a WebSocket URL
];

/** Replaces every secret in a text. Exported for the chat layer, which applies the same rule to outgoing messages. */
export function scrubSecrets(text: string, secrets: readonly string[] = []): string {
  let out = text;
  for (const secret of secrets) {
    if (secret.length >= 8) out = out.split(secret).join('[redacted]');
  }
  for (const pattern of SECRET_PATTERNS) {
    out = out.replace(pattern, (match, prefix: unknown) => (typeof prefix === 'string' && match.startsWith(prefix) ? `${prefix}[redacted]` : '[redacted]'));
  }
  return out;
}

/** A destination that scrubs each serialized line, then writes it. */
export function scrubbingDestination(inner: { write(chunk: string): unknown }, secrets: readonly string[]): DestinationStream {
  return {
    write(chunk: string) {
      inner.write(scrubSecrets(chunk, secrets));
    },
  };
}

export interface CreateLoggerOptions {
  level: string;
  secrets: readonly string[];
  /** Where lines go; stdout by default. */
  destination?: { write(chunk: string): unknown };
}

export function createLogger(options: CreateLoggerOptions): PinoLogger {
  return pino(
    {
      level: options.level,
      base: { app: 'fxmirror' },
      redact: {
        paths: ['apiKey', 'token', 'botToken', 'headers["x-api-key"]', '*.apiKey', '*.token', '*.headers["x-api-key"]'],
        censor: '[redacted]',
      },
    },
    scrubbingDestination(options.destination ?? process.stdout, options.secrets),
  );
}

/** Removing the API key from anything that may reach a log or a chat: messages, contexts, URLs. */

const MASK = '***';

/** Replaces every occurrence of each secret in `text` (secrets shorter than 4 characters are ignored as noise). */
export function redact(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const secret of secrets) {
    if (secret.length >= 4 && out.includes(secret)) out = out.split(secret).join(MASK);
  }
  return out;
}

/** A URL safe to log: the `api_key` query parameter masked, any other secret removed. */
export function redactUrl(url: string, secrets: readonly string[]): string {
  let out = url;
  try {
    const parsed = new URL(url);
    if (parsed.searchParams.has('api_key')) {
      parsed.searchParams.set('api_key', MASK);
      out = parsed.toString();
    }
  } catch {
    // Not a URL: fall through to plain redaction.
  }
  return redact(out, secrets);
}

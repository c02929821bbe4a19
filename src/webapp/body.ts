/** Request bodies of the JSON API: `application/json` only, bounded in size, an object at the top. */
import type { IncomingMessage } from 'node:http';
import { WebError } from './types.js';

/** The largest body accepted (initData is about 1 KB; nothing the page sends comes near this). */
export const MAX_BODY_BYTES = 16 * 1024;

/** True for `application/json`, with or without parameters such as `charset=utf-8`. */
export function isJson(contentType: string | undefined): boolean {
  if (contentType === undefined) return false;
  const [type, ...params] = contentType.split(';').map((s) => s.trim().toLowerCase());
  if (type !== 'application/json') return false;
  return params.every((p) => !p.startsWith('charset=') || p === 'charset=utf-8');
}

/** Reads and parses a JSON object body; 415, 413 or 400 as a `WebError`. */
export async function readJsonBody(req: IncomingMessage, limit = MAX_BODY_BYTES): Promise<Record<string, unknown>> {
  if (!isJson(req.headers['content-type'])) throw new WebError(415, 'unsupported_media_type', 'Send the request as application/json.');
  const declared = Number(req.headers['content-length'] ?? NaN);
  if (Number.isFinite(declared) && declared > limit) throw new WebError(413, 'payload_too_large', `The request body is larger than ${limit} bytes.`);
  const chunks: Buffer[] = await new Promise<Buffer[]>((resolve, reject) => {
    const got: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer): void => {
      size += chunk.length;
      if (size <= limit) {
        got.push(chunk);
        return;
      }
      // Answer at once; the rest is read and dropped (not destroyed), so the client still gets the 413.
      req.off('data', onData);
      req.resume();
      reject(new WebError(413, 'payload_too_large', `The request body is larger than ${limit} bytes.`));
    };
    req.on('data', onData);
    req.once('end', () => resolve(got));
    req.once('error', reject);
  });
  const text = Buffer.concat(chunks).toString('utf8');
  let value: unknown;
  try {
    value = text.trim() === '' ? {} : JSON.parse(text);
  } catch {
    throw new WebError(400, 'invalid_json', 'The request body is not valid JSON.');
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new WebError(400, 'invalid_json', 'The request body must be a JSON object.');
  return value as Record<string, unknown>;
}

/** Wire text → validated value, or a typed protocol error. Never throws anything untyped. */
import type { z } from 'zod';

import type { CallInfo } from './error-mapping.js';
import { ProtocolError, UnreadableOrderReplyError } from './errors.js';

/** Short, key-free summary of zod issues for an error message: `data.bid: expected number, received string`. */
export function describeIssues(issues: readonly z.core.$ZodIssue[], max = 3): string {
  const parts = issues.slice(0, max).map((issue) => {
    const path = issue.path.length > 0 ? issue.path.map(String).join('.') : '(root)';
    return `${path}: ${issue.message}`;
  });
  if (issues.length > max) parts.push(`… ${issues.length - max} more`);
  return parts.join('; ');
}

function protocolError(call: CallInfo, message: string, cause: unknown, issues: readonly z.core.$ZodIssue[] = []) {
  const context: Record<string, unknown> = { method: call.method, path: call.path, kind: call.kind };
  if (call.accountId !== undefined) context['accountId'] = call.accountId;
  const where = `${call.method} ${call.path}`;
  return call.kind === 'order'
    ? new UnreadableOrderReplyError(`${where}: unreadable reply, outcome unknown (${message})`, { cause, context, issues })
    : new ProtocolError(`${where}: unreadable reply (${message})`, { cause, context, issues });
}

/**
 * Parses a 2xx body and validates it; malformed → `ProtocolError` (reads) or `UnreadableOrderReplyError` (orders).
 * `fast`, when given, is tried first on the parsed value: a hand-written decoder that returns the schema's exact
 * output for a reply whose every field is present with its right type, or `undefined` to leave it to the schema
 * (defaults, errors); see `fast-replies.ts`.
 */
export function decodeBody<S extends z.ZodType>(
  schema: S,
  bodyText: string,
  call: CallInfo,
  fast?: (json: unknown) => z.output<S> | undefined,
): z.output<S> {
  let json: unknown;
  try {
    json = JSON.parse(bodyText) as unknown;
  } catch (error) {
    throw protocolError(call, 'not JSON', error);
  }
  if (fast !== undefined) {
    const value = fast(json);
    if (value !== undefined) return value;
  }
  const result = schema.safeParse(json);
  if (!result.success) throw protocolError(call, describeIssues(result.error.issues), result.error, result.error.issues);
  return result.data;
}

/**
 * The REST transport shared by the management and terminal clients: one keep-alive undici `Pool` per origin (the
 * cloud, and the simulator, serve every account's terminal from one origin, so all accounts share its connections),
 * a whole-call timeout, the standard headers, and typed errors. It never retries: §5 forbids automatic retries of
 * order calls, and reads are retried (if at all) by the caller that knows why it reads.
 */
import type { Readable } from 'node:stream';

import { Pool } from 'undici';
import type { z } from 'zod';

import { decodeBody } from './decode.js';
import { errorFromOversizedReply, errorFromReply, errorFromTransport, type CallInfo } from './error-mapping.js';
import { isInsecure, type InsecureTlsSetting } from './tls.js';
import { DEFAULT_USER_AGENT } from './version.js';

/** Default whole-call timeout (§5: 30 000 ms per call). */
export const DEFAULT_TIMEOUT_MS = 30_000;
/** Default connections per origin: at least the fan-out of one copy (one terminal call per follower). */
export const DEFAULT_CONNECTIONS = 64;
/** Default cap on a reply body (8 MiB): far above any copier reply, far below what would hurt the process. */
export const DEFAULT_MAX_REPLY_BYTES = 8 * 1024 * 1024;
/** Bytes of an oversized error reply kept for the error envelope (the rest is never read). */
const ERROR_BODY_KEEP_BYTES = 64 * 1024;

/**
 * REST failures by kind, as counted by {@link HttpTransport.stats}. Each failed call counts once. (A type alias, not an
 * interface, so it also reads as a plain `Record<string, number>`.)
 */
export type RestErrorCounts = {
  /** 4xx other than 429 (401/403 included): the request was refused. */
  status4xx: number;
  /** 429: rate limited. */
  rateLimited: number;
  /** 5xx, with or without an envelope. */
  status5xx: number;
  /** Any other status that was not accepted (1xx, 3xx). */
  statusOther: number;
  /** No complete reply within the call's timeout. */
  timeout: number;
  /** Connect refused, reset, DNS, TLS: no reply at all. */
  network: number;
  /** An accepted reply whose body is not JSON or does not fit its schema. */
  malformed: number;
  /** A reply body over `maxReplyBytes`, aborted while streaming. */
  tooLarge: number;
};

/** Counters of one transport since construction (mirrors the streams' `StreamStats`). */
export interface RestStats {
  /** Calls sent to the network (client-side validation failures never get here). */
  calls: number;
  /** Failed calls, all kinds. */
  failed: number;
  errors: RestErrorCounts;
}

/** Options of {@link HttpTransport}. */
export interface HttpTransportOptions {
  /** The `fxs_live_…` / `fxs_ro_…` key, sent as `X-API-Key`. */
  apiKey: string;
  /** Default `fxmirror/<version>`. */
  userAgent?: string;
  /** Default whole-call timeout in ms (default 30 000). */
  timeoutMs?: number;
  /** Keep-alive connections per origin (default 64); size it to the largest fan-out you expect. */
  connections?: number;
  /** Idle keep-alive time in ms (default 30 000). */
  keepAliveTimeoutMs?: number;
  /** Per-endpoint TLS verification switch (private servers, §1). */
  insecureTls?: InsecureTlsSetting;
  /**
   * Largest reply body accepted, in bytes (default 8 MiB). A longer body is aborted while it streams in (never
   * buffered whole) and fails the call: `reply_too_large` (reject) on a read, an unknown outcome on an order call.
   */
  maxReplyBytes?: number;
}

/** The methods the FxSocket API uses. */
export type HttpMethod = 'GET' | 'POST' | 'PATCH' | 'DELETE';

/** One REST call. */
export interface HttpCall extends CallInfo {
  method: HttpMethod;
  /** The API base: `${FXSOCKET_API_URL}/v1` or an account's `rest_url`, used verbatim. */
  baseUrl: string;
  query?: Readonly<Record<string, string | number | boolean | undefined>>;
  /** JSON body; `content-type: application/json` is sent whenever there is one. */
  body?: unknown;
  /** Overrides the transport's default timeout for this call. */
  timeoutMs?: number;
  /** Non-2xx statuses whose body is a normal answer (`/healthz` answers 503 with a body, §3.7). */
  acceptStatuses?: readonly number[];
}

/** A reply the caller accepted. */
export interface HttpReply {
  status: number;
  bodyText: string;
}

/** Builds the request target: the base path (e.g. `/mt5/{id}` or `/v1`) + the route + base and call query. */
export function buildTarget(baseUrl: string, path: string, query?: HttpCall['query']): URL {
  const url = new URL(baseUrl);
  url.pathname = `${url.pathname.replace(/\/+$/, '')}${path}`;
  if (query !== undefined) {
    for (const [key, value] of Object.entries(query)) {
      if (value !== undefined) url.searchParams.set(key, String(value));
    }
  }
  return url;
}

function isAccepted(status: number, call: HttpCall): boolean {
  return (status >= 200 && status < 300) || (call.acceptStatuses?.includes(status) ?? false);
}

function declaredLength(headers: Record<string, string | string[] | undefined>): number | undefined {
  const raw = headers['content-length'];
  const value = Number(Array.isArray(raw) ? raw[0] : raw);
  return raw !== undefined && Number.isSafeInteger(value) && value >= 0 ? value : undefined;
}

/** A reply body read up to a byte limit. */
interface ReadBody {
  /** The body (or its first `limit` bytes when truncated), UTF-8, without a BOM. */
  text: string;
  /** Bytes received before reading stopped. */
  bytes: number;
  truncated: boolean;
  /** `content-length`, when the server announced one. */
  declared: number | undefined;
}

const BOM = Buffer.from([0xef, 0xbb, 0xbf]);

/**
 * Reads a body but never more than `limit` bytes. Past the limit (or at once when `failFast` and `content-length`
 * already announces more) the body is destroyed, which aborts the request and closes its connection: the rest is
 * never read, so a runaway reply costs at most `limit` bytes of memory.
 */
async function readCapped(body: Readable, limit: number, declared: number | undefined, failFast: boolean): Promise<ReadBody> {
  if (failFast && declared !== undefined && declared > limit) {
    body.on('error', () => undefined);
    body.destroy();
    return { text: '', bytes: 0, truncated: true, declared };
  }
  const chunks: Buffer[] = [];
  let bytes = 0;
  let kept = 0;
  let truncated = false;
  for await (const chunk of body as AsyncIterable<Buffer>) {
    bytes += chunk.length;
    const room = limit - kept;
    if (chunk.length > room) {
      if (room > 0) chunks.push(chunk.subarray(0, room));
      kept += Math.max(0, room);
      truncated = true;
      // Leaving the loop destroys the body, which aborts the request and drops its connection.
      body.on('error', () => undefined);
      break;
    }
    chunks.push(chunk);
    kept += chunk.length;
  }
  const buffer = chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks, kept);
  const start = buffer.subarray(0, 3).equals(BOM) ? 3 : 0;
  return { text: buffer.toString('utf8', start), bytes, truncated, declared };
}

/** Keep-alive REST transport with typed errors. One per process is enough. */
export class HttpTransport {
  readonly #apiKey: string;
  readonly #userAgent: string;
  readonly #timeoutMs: number;
  readonly #connections: number;
  readonly #keepAliveTimeoutMs: number;
  readonly #insecureTls: InsecureTlsSetting | undefined;
  readonly #maxReplyBytes: number;
  readonly #pools = new Map<string, Pool>();
  #closed = false;
  #calls = 0;
  readonly #errors: RestErrorCounts = {
    status4xx: 0,
    rateLimited: 0,
    status5xx: 0,
    statusOther: 0,
    timeout: 0,
    network: 0,
    malformed: 0,
    tooLarge: 0,
  };

  constructor(options: HttpTransportOptions) {
    this.#apiKey = options.apiKey;
    this.#userAgent = options.userAgent ?? DEFAULT_USER_AGENT;
    this.#timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.#connections = options.connections ?? DEFAULT_CONNECTIONS;
    this.#keepAliveTimeoutMs = options.keepAliveTimeoutMs ?? 30_000;
    this.#insecureTls = options.insecureTls;
    this.#maxReplyBytes = options.maxReplyBytes ?? DEFAULT_MAX_REPLY_BYTES;
    if (!(this.#maxReplyBytes > 0)) throw new RangeError('maxReplyBytes must be a positive number of bytes');
  }

  /** Counters since construction: calls sent and failures by kind. */
  stats(): RestStats {
    const errors = { ...this.#errors };
    const failed = Object.values(errors).reduce((sum, n) => sum + n, 0);
    return { calls: this.#calls, failed, errors };
  }

  #countStatus(status: number): void {
    if (status === 429) this.#errors.rateLimited += 1;
    else if (status >= 500) this.#errors.status5xx += 1;
    else if (status >= 400) this.#errors.status4xx += 1;
    else this.#errors.statusOther += 1;
  }

  /** Number of origin pools opened so far (one per origin and TLS mode). */
  get poolCount(): number {
    return this.#pools.size;
  }

  /** Secrets that must never appear in an error. */
  get secrets(): readonly string[] {
    return [this.#apiKey];
  }

  #pool(url: URL): Pool {
    const insecure = isInsecure(this.#insecureTls, url);
    const key = `${insecure ? 'insecure' : 'verified'} ${url.origin}`;
    let pool = this.#pools.get(key);
    if (pool === undefined) {
      pool = new Pool(url.origin, {
        connections: this.#connections,
        pipelining: 1,
        keepAliveTimeout: this.#keepAliveTimeoutMs,
        ...(insecure ? { connect: { rejectUnauthorized: false } } : {}),
      });
      this.#pools.set(key, pool);
    }
    return pool;
  }

  /** Sends one call; a non-accepted status or a transport failure throws a typed error. */
  async request(call: HttpCall): Promise<HttpReply> {
    const target = buildTarget(call.baseUrl, call.path, call.query);
    const info: CallInfo = { ...call, path: target.pathname };
    const timeoutMs = call.timeoutMs ?? this.#timeoutMs;
    if (this.#closed) {
      throw errorFromTransport(new Error('client closed'), info, { timedOut: false, timeoutMs }, this.secrets);
    }
    const headers: Record<string, string> = {
      'x-api-key': this.#apiKey,
      'user-agent': this.#userAgent,
      accept: 'application/json',
    };
    let body: string | undefined;
    if (call.body !== undefined) {
      body = JSON.stringify(call.body);
      headers['content-type'] = 'application/json';
    }
    if (call.idempotencyKey !== undefined) headers['idempotency-key'] = call.idempotencyKey;

    const controller = new AbortController();
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      controller.abort();
    }, timeoutMs);
    this.#calls += 1;
    let status: number;
    let responseHeaders: Record<string, string | string[] | undefined>;
    let bodyRead: ReadBody;
    try {
      const response = await this.#pool(target).request({
        method: call.method,
        path: `${target.pathname}${target.search}`,
        headers,
        body,
        signal: controller.signal,
        headersTimeout: timeoutMs,
        bodyTimeout: timeoutMs,
      });
      status = response.statusCode;
      responseHeaders = response.headers;
      bodyRead = isAccepted(status, call)
        ? await readCapped(response.body, this.#maxReplyBytes, declaredLength(response.headers), true)
        : await readCapped(response.body, Math.min(this.#maxReplyBytes, ERROR_BODY_KEEP_BYTES), undefined, false);
    } catch (error) {
      if (timedOut) this.#errors.timeout += 1;
      else this.#errors.network += 1;
      throw errorFromTransport(error, info, { timedOut, timeoutMs }, this.secrets);
    } finally {
      clearTimeout(timer);
    }
    if (!isAccepted(status, call)) {
      this.#countStatus(status);
      // An oversized error body is cut at the kept prefix; the status alone still says what happened.
      throw errorFromReply({ status, headers: responseHeaders, bodyText: bodyRead.text, truncated: bodyRead.truncated }, info, this.secrets);
    }
    if (bodyRead.truncated) {
      this.#errors.tooLarge += 1;
      throw errorFromOversizedReply(info, { status, maxReplyBytes: this.#maxReplyBytes, receivedBytes: bodyRead.bytes, declaredBytes: bodyRead.declared });
    }
    return { status, bodyText: bodyRead.text };
  }

  /**
   * Sends one call and validates the reply against `schema`, then with `check` (e.g. that batch results are
   * positional); what either throws counts as a malformed reply. `fast` is an optional hand-written decoder tried
   * before the schema (see `decodeBody`).
   */
  async requestJson<S extends z.ZodType>(
    schema: S,
    call: HttpCall,
    check?: (value: z.output<S>) => void,
    fast?: (json: unknown) => z.output<S> | undefined,
  ): Promise<z.output<S>> {
    const reply = await this.request(call);
    try {
      const value = decodeBody(schema, reply.bodyText, { ...call, path: buildTarget(call.baseUrl, call.path).pathname }, fast);
      check?.(value);
      return value;
    } catch (error) {
      this.#errors.malformed += 1;
      throw error;
    }
  }

  /** Closes every pool; in-flight calls finish first. Idempotent. */
  async close(): Promise<void> {
    this.#closed = true;
    const pools = [...this.#pools.values()];
    this.#pools.clear();
    await Promise.all(pools.map((pool) => pool.close()));
  }
}

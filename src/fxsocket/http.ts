/**
 * The REST transport shared by the management and terminal clients: one keep-alive undici `Pool` per origin (the
 * cloud, and the simulator, serve every account's terminal from one origin, so all accounts share its connections),
 * a whole-call timeout, the standard headers, and typed errors. It never retries: §5 forbids automatic retries of
 * order calls, and reads are retried (if at all) by the caller that knows why it reads.
 */
import { Pool } from 'undici';
import type { z } from 'zod';

import { decodeBody } from './decode.js';
import { errorFromReply, errorFromTransport, type CallInfo } from './error-mapping.js';
import { isInsecure, type InsecureTlsSetting } from './tls.js';
import { DEFAULT_USER_AGENT } from './version.js';

/** Default whole-call timeout (§5: 30 000 ms per call). */
export const DEFAULT_TIMEOUT_MS = 30_000;
/** Default connections per origin: at least the fan-out of one copy (one terminal call per follower). */
export const DEFAULT_CONNECTIONS = 64;

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

/** Keep-alive REST transport with typed errors. One per process is enough. */
export class HttpTransport {
  readonly #apiKey: string;
  readonly #userAgent: string;
  readonly #timeoutMs: number;
  readonly #connections: number;
  readonly #keepAliveTimeoutMs: number;
  readonly #insecureTls: InsecureTlsSetting | undefined;
  readonly #pools = new Map<string, Pool>();
  #closed = false;

  constructor(options: HttpTransportOptions) {
    this.#apiKey = options.apiKey;
    this.#userAgent = options.userAgent ?? DEFAULT_USER_AGENT;
    this.#timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.#connections = options.connections ?? DEFAULT_CONNECTIONS;
    this.#keepAliveTimeoutMs = options.keepAliveTimeoutMs ?? 30_000;
    this.#insecureTls = options.insecureTls;
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
    let status: number;
    let responseHeaders: Record<string, string | string[] | undefined>;
    let bodyText: string;
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
      bodyText = await response.body.text();
    } catch (error) {
      throw errorFromTransport(error, info, { timedOut, timeoutMs }, this.secrets);
    } finally {
      clearTimeout(timer);
    }
    const accepted = (status >= 200 && status < 300) || (call.acceptStatuses?.includes(status) ?? false);
    if (!accepted) throw errorFromReply({ status, headers: responseHeaders, bodyText }, info, this.secrets);
    return { status, bodyText };
  }

  /** Sends one call and validates the reply against `schema`. */
  async requestJson<S extends z.ZodType>(schema: S, call: HttpCall): Promise<z.output<S>> {
    const reply = await this.request(call);
    return decodeBody(schema, reply.bodyText, { ...call, path: buildTarget(call.baseUrl, call.path).pathname });
  }

  /** Closes every pool; in-flight calls finish first. Idempotent. */
  async close(): Promise<void> {
    this.#closed = true;
    const pools = [...this.#pools.values()];
    this.#pools.clear();
    await Promise.all(pools.map((pool) => pool.close()));
  }
}

/**
 * The FxSocket service as the engine sees it ({@link BrokerPort}): management REST, one cached terminal client per
 * account (its `rest_url` resolved once), and terminal streams. All REST calls share one transport, hence one
 * keep-alive pool per origin across every account.
 */
import type { BrokerPort, CloseBatchReply, OrderBatchReply } from '../engine/ports.js';
import type { CloseBatchRequest, OrderBatchRequest } from './batch-request.js';
import { fxsocketConfigFromEnv, managementBaseUrl, DEFAULT_API_URL } from './config.js';
import { TerminalNotReadyError } from './errors.js';
import { HttpTransport, type RestStats } from './http.js';
import { ManagementClient, type BatchOptions } from './management.js';
import type { Account } from './schemas/index.js';
import { TerminalStream, type StreamStats, type TerminalStreamOptions } from './stream.js';
import { TerminalClient } from './terminal.js';
import { isInsecure, type InsecureTlsSetting } from './tls.js';

/** Stream options a client applies to every stream it creates. */
export type StreamDefaults = Omit<TerminalStreamOptions, 'accountId' | 'url' | 'apiKey' | 'insecureTls' | 'userAgent' | 'resolveUrl'>;

/** Options of {@link FxSocketClient}. */
export interface FxSocketClientOptions {
  /** `fxs_live_…` (trading) or `fxs_ro_…` (reads only). */
  apiKey: string;
  /** Default `https://api.fxsocket.com`; the management base is `${apiUrl}/v1`. */
  apiUrl?: string;
  /** Read timeout in ms (default 30 000). */
  timeoutMs?: number;
  /** Order-call timeout in ms (terminal order routes and batches; default `timeoutMs`). */
  orderTimeoutMs?: number;
  /** Keep-alive connections per origin (default 64): at least the largest fan-out you expect. */
  connections?: number;
  keepAliveTimeoutMs?: number;
  /** Per-endpoint "do not verify TLS" (private servers): `true` or a host list. Applies to REST and streams. */
  insecureTls?: InsecureTlsSetting;
  /** Default `fxmirror/<version>`. */
  userAgent?: string;
  /** Largest REST reply body in bytes (default 8 MiB); longer ones are aborted while streaming (see `HttpTransport`). */
  maxReplyBytes?: number;
  /** Defaults for every stream (ping, backoff, queue size, …). */
  stream?: StreamDefaults;
}

/** Counters of a client: its REST transport, and each stream it created and nobody closed yet, in creation order. */
export interface FxSocketClientStats {
  rest: RestStats;
  streams: (StreamStats & { accountId: string; connected: boolean })[];
}

/** Typed FxSocket client. Implements {@link BrokerPort}. */
export class FxSocketClient implements BrokerPort {
  readonly management: ManagementClient;
  readonly http: HttpTransport;
  readonly #options: FxSocketClientOptions;
  readonly #terminals = new Map<string, Promise<TerminalClient>>();
  readonly #streams = new Set<TerminalStream>();

  constructor(options: FxSocketClientOptions) {
    this.#options = options;
    this.http = new HttpTransport({
      apiKey: options.apiKey,
      userAgent: options.userAgent,
      timeoutMs: options.timeoutMs,
      connections: options.connections,
      keepAliveTimeoutMs: options.keepAliveTimeoutMs,
      insecureTls: options.insecureTls,
      maxReplyBytes: options.maxReplyBytes,
    });
    this.management = new ManagementClient({
      baseUrl: managementBaseUrl(options.apiUrl ?? DEFAULT_API_URL),
      http: this.http,
      timeoutMs: options.timeoutMs,
      orderTimeoutMs: options.orderTimeoutMs,
    });
  }

  /** A client configured from `FXSOCKET_API_URL`, `FXSOCKET_API_KEY`, `FXSOCKET_INSECURE_TLS`. */
  static fromEnv(
    env: Readonly<Record<string, string | undefined>> = process.env,
    overrides: Partial<FxSocketClientOptions> = {},
  ): FxSocketClient {
    return new FxSocketClient({ ...fxsocketConfigFromEnv(env), ...overrides });
  }

  listAccounts(): Promise<Account[]> {
    return this.management.listAccounts();
  }

  getAccount(accountId: string): Promise<Account> {
    return this.management.getAccount(accountId);
  }

  /**
   * The account's terminal client, created once from its `rest_url`. An account without a terminal yet (URL "") is a
   * retryable `terminal_unavailable`, and is looked up again next time.
   */
  terminal(accountId: string): Promise<TerminalClient> {
    let pending = this.#terminals.get(accountId);
    if (pending === undefined) {
      const created = this.#createTerminal(accountId);
      this.#terminals.set(accountId, created);
      created.catch(() => {
        if (this.#terminals.get(accountId) === created) this.#terminals.delete(accountId);
      });
      pending = created;
    }
    return pending;
  }

  /** Drops a cached terminal client so the next `terminal()` re-reads `rest_url` (after a terminal restart/move). */
  forgetTerminal(accountId: string): void {
    this.#terminals.delete(accountId);
  }

  async #createTerminal(accountId: string): Promise<TerminalClient> {
    const account = await this.getAccount(accountId);
    if (account.rest_url === '') throw notReady(account, 'rest_url');
    return new TerminalClient({
      accountId,
      restUrl: account.rest_url,
      http: this.http,
      timeoutMs: this.#options.timeoutMs,
      orderTimeoutMs: this.#options.orderTimeoutMs,
    });
  }

  /** A new, not yet started stream on the account's `ws_url`. Closed by `close()` along with the client. */
  async stream(accountId: string, overrides: StreamDefaults = {}): Promise<TerminalStream> {
    const account = await this.getAccount(accountId);
    if (account.ws_url === '') throw notReady(account, 'ws_url');
    const stream = new TerminalStream({
      ...this.#options.stream,
      ...overrides,
      accountId,
      url: account.ws_url,
      apiKey: this.#options.apiKey,
      userAgent: this.#options.userAgent,
      insecureTls: isInsecure(this.#options.insecureTls, new URL(account.ws_url)),
      resolveUrl: async () => (await this.getAccount(accountId)).ws_url,
    });
    this.#streams.add(stream);
    return stream;
  }

  /** `POST /v1/orders`. Never retried automatically; replay deliberately with the same `idempotencyKey`. */
  placeOrders(request: OrderBatchRequest, options: BatchOptions = {}): Promise<OrderBatchReply> {
    return this.management.placeOrders(request, options);
  }

  /** `POST /v1/orders/close`. Never retried automatically; replay deliberately with the same `idempotencyKey`. */
  closeOrders(request: CloseBatchRequest, options: BatchOptions = {}): Promise<CloseBatchReply> {
    return this.management.closeOrders(request, options);
  }

  /** REST failures by kind and every stream's counters (frames, malformed, reconnects, …) since construction. */
  stats(): FxSocketClientStats {
    return {
      rest: this.http.stats(),
      streams: [...this.#streams]
        .filter((stream) => !stream.closed)
        .map((stream) => ({ accountId: stream.accountId, connected: stream.connected, ...stream.stats() })),
    };
  }

  /** Closes every stream this client created and the connection pools. */
  async close(): Promise<void> {
    const streams = [...this.#streams];
    this.#streams.clear();
    this.#terminals.clear();
    await Promise.all(streams.map((stream) => stream.close()));
    await this.http.close();
  }
}

function notReady(account: Account, field: 'rest_url' | 'ws_url'): TerminalNotReadyError {
  return new TerminalNotReadyError('terminal_unavailable', `account has no ${field} yet (status ${account.status || 'unknown'})`, {
    context: { accountId: account.id, status: account.status },
  });
}

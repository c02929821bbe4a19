/** The FxSocket client: management REST, terminal REST, terminal WebSocket stream, wire schemas, typed errors. */
export { FxSocketClient, type FxSocketClientOptions, type FxSocketClientStats, type StreamDefaults } from './client.js';
export { ManagementClient, type ManagementClientOptions, type BatchOptions } from './management.js';
export { TerminalClient, type TerminalClientOptions, type HistoryRange } from './terminal.js';
export { snapshotKey, TerminalStream, withApiKey, type TerminalStreamOptions, type StreamStats } from './stream.js';
export {
  HttpTransport,
  DEFAULT_CONNECTIONS,
  DEFAULT_MAX_REPLY_BYTES,
  DEFAULT_TIMEOUT_MS,
  type HttpTransportOptions,
  type HttpCall,
  type HttpMethod,
  type HttpReply,
  type RestErrorCounts,
  type RestStats,
} from './http.js';
export { fxsocketConfigFromEnv, managementBaseUrl, DEFAULT_API_URL, type FxSocketEnvConfig } from './config.js';
export { buildOrderBatchBody, buildCloseBatchBody, checkIdempotencyKey, IDEMPOTENCY_KEY_MAX_LENGTH } from './batch-request.js';
export type { OrderBatchRequest, OrderBatchLeg, CloseBatchRequest } from './batch-request.js';
export { orderSendBody, orderModifyBody, orderCloseBody, closeAllBody, type ModifyOptions, type CloseAllRequest } from './terminal-request.js';
export { canonicalOperation } from './operations.js';
export { decodeFrame } from './stream-frames.js';
export { decodeBody } from './decode.js';
export {
  errorFromOversizedReply,
  errorFromReply,
  errorFromTransport,
  parseRetryAfterMs,
  type CallInfo,
  type CallKind,
  type ApiFamily,
  type OversizedReply,
} from './error-mapping.js';
export { reconnectDelayMs, type BackoffOptions } from './backoff.js';
export type { InsecureTlsSetting } from './tls.js';
export { FXMIRROR_VERSION, DEFAULT_USER_AGENT } from './version.js';
export * from './errors.js';
export * from './schemas/index.js';

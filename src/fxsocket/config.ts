/**
 * FxSocket settings from the environment: `FXSOCKET_API_URL` (default `https://api.fxsocket.com`; the management base
 * is `${url}/v1`), `FXSOCKET_API_KEY` (required), `FXSOCKET_INSECURE_TLS` (`true`, or a comma-separated host list of
 * private servers with self-signed certificates).
 */
import { FatalError } from '../domain/errors.js';
import type { InsecureTlsSetting } from './tls.js';

/** The public cloud (§1). */
export const DEFAULT_API_URL = 'https://api.fxsocket.com';

/** What the environment decides; every other client option keeps its default. */
export interface FxSocketEnvConfig {
  apiUrl: string;
  apiKey: string;
  insecureTls: InsecureTlsSetting;
}

/** The management base URL for an API URL: `${apiUrl}/v1`. */
export function managementBaseUrl(apiUrl: string): string {
  return `${apiUrl.replace(/\/+$/, '')}/v1`;
}

function invalidConfig(message: string): FatalError {
  return new FatalError('config_invalid', message);
}

/** Reads and checks the FxSocket variables; a mistake is a `config_invalid` FatalError naming the variable. */
export function fxsocketConfigFromEnv(env: Readonly<Record<string, string | undefined>> = process.env): FxSocketEnvConfig {
  const apiUrl = (env['FXSOCKET_API_URL'] ?? '').trim() || DEFAULT_API_URL;
  let parsed: URL;
  try {
    parsed = new URL(apiUrl);
  } catch {
    throw invalidConfig('FXSOCKET_API_URL is not a URL');
  }
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') {
    throw invalidConfig('FXSOCKET_API_URL must be an http(s) URL');
  }
  const apiKey = (env['FXSOCKET_API_KEY'] ?? '').trim();
  // The key itself never goes into a message.
  if (apiKey === '') throw invalidConfig('FXSOCKET_API_KEY is not set');

  const rawInsecure = (env['FXSOCKET_INSECURE_TLS'] ?? '').trim();
  let insecureTls: InsecureTlsSetting = false;
  if (/^(1|true|yes)$/i.test(rawInsecure)) insecureTls = true;
  else if (rawInsecure !== '' && !/^(0|false|no)$/i.test(rawInsecure)) {
    insecureTls = rawInsecure
      .split(',')
      .map((host) => host.trim())
      .filter((host) => host !== '');
  }
  return { apiUrl, apiKey, insecureTls };
}

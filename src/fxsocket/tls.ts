/** The per-endpoint "do not verify TLS" switch for private servers with self-signed certificates (§1). */

/**
 * `true` skips verification everywhere (tests, a lab); a list names the hosts (`10.0.0.5` or `10.0.0.5:8443`) whose
 * certificate is not verified; `false`/absent verifies everything.
 */
export type InsecureTlsSetting = boolean | readonly string[];

/** Whether `url`'s endpoint is exempt from certificate verification. */
export function isInsecure(setting: InsecureTlsSetting | undefined, url: URL): boolean {
  if (setting === undefined || setting === false) return false;
  if (setting === true) return true;
  return setting.includes(url.hostname) || setting.includes(url.host);
}

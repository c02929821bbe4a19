/**
 * The build's version as cluster processes compare it: a worker takes partitions only from a control process of the
 * same version (state formats and stream entries must agree). FXMIRROR_BUILD_VERSION overrides it for upgrade drills.
 */
import { readFileSync } from 'node:fs';

let cached: string | null = null;

export function buildVersion(env: Record<string, string | undefined> = process.env): string {
  const override = env['FXMIRROR_BUILD_VERSION']?.trim();
  if (override) return override;
  cached ??= (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;
  return cached;
}

/** Loads the recorded FxSocket payloads under test/fixtures/fxsocket/. */
import { readFileSync } from 'node:fs';

const ROOT = new URL('../../fixtures/fxsocket/', import.meta.url);

/** The fixture's text, verbatim (malformed frames are not JSON). */
export function rawFixture(path: string): string {
  return readFileSync(new URL(path, ROOT), 'utf8');
}

/** The fixture parsed as JSON. */
export function fixture(path: string): unknown {
  return JSON.parse(rawFixture(path)) as unknown;
}

/** A fixture as an object (for spreading into variants). */
export function fixtureObject(path: string): Record<string, unknown> {
  return fixture(path) as Record<string, unknown>;
}

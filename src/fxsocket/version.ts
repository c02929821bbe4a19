/** `User-Agent: fxmirror/<version>` (§1 lists the headers; the product name replaces the SDK's). */
import { createRequire } from 'node:module';

function packageVersion(): string {
  try {
    // The same relative path holds from src/fxsocket/ and from dist/fxsocket/.
    const pkg = createRequire(import.meta.url)('../../package.json') as { version?: unknown };
    return typeof pkg.version === 'string' ? pkg.version : '0.0.0';
  } catch {
    return '0.0.0';
  }
}

/** The fxmirror version from package.json. */
export const FXMIRROR_VERSION: string = packageVersion();

/** The default `User-Agent` of every REST call and WebSocket upgrade. */
export const DEFAULT_USER_AGENT = `fxmirror/${FXMIRROR_VERSION}`;

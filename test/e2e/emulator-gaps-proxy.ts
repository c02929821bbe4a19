/**
 * A TEST-only HTTP proxy in front of telegram-test-api that fills the emulator's gaps (design.md §6) so the product's
 * own composition root can talk to it unmodified: getUpdates answers at once (an empty answer is delayed a little, so
 * a polling bot does not spin), setMyCommands/deleteMyCommands/sendChatAction/setChatMenuButton answer HTTP 500
 * (answered here, and setChatMenuButton recorded), edits return null, and bot message dates are in milliseconds.
 */
import { createServer, request } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface GapsProxy {
  url: string;
  /** The payloads of setChatMenuButton calls, in order. */
  menuButtons: Record<string, unknown>[];
  close(): Promise<void>;
}

const ANSWERED_HERE = new Set(['setmycommands', 'deletemycommands', 'sendchataction', 'setchatmenubutton']);

export async function startGapsProxy(target: string): Promise<GapsProxy> {
  const upstream = new URL(target);
  const menuButtons: Record<string, unknown>[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const method = (req.url ?? '').split('/').pop()?.split('?')[0]?.toLowerCase() ?? '';
      const reply = (json: unknown, status = 200): void => {
        const text = JSON.stringify(json);
        res.writeHead(status, { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(text)) });
        res.end(text);
      };
      if (ANSWERED_HERE.has(method)) {
        if (method === 'setchatmenubutton') menuButtons.push(body.length > 0 ? (JSON.parse(body.toString('utf8')) as Record<string, unknown>) : {});
        reply({ ok: true, result: true });
        return;
      }
      const headers = { ...req.headers, host: upstream.host, 'content-length': String(body.length) };
      const up = request({ host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers }, (upRes) => {
        const parts: Buffer[] = [];
        upRes.on('data', (c: Buffer) => parts.push(c));
        upRes.on('end', () => {
          let json: { ok?: boolean; result?: unknown } | null = null;
          try {
            json = JSON.parse(Buffer.concat(parts).toString('utf8')) as { ok?: boolean; result?: unknown };
          } catch {
            json = null;
          }
          if (json === null) {
            res.writeHead(upRes.statusCode ?? 502);
            res.end(Buffer.concat(parts));
            return;
          }
          if (json.ok === true && json.result === null) json.result = true;
          const message = json.result as { date?: number } | undefined;
          if (method === 'sendmessage' && typeof message?.date === 'number' && message.date > 1e11) message.date = Math.floor(message.date / 1000);
          if (method === 'getupdates' && Array.isArray(json.result) && json.result.length === 0) {
            setTimeout(() => reply(json), 50);
            return;
          }
          reply(json, upRes.statusCode ?? 200);
        });
      });
      up.on('error', () => {
        res.writeHead(502);
        res.end();
      });
      up.end(body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    menuButtons,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

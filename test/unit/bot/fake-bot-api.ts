/**
 * A real HTTP server on port 0 that speaks enough of the Telegram Bot API for the outbox: sendMessage and
 * editMessageText answered with plausible results, and a per-request hook to answer 429, 5xx or not at all.
 */
import { createServer } from 'node:http';
import type { ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

export interface FakeRequest {
  n: number;
  method: string;
  body: Record<string, unknown>;
  at: number;
}

export type FakeReply = { status?: number; body: Record<string, unknown> } | 'hang' | 'default';

export interface FakeBotApi {
  /** Use as grammY's `apiRoot`. */
  url: string;
  requests: FakeRequest[];
  /** Requests answered with ok: true. */
  delivered(method?: string): FakeRequest[];
  setHandler(handler: (req: FakeRequest) => FakeReply): void;
  close(): Promise<void>;
}

export async function startFakeBotApi(): Promise<FakeBotApi> {
  const requests: FakeRequest[] = [];
  const ok = new Set<number>();
  let handler: (req: FakeRequest) => FakeReply = () => 'default';
  let messageId = 0;
  const sockets = new Set<Socket>();
  const hanging = new Set<ServerResponse>();

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const method = (req.url ?? '').split('/').pop() ?? '';
      let body: Record<string, unknown> = {};
      try {
        body = chunks.length === 0 ? {} : (JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>);
      } catch {
        body = {};
      }
      const r: FakeRequest = { n: requests.length + 1, method, body, at: Date.now() };
      requests.push(r);
      let reply = handler(r);
      if (reply === 'hang') {
        hanging.add(res);
        res.on('close', () => hanging.delete(res));
        return;
      }
      if (reply === 'default') {
        const result =
          method === 'sendMessage' || method === 'editMessageText'
            ? {
                message_id: method === 'sendMessage' ? ++messageId : Number(body.message_id),
                date: Math.floor(Date.now() / 1000),
                chat: { id: Number(body.chat_id), type: 'private', first_name: 'u' },
                text: String(body.text ?? ''),
              }
            : true;
        reply = { body: { ok: true, result } };
      }
      if (reply.body.ok === true) ok.add(r.n);
      res.writeHead(reply.status ?? 200, { 'content-type': 'application/json' });
      res.end(JSON.stringify(reply.body));
    });
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    delivered: (method = 'sendMessage') => requests.filter((r) => r.method === method && ok.has(r.n)),
    setHandler(h) {
      handler = h;
    },
    async close() {
      for (const res of hanging) res.destroy();
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

export const tooManyRequests = (retryAfter: number): FakeReply => ({
  status: 429,
  body: { ok: false, error_code: 429, description: `Too Many Requests: retry after ${retryAfter}`, parameters: { retry_after: retryAfter } },
});

export const serverError: FakeReply = { status: 502, body: { ok: false, error_code: 502, description: 'Bad Gateway' } };

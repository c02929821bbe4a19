/**
 * A TCP pass-through on loopback that a test can close like a gate: while closed, bytes in both directions are held
 * (nothing is lost or reset), as on a network that stopped delivering. Used to cut one worker off from Redis.
 */
import { connect, createServer } from 'node:net';
import type { Server, Socket } from 'node:net';

export interface TcpGate {
  readonly port: number;
  /** Holds every byte from now on, both ways. */
  close(): void;
  /** Delivers what was held, and goes on passing. */
  open(): void;
  stop(): Promise<void>;
}

export async function startTcpGate(targetPort: number): Promise<TcpGate> {
  const sockets = new Set<Socket>();
  const held: (() => void)[] = [];
  let closed = false;
  const forward = (from: Socket, to: Socket) =>
    from.on('data', (chunk: Buffer) => {
      if (closed) held.push(() => to.write(chunk));
      else to.write(chunk);
    });
  const server: Server = createServer((client) => {
    const upstream = connect(targetPort, '127.0.0.1');
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on('error', () => undefined);
      s.on('close', () => {
        sockets.delete(s);
        client.destroy();
        upstream.destroy();
      });
    }
    forward(client, upstream);
    forward(upstream, client);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  return {
    port,
    close: () => {
      closed = true;
    },
    open: () => {
      closed = false;
      for (const deliver of held.splice(0)) deliver();
    },
    stop: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

// A TCP proxy between the application and PostgreSQL that a test can break: cut every open
// connection (a dropped network, a backend killed), or go down and come back (a server restart:
// new connections are refused meanwhile). Bytes pass through untouched.
import net from 'node:net';

export interface TcpProxy {
  /** The connection string of `targetUrl`, through the proxy. */
  readonly url: string;
  /** Destroys every open connection; new ones are accepted. */
  cut(): void;
  /** Cuts every connection and refuses new ones (the port stops listening) until up(). */
  down(): Promise<void>;
  up(): Promise<void>;
  close(): Promise<void>;
}

export async function startTcpProxy(targetUrl: string): Promise<TcpProxy> {
  const target = new URL(targetUrl);
  const sockets = new Set<net.Socket>();
  const server = net.createServer((client) => {
    const upstream = net.createConnection({ host: target.hostname, port: Number(target.port || 5432) });
    for (const socket of [client, upstream]) {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
      // Either side failing ends both, as a broken network would.
      socket.on('error', () => {
        client.destroy();
        upstream.destroy();
      });
    }
    client.pipe(upstream).pipe(client);
  });
  const listen = (port: number) => new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  await listen(0);
  const port = (server.address() as net.AddressInfo).port;
  const proxied = new URL(targetUrl);
  proxied.hostname = '127.0.0.1';
  proxied.port = String(port);

  const cut = () => {
    for (const socket of sockets) socket.destroy();
  };
  return {
    url: proxied.toString(),
    cut,
    async down() {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      cut();
      await closed;
    },
    up: () => listen(port),
    async close() {
      cut();
      if (server.listening) await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

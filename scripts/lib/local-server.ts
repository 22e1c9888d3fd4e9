/** Starting and stopping the local stand-ins' HTTP servers (Twilio's REST API, Cloud Tasks, the model). */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** Listens on 127.0.0.1 (port 0: any free one); resolves to the port, or rejects if it is taken. */
export async function listenLocally(server: Server, port: number): Promise<number> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', resolve);
  });
  return (server.address() as AddressInfo).port;
}

/** Closes the server, dropping kept-alive connections so it does not wait for clients to hang up. */
export async function closeServer(server: Server | undefined | null): Promise<void> {
  if (!server) return;
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
}

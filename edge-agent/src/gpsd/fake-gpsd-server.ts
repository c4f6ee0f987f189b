import { createServer, type Server, type Socket } from 'node:net';

/**
 * A stand-in gpsd for tests: accepts clients, records the commands they send and lets the test script what each
 * connection receives. Real gpsd behaviour is covered by the gpsfake integration test.
 */
export class FakeGpsdServer {
  readonly commands: string[] = [];
  readonly clients: Socket[] = [];
  private readonly server: Server;
  private readonly onClient: (socket: Socket, index: number) => void;

  constructor(onClient: (socket: Socket, index: number) => void) {
    this.onClient = onClient;
    this.server = createServer((socket) => {
      const index = this.clients.length;
      this.clients.push(socket);
      socket.setEncoding('utf8');
      socket.on('error', () => undefined);
      let buffered = '';
      let answered = false;
      socket.on('data', (chunk: string) => {
        buffered += chunk;
        for (let nl = buffered.indexOf('\n'); nl >= 0; nl = buffered.indexOf('\n')) {
          this.commands.push(buffered.slice(0, nl));
          buffered = buffered.slice(nl + 1);
          if (!answered) {
            answered = true;
            this.onClient(socket, index);
          }
        }
      });
    });
  }

  listen(port = 0): Promise<number> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, '127.0.0.1', () => {
        const address = this.server.address();
        resolve(typeof address === 'object' && address ? address.port : port);
      });
    });
  }

  close(): Promise<void> {
    for (const c of this.clients) c.destroy();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

/** A port that was free a moment ago (for "gpsd is not running yet" tests). */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (typeof address !== 'object' || !address) throw new Error('no port');
  return address.port;
}

import { connect, type Socket } from 'node:net';

/** A raw TCP connection to the server at `url`, once connected. */
export async function openSocket(url: string): Promise<Socket> {
  const { hostname, port } = new URL(url);
  const socket = connect(Number(port), hostname);
  await new Promise((resolve, reject) => socket.once('connect', resolve).once('error', reject));
  return socket;
}

/** Sends a POST /graphql's headers declaring `declared` body bytes (or chunked when undefined), plus `extra` header lines. */
export function writeHead(socket: Socket, declared: number | undefined, extra = ''): void {
  const length = declared === undefined ? 'transfer-encoding: chunked' : `content-length: ${declared}`;
  socket.write(
    `POST /graphql HTTP/1.1\r\nhost: 127.0.0.1\r\ncontent-type: application/json\r\n${length}\r\n${extra}\r\n`,
  );
}

/** One chunk of a chunked body. */
export function chunk(data: string): string {
  return `${Buffer.byteLength(data).toString(16)}\r\n${data}\r\n`;
}

/** A valid `{ __typename }` body of exactly `bytes` bytes (padded with an unused variable). */
export function paddedBody(bytes: number): string {
  const head = '{"query":"{ __typename }","variables":{"pad":"';
  const tail = '"}}';
  return head + 'x'.repeat(bytes - head.length - tail.length) + tail;
}

/** Everything the server sends on `socket` until it closes it (or `ms` pass, then ''+what came). */
export function readAll(socket: Socket, ms = 10_000): Promise<string> {
  return new Promise((resolve) => {
    let text = '';
    const timer = setTimeout(() => {
      socket.destroy();
      resolve(text);
    }, ms);
    socket.on('data', (data: Buffer) => (text += data.toString('utf8')));
    socket.on('error', () => undefined);
    socket.on('close', () => {
      clearTimeout(timer);
      resolve(text);
    });
  });
}

/** The status code and JSON body of a raw HTTP/1.1 response (undefined status when there was none). */
export function parseResponse(raw: string): {
  status: number | undefined;
  head: string;
  body: { errors?: Array<{ message: string; extensions?: Record<string, unknown> }> } | undefined;
} {
  const at = raw.indexOf('\r\n\r\n');
  const status = /^HTTP\/1\.1 (\d{3})/.exec(raw)?.[1];
  let body;
  try {
    body = at >= 0 ? JSON.parse(raw.slice(at + 4)) : undefined;
  } catch {
    body = undefined;
  }
  return {
    status: status === undefined ? undefined : Number(status),
    head: raw.slice(0, Math.max(0, at)).toLowerCase(),
    body,
  };
}

/** Polls `read` until it returns `want` or `ms` pass; returns the last value read. */
export async function until<T>(read: () => Promise<T>, want: T, ms = 5000): Promise<T> {
  const end = Date.now() + ms;
  let value = await read();
  while (value !== want && Date.now() < end) {
    await new Promise((resolve) => setTimeout(resolve, 25));
    value = await read();
  }
  return value;
}

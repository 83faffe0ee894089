import { connect } from 'node:net';

/**
 * How the matrix asks a real program something over 127.0.0.1: one request,
 * the whole answer (the connection closes or `done` says it is complete).
 * Resolves to undefined when nothing listens or nothing answers in time.
 */
export function ask(port: number, request: string, done: (answer: string) => boolean = () => false, timeoutMs = 3_000): Promise<string | undefined> {
  return new Promise((resolve) => {
    let answer = '';
    let settled = false;
    const socket = connect({ host: '127.0.0.1', port });
    const finish = (value: string | undefined) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      resolve(value);
    };
    const timer = setTimeout(() => finish(answer || undefined), timeoutMs);
    socket.on('connect', () => socket.write(request));
    socket.on('data', (d: Buffer) => {
      answer += d.toString('latin1');
      if (done(answer)) finish(answer);
    });
    socket.on('end', () => finish(answer));
    socket.on('error', () => finish(undefined));
  });
}

/** Whether anything accepts connections on 127.0.0.1:port. */
export function listening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.on('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.on('error', () => resolve(false));
  });
}

/** GET `path` over HTTP/1.0: status and body, or undefined. */
export async function httpGet(port: number, path = '/'): Promise<{ status: number; body: string } | undefined> {
  const answer = await ask(port, `GET ${path} HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n`);
  const match = answer && /^HTTP\/1\.[01] (\d{3})[^\r\n]*\r\n[\s\S]*?\r\n\r\n([\s\S]*)$/.exec(answer);
  return match ? { status: Number(match[1]), body: match[2]! } : undefined;
}

/** One command in RESP, redis' protocol, and its one-line reply. */
export function redis(port: number, ...words: string[]): Promise<string | undefined> {
  const request = `*${words.length}\r\n${words.map((w) => `$${Buffer.byteLength(w)}\r\n${w}\r\n`).join('')}`;
  return ask(port, request, (a) => a.endsWith('\r\n')).then((a) => a?.trimEnd());
}

/** One memcached text-protocol command and its reply up to `last`. */
export function memcached(port: number, command: string, last = '\r\n'): Promise<string | undefined> {
  return ask(port, `${command}\r\n`, (a) => a.endsWith(last)).then((a) => a?.trimEnd());
}

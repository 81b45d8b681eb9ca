/**
 * @file A fake Hugging Face hub for download tests: a loopback HTTP server that answers
 * `/{repo}/resolve/{revision}/{file}` the way the hub does (regular files inline with a git
 * blob SHA-1 ETag; LFS files as a 302 to a CDN path with `x-linked-size` / `x-linked-etag`),
 * serves byte ranges, records every request, and injects scripted faults. The CDN can live on
 * a second server (another port, so another origin) to check that the token stays home. A
 * tiny CONNECT proxy is here too.
 */
import { createHash } from 'node:crypto';
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import net, { type AddressInfo } from 'node:net';

/** A fault for one file; `times` counts the requests it applies to (default: every one). */
export type Fault =
  /** Answer the hub request (GET only) with this status instead of the file. */
  | { readonly kind: 'status'; readonly status: number; readonly times?: number }
  /** Send the headers and `afterBytes` bytes, then destroy the socket. */
  | { readonly kind: 'drop'; readonly afterBytes: number; readonly times?: number }
  /** Send `afterBytes` bytes, then hold the connection open until the client goes away. */
  | { readonly kind: 'stall'; readonly afterBytes: number; readonly times?: number }
  /** Serve bytes that differ from the announced hash (same length). */
  | { readonly kind: 'corrupt'; readonly times?: number }
  /** Ignore `Range` and send the whole file with 200. */
  | { readonly kind: 'ignoreRange'; readonly times?: number };

/** One request as the fake hub saw it. */
export interface SeenRequest {
  readonly server: 'hub' | 'cdn';
  readonly method: string;
  readonly path: string;
  readonly range?: string;
  readonly authorization?: string;
}

interface StoredFile {
  readonly content: Buffer;
  readonly lfs: boolean;
  readonly sha256: string;
}

/** A running fake hub. */
export interface FakeHub {
  /** Endpoint URL, e.g. `http://127.0.0.1:PORT`. */
  readonly url: string;
  /** Every request, in arrival order. */
  readonly requests: SeenRequest[];
  /** Serves `content` as `repo`'s `file` at `revision`; LFS files go through the CDN redirect. */
  addFile(repo: string, revision: string, file: string, content: Buffer | string, lfs?: boolean): void;
  /** Adds a fault for `file` (the path inside the repository); faults apply in the order added. */
  fault(file: string, fault: Fault): void;
  close(): Promise<void>;
}

/** Where the fake hub redirects LFS files: its own `/cdn/` path (relative Location) or a second server. */
export type CdnMode = 'same-host' | 'other-host';

const sha256 = (data: Buffer) => createHash('sha256').update(data).digest('hex');
const gitBlobSha1 = (data: Buffer) => createHash('sha1').update(`blob ${data.length}\0`).update(data).digest('hex');

async function listen(server: http.Server | net.Server): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as AddressInfo).port;
}

async function closeServer(server: http.Server): Promise<void> {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
}

/** Starts a fake hub on 127.0.0.1 with a free port. */
export async function startHub(cdn: CdnMode = 'same-host'): Promise<FakeHub> {
  const files = new Map<string, StoredFile & { file: string }>();
  const byHash = new Map<string, StoredFile & { file: string }>();
  const faults = new Map<string, { fault: Fault; left: number }[]>();
  const requests: SeenRequest[] = [];

  /** The next fault of `kinds` for `file`, used up by one request. */
  function takeFault(file: string, kinds: readonly Fault['kind'][]): Fault | undefined {
    const entry = faults.get(file)?.find((f) => f.left > 0 && kinds.includes(f.fault.kind));
    if (entry) entry.left--;
    return entry?.fault;
  }

  function serveBytes(req: IncomingMessage, res: ServerResponse, stored: StoredFile & { file: string }, headers: http.OutgoingHttpHeaders): void {
    const fault = req.method === 'GET' ? takeFault(stored.file, ['drop', 'stall', 'corrupt', 'ignoreRange']) : undefined;
    let body = stored.content;
    if (fault?.kind === 'corrupt') body = Buffer.from(body.map((byte, i) => (i === 0 ? byte ^ 0xff : byte)));
    const total = body.length;
    const range = /^bytes=(\d+)-$/.exec(req.headers.range ?? '');
    let start = 0;
    if (range && fault?.kind !== 'ignoreRange') {
      start = Number(range[1]);
      if (start >= total) {
        res.writeHead(416, { 'content-range': `bytes */${total}` }).end();
        return;
      }
      res.writeHead(206, { ...headers, 'content-length': total - start, 'content-range': `bytes ${start}-${total - 1}/${total}`, 'accept-ranges': 'bytes' });
    } else {
      res.writeHead(200, { ...headers, 'content-length': total, 'accept-ranges': 'bytes' });
    }
    if (req.method === 'HEAD') return void res.end();
    const slice = body.subarray(start);
    if (fault?.kind === 'drop' || fault?.kind === 'stall') {
      // Wait for the bytes to reach the socket so the client surely has them when the fault hits.
      res.write(slice.subarray(0, fault.afterBytes), () => {
        if (fault.kind === 'drop') req.socket.destroy();
      });
      return;
    }
    res.end(slice);
  }

  function handle(server: 'hub' | 'cdn', cdnBase: () => string, req: IncomingMessage, res: ServerResponse): void {
    const path = req.url ?? '/';
    const authorization = req.headers.authorization;
    requests.push({ server, method: req.method ?? '', path, range: req.headers.range, authorization });
    const cdnMatch = /^\/cdn\/([0-9a-f]{64})$/.exec(path);
    if (cdnMatch) {
      const stored = byHash.get(cdnMatch[1]);
      if (!stored) return void res.writeHead(404).end();
      // A CDN's own ETag is not the content hash; the client must not use it.
      return serveBytes(req, res, stored, { etag: '"d41d8cd98f00b204e9800998ecf8427e"' });
    }
    if (server === 'cdn') return void res.writeHead(404).end();
    const stored = files.get(decodeURIComponent(path));
    if (!stored) return void res.writeHead(404, { 'x-error-code': 'EntryNotFound' }).end('Entry not found');
    const fault = req.method === 'GET' ? takeFault(stored.file, ['status']) : undefined;
    if (fault?.kind === 'status') return void res.writeHead(fault.status).end(`fault ${fault.status}`);
    if (!stored.lfs) return serveBytes(req, res, stored, { etag: `"${gitBlobSha1(stored.content)}"` });
    res
      .writeHead(302, {
        location: `${cdnBase()}/cdn/${stored.sha256}`,
        'x-linked-size': stored.content.length,
        'x-linked-etag': `"${stored.sha256}"`,
        etag: `"${stored.sha256}"`,
      })
      .end();
  }

  let cdnServer: http.Server | undefined;
  let cdnUrl = '';
  if (cdn === 'other-host') {
    cdnServer = http.createServer((req, res) => handle('cdn', () => cdnUrl, req, res));
    cdnUrl = `http://127.0.0.1:${await listen(cdnServer)}`;
  }
  const hubServer = http.createServer((req, res) => handle('hub', () => cdnUrl, req, res));
  const url = `http://127.0.0.1:${await listen(hubServer)}`;

  return {
    url,
    requests,
    addFile(repo, revision, file, content, lfs = false) {
      const data = Buffer.from(content);
      const stored = { content: data, lfs, sha256: sha256(data), file };
      files.set(`/${repo}/resolve/${revision}/${file}`, stored);
      byHash.set(stored.sha256, stored);
    },
    fault(file, fault) {
      faults.set(file, [...(faults.get(file) ?? []), { fault, left: fault.times ?? Number.POSITIVE_INFINITY }]);
    },
    async close() {
      await closeServer(hubServer);
      if (cdnServer) await closeServer(cdnServer);
    },
  };
}

/** A running CONNECT proxy. */
export interface FakeProxy {
  readonly url: string;
  /** `host:port` of every CONNECT, with its Proxy-Authorization. */
  readonly connects: { readonly authority: string; readonly auth?: string }[];
  close(): Promise<void>;
}

/** Starts a CONNECT-only proxy on 127.0.0.1 that tunnels to loopback targets and refuses others. */
export async function startProxy(): Promise<FakeProxy> {
  const connects: { authority: string; auth?: string }[] = [];
  const sockets = new Set<net.Socket>();
  const server = http.createServer((_req, res) => res.writeHead(405).end());
  server.on('connect', (req: IncomingMessage, client: net.Socket) => {
    const authority = req.url ?? '';
    connects.push({ authority, auth: req.headers['proxy-authorization'] });
    const [host, port] = authority.split(':');
    if (host !== '127.0.0.1') return void client.end('HTTP/1.1 403 Forbidden\r\n\r\n');
    const upstream = net.connect(Number(port), host, () => {
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      upstream.pipe(client).pipe(upstream);
    });
    for (const socket of [client, upstream]) {
      sockets.add(socket);
      socket.on('error', () => socket.destroy());
      socket.on('close', () => sockets.delete(socket));
    }
  });
  const url = `http://user:secret@127.0.0.1:${await listen(server)}`;
  return {
    url,
    connects,
    async close() {
      for (const socket of sockets) socket.destroy();
      await closeServer(server);
    },
  };
}

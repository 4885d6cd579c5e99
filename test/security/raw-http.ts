import net from "node:net";

// One HTTP/1.1 request written byte for byte on a socket: paths, header values and
// bodies that fetch() and node:http would refuse to send (raw non-ASCII, CR/LF,
// malformed escapes, bytes that are not UTF-8). Loopback only.

export type RawResponse = { status: number; headers: Record<string, string>; body: Buffer };

export function rawRequest(
  base: string,
  req: { method: string; path: string | Buffer; headers?: Array<[string, string | Buffer]>; body?: Buffer },
  timeoutMs = 15_000,
): Promise<RawResponse> {
  const url = new URL(base);
  if (url.hostname !== "127.0.0.1") throw new Error("rawRequest: loopback only");
  const body = req.body ?? Buffer.alloc(0);
  const head = Buffer.concat([
    Buffer.from(`${req.method} `, "latin1"),
    typeof req.path === "string" ? Buffer.from(req.path, "latin1") : req.path,
    Buffer.from(` HTTP/1.1\r\nHost: ${url.host}\r\nConnection: close\r\n`, "latin1"),
    ...(req.headers ?? []).map(([k, v]) => Buffer.concat([Buffer.from(`${k}: `, "latin1"), typeof v === "string" ? Buffer.from(v, "latin1") : v, Buffer.from("\r\n")])),
    Buffer.from(body.length || req.method === "POST" ? `Content-Length: ${body.length}\r\n\r\n` : "\r\n", "latin1"),
  ]);
  return new Promise((resolve, reject) => {
    const socket = net.connect(Number(url.port), url.hostname);
    const chunks: Buffer[] = [];
    const timer = setTimeout(() => socket.destroy(new Error("rawRequest: timed out")), timeoutMs);
    socket.on("data", (c: Buffer) => chunks.push(c));
    socket.on("error", (err) => {
      clearTimeout(timer);
      reject(err);
    });
    socket.on("close", () => {
      clearTimeout(timer);
      const all = Buffer.concat(chunks);
      const end = all.indexOf("\r\n\r\n");
      const lines = all
        .subarray(0, end < 0 ? all.length : end)
        .toString("latin1")
        .split("\r\n");
      const m = /^HTTP\/1\.[01] (\d{3})/.exec(lines[0] ?? "");
      if (!m) return reject(new Error(`rawRequest: no status line in ${JSON.stringify(all.subarray(0, 200).toString("latin1"))}`));
      const headers: Record<string, string> = {};
      for (const l of lines.slice(1)) {
        const i = l.indexOf(":");
        if (i > 0) headers[l.slice(0, i).trim().toLowerCase()] = l.slice(i + 1).trim();
      }
      const raw = end < 0 ? Buffer.alloc(0) : all.subarray(end + 4);
      resolve({ status: Number(m[1]), headers, body: /chunked/i.test(headers["transfer-encoding"] ?? "") ? dechunk(raw) : raw });
    });
    // Written, not ended: a half-closed socket reads as an aborted request to Next.js. `Connection: close` ends it.
    socket.write(Buffer.concat([head, body]));
  });
}

/** A chunked body's data (as much as arrived). */
function dechunk(raw: Buffer): Buffer {
  const parts: Buffer[] = [];
  let i = 0;
  while (i < raw.length) {
    const eol = raw.indexOf("\r\n", i);
    if (eol < 0) break;
    const size = parseInt(raw.subarray(i, eol).toString("latin1"), 16);
    if (!Number.isFinite(size) || size === 0) break;
    parts.push(raw.subarray(eol + 2, eol + 2 + size));
    i = eol + 2 + size + 2;
  }
  return Buffer.concat(parts);
}

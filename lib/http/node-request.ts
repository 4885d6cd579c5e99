/**
 * What a route handler may use of its request. Next.js passes a WHATWG
 * `Request`, the bare node:http router a `NodeRequest`; both have exactly
 * this, so a handler typed against it runs under either without a cast.
 */
export type HandlerRequest = {
  readonly url: string;
  readonly method: string;
  readonly headers: Headers;
  readonly signal: AbortSignal;
  readonly body: ReadableStream<Uint8Array> | null;
  readonly bodyUsed: boolean;
  text(): Promise<string>;
  json(): Promise<unknown>;
  arrayBuffer(): Promise<ArrayBuffer>;
};

/**
 * What the bare node:http router (lib/http/node-adapter.ts) hands its route
 * handlers instead of a WHATWG `Request`: the members they use — method, url,
 * headers, signal and the body — over a body that is already in memory.
 * Building a `Request` with a body and an abort signal, then reading the body
 * back through its stream, cost ~48 µs per call here; this costs ~2 µs.
 * Readers that can take the bytes directly ask `bufferedBody`; anything else
 * still gets a stream, `text()`, `json()` or `arrayBuffer()`.
 */
export class NodeRequest implements HandlerRequest {
  readonly headers: Headers;
  #bytes: Uint8Array | undefined;
  #used = false;

  #signal: AbortSignal | (() => AbortSignal);

  constructor(
    readonly url: string,
    readonly method: string,
    headers: Record<string, string>,
    /** The signal, or a function making it on first use (see LazyAbort). */
    signal: AbortSignal | (() => AbortSignal),
    bytes: Uint8Array | undefined,
  ) {
    this.headers = new Headers(headers);
    this.#signal = signal;
    this.#bytes = bytes;
  }

  get signal(): AbortSignal {
    if (typeof this.#signal === "function") this.#signal = this.#signal();
    return this.#signal;
  }

  get bodyUsed(): boolean {
    return this.#used;
  }

  /** The body as a stream, as `Request.body`: null when there is none. */
  get body(): ReadableStream<Uint8Array> | null {
    const bytes = this.#take();
    return bytes === undefined ? null : new Response(bytes as Uint8Array<ArrayBuffer>).body;
  }

  async arrayBuffer(): Promise<ArrayBuffer> {
    const bytes = this.#take() ?? new Uint8Array(0);
    return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
  }

  async text(): Promise<string> {
    return new TextDecoder().decode(this.#take() ?? new Uint8Array(0));
  }

  async json(): Promise<unknown> {
    return JSON.parse(await this.text());
  }

  /** @internal the bytes, once; a second read fails as it does on a `Request`. */
  #take(): Uint8Array | undefined {
    if (this.#used) throw new TypeError("Body is unusable: Body has already been read");
    if (this.#bytes === undefined) return undefined;
    this.#used = true;
    return this.#bytes;
  }

  /** Used by `bufferedBody`. */
  static take(req: NodeRequest): Uint8Array | undefined {
    return req.#take();
  }
}

/** The body's bytes (read once; empty when there is none) when `req` came from the node:http router; null for any other request. */
export function bufferedBody(req: HandlerRequest): Uint8Array | null {
  if (!(req instanceof NodeRequest)) return null;
  return NodeRequest.take(req) ?? new Uint8Array(0);
}

/**
 * An AbortController made only when someone asks for its signal: most agent
 * calls never look at it (long-polls do), and making one cost ~10 µs here
 * (Node's AbortSignal is transferable). An abort before that is remembered.
 */
export class LazyAbort {
  #controller: AbortController | undefined;
  #aborted = false;

  get signal(): AbortSignal {
    if (!this.#controller) {
      this.#controller = new AbortController();
      if (this.#aborted) this.#controller.abort();
    }
    return this.#controller.signal;
  }

  abort(): void {
    this.#aborted = true;
    this.#controller?.abort();
  }
}

/**
 * A JSON answer as the bare node:http router (lib/http/node-adapter.ts) writes
 * it: status, headers and the serialised text, without a WHATWG `Response`
 * and the body stream it builds and the router would read back (~25 µs and a
 * tenth of an agent call's allocations). Handlers get one from `ctx.json`
 * (lib/http/handler.ts) only when serving a NodeRequest; anywhere else
 * `ctx.json` makes a real Response.
 */
export class NodeJsonResponse {
  readonly headers: Headers;
  readonly text: string;

  constructor(
    data: unknown,
    readonly status = 200,
  ) {
    const text = JSON.stringify(data);
    // As Response.json: a value with no JSON form is an error, not an empty body.
    if (text === undefined) throw new TypeError("Value is not JSON serializable");
    this.text = text;
    this.headers = new Headers({ "content-type": "application/json" });
  }
}

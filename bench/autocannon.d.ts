// Minimal types for the parts of autocannon the benchmarks use (the package ships none).
declare module "autocannon" {
  type Req = { method?: string; path?: string; headers?: Record<string, string>; body?: string };
  type Options = {
    url: string;
    connections?: number;
    duration?: number;
    requests?: (Req & { setupRequest?: (req: Req) => Req })[];
  };
  type Histogram = { average: number; p50: number; p90: number; p99: number; max: number; total: number };
  type Result = { requests: Histogram; latency: Histogram; non2xx: number; errors: number; timeouts: number };
  /** The run: a promise of the result that also emits every response with its time in ms. */
  type Run = Promise<Result> & { on(event: "response", listener: (client: unknown, status: number, bytes: number, ms: number) => void): Run; stop(): void };
  export default function autocannon(opts: Options): Run;
}

import http from "node:http";
import os from "node:os";
import { DEMO_AGENTS } from "@/lib/seed/demo-data";
import { startScript } from "./spawn-server";
import { round, summarize, type BenchResult } from "./stats";

const agent = DEMO_AGENTS.find((a) => a.name === "acme-support")!;

/** A control call on its own connection (a pooled keep-alive socket can race the server's idle close). */
function control<T>(port: number, path: string, body: unknown): Promise<T> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: "127.0.0.1", port, path, method: "POST", agent: false, timeout: 600_000 }, (res) => {
      let text = "";
      res.on("data", (d) => (text += d));
      res.on("end", () => (res.statusCode === 200 ? resolve(JSON.parse(text) as T) : reject(new Error(`${path}: ${res.statusCode} ${text}`))));
    });
    req.on("error", reject);
    req.end(JSON.stringify(body));
  });
}

/** One long-poll on its own socket (keep-alive off); resolves with the wall-clock receive time. */
function longPoll(port: number, id: string): Promise<{ at: number; status: number; body: string }> {
  return new Promise((resolve) => {
    const req = http.request(
      { host: "127.0.0.1", port, path: `/api/v1/actions/${id}?wait=50`, agent: false, headers: { authorization: `Bearer ${agent.key}`, connection: "close" } },
      (res) => {
        let body = "";
        res.on("data", (d) => (body += d));
        res.on("end", () => resolve({ at: performance.timeOrigin + performance.now(), status: res.statusCode ?? 0, body }));
      },
    );
    req.on("error", (err) => resolve({ at: 0, status: 0, body: String(err) }));
    req.end();
  });
}

/**
 * P4: N concurrent long-polls on one bare-node:http instance; once all wait,
 * every action is decided (cancelled by its agent, in the server process) and
 * each waiter's wake-up = its response arrival − its decision's commit time.
 */
export async function benchLongPoll(quick: boolean): Promise<BenchResult> {
  const loadBefore = os.loadavg();
  const n = quick ? 500 : 10_000;
  const server = await startScript("gatehouse-server.ts");
  try {
    const t0 = Date.now();
    const ids = await control<string[]>(server.port, "/__bench/pending", { key: agent.key, count: n });
    const createMs = Date.now() - t0;
    const rssIdle = (await control<{ rss: number }>(server.port, "/__bench/stats", {})).rss;
    const polls = ids.map((id) => longPoll(server.port, id));
    let waiting = 0;
    const deadline = Date.now() + 40_000;
    for (;;) {
      waiting = (await control<{ waiters: number }>(server.port, "/__bench/stats", {})).waiters;
      if (waiting >= n || Date.now() > deadline) break;
      await new Promise((r) => setTimeout(r, 200));
    }
    const rssWaiting = (await control<{ rss: number }>(server.port, "/__bench/stats", {})).rss;
    const decidedAt = await control<Record<string, number>>(server.port, "/__bench/decide", { key: agent.key, ids });
    const done = await Promise.allSettled(polls);
    const wake: number[] = [];
    let wrong = 0;
    done.forEach((d, i) => {
      if (d.status !== "fulfilled" || d.value.status !== 200 || !d.value.body.includes('"cancelled"')) return void wrong++;
      wake.push(d.value.at - decidedAt[ids[i]!]!);
    });
    const s = summarize(wake);
    const rssMb = rssWaiting / 2 ** 20;
    return {
      id: "P4",
      title: `Long-poll: ${n.toLocaleString("en")} concurrent waiters on one instance (bare node:http)`,
      rows: [
        {
          waiters: n,
          "waiting at once": waiting,
          "woken correctly": wake.length,
          "wake-up median ms": round(s.median, 1),
          "wake-up p99 ms": round(s.p99, 1),
          "wake-up max ms": round(s.max, 1),
          "RSS idle MB": Math.round(rssIdle / 2 ** 20),
          "RSS with waiters MB": Math.round(rssMb),
        },
      ],
      goals: [
        { goal: "all waiters waiting at once", value: `${waiting}/${n}`, met: waiting >= n },
        { goal: "every waiter woken with the decided state", value: `${wake.length}/${n}`, met: wrong === 0 },
        { goal: "wake-up p99 ≤ 100 ms", value: `${round(s.p99, 1)} ms`, met: s.p99 <= 100 },
        { goal: "RSS ≤ 400 MB", value: `${Math.round(rssMb)} MB`, met: rssMb <= 400 },
      ],
      loadBefore,
      loadAfter: os.loadavg(),
      notes: [
        `${n} pending actions created in ${createMs} ms (one real proposal, then copies of its row). Decisions are agent cancels committed one after another; wake-up is measured per action from its own commit.`,
      ],
    };
  } finally {
    await server.stop();
  }
}

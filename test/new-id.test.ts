import { describe, expect, it } from "vitest";
import { newId, randomBytes, timePart } from "@/lib/crypto/new-id";

describe("newId", () => {
  it("is prefix, a 10-character time part and 128 random bits", () => {
    const id = newId("act");
    expect(id).toMatch(/^act_[0-9a-hjkmnp-tv-z]{10}[A-Za-z0-9_-]{22}$/);
    expect(Buffer.from(id.slice(14), "base64url")).toHaveLength(16);
  });

  it("sorts as text in the order the ids were made, across milliseconds", async () => {
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) {
      ids.push(newId("act"));
      await new Promise((r) => setTimeout(r, 2));
    }
    expect([...ids].sort()).toEqual(ids);
  });

  it("encodes time so that text order is number order", () => {
    const times = [0, 1, 31, 32, 1_000, Date.UTC(2026, 10, 25), Date.UTC(2026, 10, 25) + 1, 2 ** 48 - 1];
    const parts = times.map(timePart);
    expect(parts.every((p) => p.length === 10)).toBe(true);
    expect([...parts].sort()).toEqual(parts);
    expect(timePart(0)).toBe("0000000000");
    expect(timePart(33)).toBe("0000000011");
  });

  it("never repeats, and the random part carries the entropy", () => {
    const ids = Array.from({ length: 20_000 }, () => newId("jti"));
    expect(new Set(ids).size).toBe(ids.length);
    // Within one millisecond the ids differ only in the random part: count its distinct characters per position.
    const tails = ids.map((id) => id.slice(14));
    const perPosition = Array.from({ length: 21 }, (_, i) => new Set(tails.map((t) => t[i])).size);
    expect(Math.min(...perPosition)).toBe(64);
  });
});

describe("randomBytes (pooled)", () => {
  it("hands out fresh, non-overlapping bytes across pool refills", () => {
    const seen = new Set<string>();
    for (let i = 0; i < 2_000; i++) {
      const b = randomBytes(12);
      expect(b).toHaveLength(12);
      seen.add(b.toString("hex"));
    }
    expect(seen.size).toBe(2_000);
  });

  it("returns a copy: changing it does not change the next caller's bytes", () => {
    const a = randomBytes(16);
    a.fill(0);
    const b = randomBytes(16);
    expect(b.equals(Buffer.alloc(16))).toBe(false);
  });

  it("serves large requests directly", () => {
    expect(randomBytes(4096)).toHaveLength(4096);
  });
});

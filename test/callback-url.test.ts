import { describe, expect, it } from "vitest";
import { checkCallbackUrl } from "@/lib/webhooks/callback-url";

describe("callback_url is checked when proposed", () => {
  const refused = [
    "http://127.0.0.1/cb",
    "http://127.1/cb",
    "http://2130706433/cb",
    "http://[::1]/cb",
    "http://[::ffff:127.0.0.1]/cb",
    "http://169.254.169.254/latest/meta-data",
    "http://[fd00:ec2::254]/",
    "http://10.0.0.5/cb",
    "http://192.168.1.1/cb",
    "http://172.16.0.1/cb",
    "http://100.64.0.1/cb",
    "http://0.0.0.0/cb",
    "http://[::]/cb",
    "http://224.0.0.1/cb",
    "http://[fe80::1]/cb",
    "http://[fc00::1]/cb",
    "http://localhost/cb",
    "http://LOCALHOST./cb",
    "http://api.localhost/cb",
    "http://metadata.google.internal/cb",
    "ftp://example.com/cb",
    "file:///etc/passwd",
    "javascript:alert(1)",
    "http://user:pass@example.com/cb",
    "http://user@example.com/cb",
    "https://example.com/cb#frag",
    `https://example.com/${"a".repeat(2048)}`,
    "not a url",
    "/relative/path",
  ];
  it.each(refused)("refuses %s", (url) => {
    expect(checkCallbackUrl(url, []).ok).toBe(false);
  });

  it.each(["https://example.com/cb", "http://example.com:8080/hooks?x=1", "https://93.184.216.34/cb", "https://[2606:4700::1111]/cb"])("accepts the public target %s", (url) => {
    const r = checkCallbackUrl(url, []);
    expect(r.ok).toBe(true);
    if (r.ok) expect(r.url.href).toBe(new URL(url).href);
  });

  it("says why it refuses", () => {
    const r = checkCallbackUrl("http://10.0.0.5/cb", []);
    expect(r).toEqual({ ok: false, message: expect.stringContaining("private") });
  });

  it("accepts an inside target only when the admin allowlisted that exact host", () => {
    expect(checkCallbackUrl("http://127.0.0.1:9000/cb", ["127.0.0.1"]).ok).toBe(true);
    expect(checkCallbackUrl("http://[::1]:9000/cb", ["[::1]"]).ok).toBe(true);
    expect(checkCallbackUrl("http://[::1]:9000/cb", ["0:0:0:0:0:0:0:1"]).ok).toBe(true);
    expect(checkCallbackUrl("http://hooks.corp.internal/cb", ["hooks.corp.internal"]).ok).toBe(true);
    expect(checkCallbackUrl("http://localhost:3000/cb", ["localhost"]).ok).toBe(true);
    // The allowlist names hosts, not neighbours or ranges.
    expect(checkCallbackUrl("http://127.0.0.2/cb", ["127.0.0.1"]).ok).toBe(false);
    expect(checkCallbackUrl("http://other.corp.internal/cb", ["hooks.corp.internal"]).ok).toBe(false);
    expect(checkCallbackUrl("http://10.0.0.5/cb", ["10.0.0.0/8"]).ok).toBe(false);
    // Allowlisting a host does not lift the other rules.
    expect(checkCallbackUrl("http://u:p@127.0.0.1/cb", ["127.0.0.1"]).ok).toBe(false);
    expect(checkCallbackUrl("gopher://127.0.0.1/cb", ["127.0.0.1"]).ok).toBe(false);
  });
});

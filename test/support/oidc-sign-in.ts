import { CookieJar, csrfToken } from "../security/console-server";

// Sign in to Gatehouse through a real OIDC provider by HTTP, as a browser would: next-auth's
// sign-in POST (CSRF, state and PKCE cookies), the provider's own login and consent forms, the
// redirect back with the code. Each origin has its own cookie jar. Returns Gatehouse's jar and the
// last response (the callback's redirect: to the console on success, to /signin?error=… when refused).

const FORM = /<form[^>]*action="([^"]+)"[^>]*method="post"[^>]*>([\s\S]*?)<\/form>/i;
const HIDDEN = /<input type="hidden" name="([^"]+)" value="([^"]*)"\/?>/g;

export async function oidcSignIn(gatehouse: string, login: string): Promise<{ jar: CookieJar; final: Response; finalUrl: string }> {
  const jar = new CookieJar();
  const idp = new CookieJar();
  const csrf = await csrfToken(gatehouse, jar);
  const start = await fetch(`${gatehouse}/api/auth/signin/oidc`, {
    method: "POST",
    redirect: "manual",
    headers: { "content-type": "application/x-www-form-urlencoded", cookie: jar.header() },
    body: new URLSearchParams({ csrfToken: csrf, callbackUrl: "/", json: "true" }),
  });
  jar.keep(start);
  let url = ((await start.json()) as { url: string }).url;
  let init: RequestInit = {};
  for (let hop = 0; hop < 20; hop++) {
    const ours = new URL(url).origin === new URL(gatehouse).origin;
    const j = ours ? jar : idp;
    const res = await fetch(url, { ...init, redirect: "manual", headers: { ...(init.headers as Record<string, string>), cookie: j.header() } });
    j.keep(res);
    init = {};
    const location = res.headers.get("location");
    if (ours && url.includes("/api/auth/callback/")) return { jar, final: res, finalUrl: location ? new URL(location, url).toString() : url };
    if (res.status >= 300 && res.status < 400 && location) {
      url = new URL(location, url).toString();
      continue;
    }
    const html = await res.text();
    const form = FORM.exec(html);
    if (res.status !== 200 || !form) throw new Error(`unexpected answer from ${url}: ${res.status} ${html.slice(0, 300)}`);
    const fields = new URLSearchParams();
    for (const m of form[2]!.matchAll(HIDDEN)) fields.set(m[1]!, m[2]!);
    if (fields.get("prompt") === "login") {
      fields.set("login", login);
      fields.set("password", "any");
    }
    url = new URL(form[1]!.replace(/&amp;/g, "&"), url).toString();
    init = { method: "POST", headers: { "content-type": "application/x-www-form-urlencoded" }, body: fields };
  }
  throw new Error("too many redirects in the OIDC sign-in");
}

/**
 * Text bound for Slack, as Slack's "formatting text" rules ask: `&`, `<` and
 * `>` escaped (so no `<!channel>`, `<@U…>` or `<http://…|link>` can come from
 * an agent's string), bare `@channel` / `@here` / `@everyone` broken with a
 * zero-width joiner, `*_~\`` neutralised so agent text cannot restyle the
 * message, control characters dropped. Pure.
 */
export function escapeMrkdwn(s: string): string {
  return s
    .replace(/[\u0000-\u0008\u000b-\u001f\u007f]/g, "")
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/@(channel|here|everyone)\b/gi, "@\u2060$1")
    .replace(/([*_~`])/g, "\u2060$1\u2060");
}

/** Slack's limits this code stays under (Block Kit reference). */
export const SLACK_LIMITS = { sectionText: 3000, blocks: 50, buttonText: 75, buttonValue: 2000, actionId: 255, url: 3000, text: 40_000 } as const;

/** Cut to `max` characters, marking the cut. */
export const clip = (s: string, max: number) => (s.length <= max ? s : `${s.slice(0, max - 1)}…`);

/**
 * A request's route as a metrics label: its path with each path parameter's segment
 * named (`/api/v1/actions/act_01…` with `{ id }` → `/api/v1/actions/[id]`), so the label
 * has one value per route, never one per action id, tool name or audit sequence number.
 */
export function routeLabel(url: string, params: Record<string, string | string[]> | undefined): string {
  const path = pathOf(url);
  if (!params) return path;
  const names = Object.keys(params);
  if (names.length === 0) return path;
  const segments = path.split("/");
  for (const name of names) {
    const value = params[name];
    if (typeof value === "string") {
      // The last segment holding the value: parameters follow the static part of a route.
      for (let i = segments.length - 1; i > 0; i--) {
        if (decoded(segments[i]!) === value) {
          segments[i] = `[${name}]`;
          break;
        }
      }
    } else if (Array.isArray(value) && value.length > 0) {
      const from = segments.length - value.length;
      if (from > 0 && value.every((v, k) => decoded(segments[from + k]!) === v)) segments.splice(from, value.length, `[...${name}]`);
    }
  }
  return segments.join("/");
}

/** The path of an absolute URL or of a path with a query, without parsing a URL object. */
function pathOf(url: string): string {
  const scheme = url.indexOf("://");
  const start = scheme < 0 ? 0 : url.indexOf("/", scheme + 3);
  if (start < 0) return "/";
  let end = url.length;
  for (const stop of ["?", "#"]) {
    const at = url.indexOf(stop, start);
    if (at >= 0 && at < end) end = at;
  }
  return url.slice(start, end) || "/";
}

function decoded(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

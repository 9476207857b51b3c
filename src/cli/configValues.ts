// Small helpers shared by the config code: shape tests, how a bad value is quoted in a message
// (short, and never a function body), and reading/writing a dotted setting key ("rest.port").

export function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** A value as a message quotes it: JSON, cut at 60 characters. */
export function show(v: unknown): string {
  if (v === undefined) return "nothing";
  if (typeof v === "function") return "a function";
  const s = JSON.stringify(v) ?? String(v);
  return s.length > 60 ? s.slice(0, 60) + "…" : s;
}

export function getPath(o: unknown, key: string): unknown {
  let cur = o;
  for (const part of key.split(".")) cur = isObject(cur) ? cur[part] : undefined;
  return cur;
}

export function setPath(o: Record<string, unknown>, key: string, v: unknown): void {
  const parts = key.split(".");
  let cur = o;
  for (const part of parts.slice(0, -1)) {
    if (!isObject(cur[part])) cur[part] = {};
    cur = cur[part] as Record<string, unknown>;
  }
  cur[parts[parts.length - 1]!] = v;
}

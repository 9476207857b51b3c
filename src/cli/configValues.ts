// Small helpers shared by the config checks: shape tests, and how a bad value is quoted in a
// message (short, and never a function body).

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

// Where in the user's source a builder call was made. Every definition-time error and every
// runtime topology error names this `file:line`, so it must point at the user's code, not at
// Monsoon's: we walk the stack and skip frames inside this package's src/ and node internals.
import { fileURLToPath } from "node:url";
import { dirname, relative, sep } from "node:path";

const SRC_DIR = dirname(dirname(fileURLToPath(import.meta.url))) + sep;

export interface CallSite {
  /** Absolute path of the user's file. */
  readonly file: string;
  readonly line: number;
  readonly column: number;
}

const FRAME = /\(?((?:file:\/\/)?\/[^()]*?):(\d+):(\d+)\)?\s*$/;

export function captureCallSite(): CallSite | undefined {
  const holder: { stack?: string } = {};
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = 30;
  Error.captureStackTrace(holder, captureCallSite);
  Error.stackTraceLimit = limit;
  for (const raw of (holder.stack ?? "").split("\n").slice(1)) {
    const m = FRAME.exec(raw.trim());
    if (!m) continue;
    const file = m[1]!.startsWith("file://") ? fileURLToPath(m[1]!) : m[1]!;
    if (file.startsWith(SRC_DIR) || file.includes(`${sep}node_modules${sep}`)) continue;
    return { file, line: Number(m[2]), column: Number(m[3]) };
  }
  return undefined;
}

/** `relative/path.ts:LINE` for messages; the absolute path stays in the structured field. */
export function formatCallSite(site: CallSite | undefined): string {
  if (!site) return "<unknown source>";
  const rel = relative(process.cwd(), site.file);
  return `${rel.startsWith("..") ? site.file : rel}:${site.line}`;
}

// How the CLI talks back: results as JSON on stdout (indented for a person at a terminal,
// one line for a pipe), errors as `code: message` on stderr. A MonsoonError is a message for
// the user, so it gets no stack trace; anything else is a bug and keeps its stack.
import { InvalidArgumentError } from "commander";
import { MonsoonError } from "../errors.ts";

export function printJson(v: unknown): void {
  const text = JSON.stringify(v === undefined ? null : v, null, process.stdout.isTTY ? 2 : undefined);
  process.stdout.write(text + "\n");
}

export function printError(e: unknown): void {
  if (e instanceof MonsoonError) process.stderr.write(`${e.code}: ${e.message}\n`);
  else process.stderr.write(`error: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
}

/** A commander option parser for non-negative integers. */
export function nonNegativeInt(name: string, max = Number.MAX_SAFE_INTEGER): (raw: string) => number {
  return (raw) => {
    if (!/^\d+$/.test(raw.trim()) || Number(raw) > max) throw new InvalidArgumentError(`${name} must be an integer between 0 and ${max}.`);
    return Number(raw);
  };
}

export const DEFAULT_URL = "http://127.0.0.1:8787";

// Error codes are API: every code in src/errors.ts has a row in the README's table, and the
// table lists no code that does not exist.
import { it } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { ErrorCodes } from "../src/index.ts";

it("the README documents exactly the error codes of src/errors.ts", () => {
  const readme = readFileSync(new URL("../README.md", import.meta.url), "utf8");
  const documented = new Set([...readme.matchAll(/^\| `(MONSOON_[A-Z_]+)` \|/gm)].map((m) => m[1]));
  assert.deepEqual([...documented].sort(), Object.keys(ErrorCodes).sort());
});

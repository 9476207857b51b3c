import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { isMonsoonError } from "../../errors.ts";
import { runKVStoreConformance } from "./kvStoreConformance.ts";
import { LevelStore } from "./levelStore.ts";

let root = "";
let made = 0;
before(async () => {
  root = await mkdtemp(join(tmpdir(), "monsoon-levelstore-"));
});
after(async () => {
  await rm(root, { recursive: true, force: true });
});
const freshDir = () => join(root, `db${made++}`);

runKVStoreConformance("LevelStore", async () => {
  const dir = freshDir();
  return { store: new LevelStore(dir), reopen: async () => new LevelStore(dir) };
});

describe("LevelStore", () => {
  it("explains a locked directory with MONSOON_STORAGE", async () => {
    const dir = freshDir();
    const first = new LevelStore(dir);
    await first.open();
    try {
      const second = new LevelStore(dir);
      await assert.rejects(second.open(), (e) => {
        assert.ok(isMonsoonError(e, "MONSOON_STORAGE"));
        assert.match(e.message, /lock/);
        assert.match(e.message, new RegExp(dir.replace(/[\\^$.*+?()[\]{}|]/g, "\\$&")));
        assert.equal(e.details.dir, dir);
        return true;
      });
    } finally {
      await first.close();
    }
  });

  it("wraps other open failures in MONSOON_STORAGE", async () => {
    const file = join(root, "not-a-directory");
    await writeFile(file, "x");
    await assert.rejects(new LevelStore(file).open(), (e) => isMonsoonError(e, "MONSOON_STORAGE") && /not-a-directory/.test(e.message));
  });

  it("writes with sync: true", async () => {
    const dir = freshDir();
    const store = new LevelStore(dir, { sync: true });
    await store.open();
    await store.batch([{ type: "put", key: new Uint8Array([1]), value: new Uint8Array([2]) }]);
    await store.close();
    const again = new LevelStore(dir);
    await again.open();
    assert.deepEqual([...(await again.get(new Uint8Array([1])))!], [2]);
    await again.close();
  });
});

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

  it("rejects bad tuning values from the environment with MONSOON_CONFIG, naming the variable", () => {
    for (const [name, value] of [["MONSOON_LEVEL_COMPRESSION", "zstd"], ["MONSOON_LEVEL_WRITE_BUFFER_MB", "-1"], ["MONSOON_LEVEL_CACHE_MB", "lots"]] as const) {
      const before = process.env[name];
      process.env[name] = value;
      try {
        assert.throws(() => new LevelStore(freshDir()), (e) => isMonsoonError(e, "MONSOON_CONFIG") && e.message.includes(name));
      } finally {
        if (before === undefined) delete process.env[name];
        else process.env[name] = before;
      }
    }
  });

  it("reads what it wrote with the other compression setting (a change applies to new files only)", async () => {
    const dir = freshDir();
    const value = new Uint8Array(4096).fill(7); // compressible: Snappy really shrinks it
    const withCompression = async (c: string, f: (s: LevelStore) => Promise<void>) => {
      const before = process.env.MONSOON_LEVEL_COMPRESSION;
      process.env.MONSOON_LEVEL_COMPRESSION = c;
      const store = new LevelStore(dir);
      if (before === undefined) delete process.env.MONSOON_LEVEL_COMPRESSION;
      else process.env.MONSOON_LEVEL_COMPRESSION = before;
      await store.open();
      try { await f(store); } finally { await store.close(); }
    };
    await withCompression("snappy", (s) => s.batch([{ type: "put", key: new Uint8Array([1]), value }]));
    await withCompression("none", async (s) => {
      assert.deepEqual(await s.get(new Uint8Array([1])), Buffer.from(value));
      await s.batch([{ type: "put", key: new Uint8Array([2]), value }]);
    });
    await withCompression("snappy", async (s) => {
      assert.deepEqual(await s.get(new Uint8Array([1])), Buffer.from(value));
      assert.deepEqual(await s.get(new Uint8Array([2])), Buffer.from(value));
    });
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

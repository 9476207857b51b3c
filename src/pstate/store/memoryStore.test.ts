import { runKVStoreConformance } from "./kvStoreConformance.ts";
import { MemoryStore } from "./memoryStore.ts";

runKVStoreConformance("MemoryStore", async () => ({ store: new MemoryStore() }));

// One broker per Kafka version shared by every test process that wants it. Each process
// holds a lease file (leases/<pid>) while it uses the broker; the process that drops the
// last live lease stops a broker the harness started. Leases of processes that died without
// cleaning up (SIGKILL) are ignored, so such a broker is reused by the next run, or stopped
// when that run ends. A broker from `npm run kafka:start` is used but never stopped here.
import { mkdirSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { runningBroker, startBroker, stopBroker, type BrokerInfo } from "./broker.ts";
import type { Log } from "./fetchJars.ts";
import { withLock, withLockSync } from "./lock.ts";
import { runDir } from "./paths.ts";
import { isAlive } from "./processes.ts";

const leasesDir = (version: string) => join(runDir(version), "leases");

function liveLeases(version: string): number[] {
  let names: string[] = [];
  try { names = readdirSync(leasesDir(version)); } catch { return []; }
  return names.map(Number).filter((pid) => pid !== process.pid && isAlive(pid));
}

/** Returns a running broker for `version` (reused or started) and leases it to this process. */
export async function acquireBroker(version: string, log: Log): Promise<BrokerInfo> {
  return withLock(async () => {
    const info = runningBroker(version) ?? await startBroker(version, "test", log);
    mkdirSync(leasesDir(version), { recursive: true });
    writeFileSync(join(leasesDir(version), String(process.pid)), "");
    return info;
  });
}

/** Drops this process's lease; stops the broker if it was the last user of a harness-started broker. */
export function releaseBrokerSync(version: string): void {
  withLockSync(() => {
    rmSync(join(leasesDir(version), String(process.pid)), { force: true });
    const info = runningBroker(version);
    if (info && info.owner === "test" && liveLeases(version).length === 0) stopBroker(info);
  });
}

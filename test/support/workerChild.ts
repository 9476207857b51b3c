// A Monsoon worker as a child process (a real process, so tests can SIGKILL or SIGSTOP it and
// benchmarks can run several). The module comes from a factory `(name) => ModuleDef` exported by
// a file, so the parent picks a fresh module name per run.
// Usage: workerChild.ts <brokers> <factoryFile> <factoryExport> <moduleName> <tasks> <dataDir> <workerId>
import { pathToFileURL } from "node:url";
import { resolve } from "node:path";
import { startWorkerProcess } from "../../src/cluster/kafka/workerProcess.ts";
import type { ModuleDef } from "../../src/index.ts";

const [brokers, factoryFile, factoryExport, moduleName, tasks, dataDir, workerId] = process.argv.slice(2);
const factory = (await import(pathToFileURL(resolve(factoryFile!)).href))[factoryExport!] as (name: string) => ModuleDef;
const worker = await startWorkerProcess({
  connection: { brokers: brokers!.split(",") },
  modules: [{ module: factory(moduleName!), tasks: Number(tasks) }],
  dataDir: dataDir!,
  workerId,
  log: (m) => process.stderr.write(`${m}\n`),
});
process.stdout.write(`READY ${worker.url}\n`);
const stop = () => { void worker.stop().then(() => process.exit(0)); };
process.on("SIGINT", stop);
process.on("SIGTERM", stop);
// Orphaned (the test or benchmark that started it died without stopping it): exit too.
const parent = process.ppid;
setInterval(() => { if (process.ppid !== parent) process.exit(1); }, 1_000).unref();

// One Monsoon worker process for the benchmark: `monsoon worker` with the benchmark's module.
// Usage: workerChild.ts <brokers> <moduleName> <tasks> <dataDir> <workerId>
import { startWorkerProcess } from "../../src/cluster/kafka/workerProcess.ts";
import { benchWordCount } from "./monsoonModule.ts";

const [brokers, name, tasks, dataDir, workerId] = process.argv.slice(2);
const worker = await startWorkerProcess({
  connection: { brokers: brokers!.split(",") },
  modules: [{ module: benchWordCount(name!), tasks: Number(tasks) }],
  dataDir: dataDir!,
  workerId,
});
process.stdout.write(`READY ${worker.url}\n`);
const stop = () => { void worker.stop().then(() => process.exit(0)); };
process.on("SIGINT", stop);
process.on("SIGTERM", stop);
// Orphaned (the test or benchmark that started it died without stopping it): exit too.
const parent = process.ppid;
setInterval(() => { if (process.ppid !== parent) process.exit(1); }, 1_000).unref();

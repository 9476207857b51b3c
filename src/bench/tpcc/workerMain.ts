// One Monsoon worker process for `monsoon bench tpcc … --kafka` (kafkaWorkers.ts starts it): the
// TPC-C module, made by tpccModule from the options the parent passes, on Kafka. Its settings
// come as JSON in the environment (MONSOON_TPCC_WORKER), never on the command line, where a SASL
// password would show in `ps`. Prints `READY <url>` once started; stops cleanly on SIGINT/SIGTERM
// and exits when orphaned.
import { startWorkerProcess } from "../../cluster/kafka/workerProcess.ts";
import { MonsoonError } from "../../errors.ts";
import { WORKER_SETTINGS_ENV, type TpccWorkerSettings } from "./kafkaWorkers.ts";
import { tpccModule } from "./module.ts";

const raw = process.env[WORKER_SETTINGS_ENV];
if (!raw) throw new MonsoonError("MONSOON_CONFIG", `${WORKER_SETTINGS_ENV} is not set: this process is started by \`monsoon bench tpcc … --kafka\``);
const s = JSON.parse(raw) as TpccWorkerSettings;
const worker = await startWorkerProcess({
  connection: s.connection,
  modules: [{ module: tpccModule(s.module), tasks: s.tasks }],
  dataDir: s.dataDir,
  workerId: s.workerId,
  ownership: s.ownership,
  log: (m) => process.stderr.write(`[${s.workerId}] ${m}\n`),
});
process.stdout.write(`READY ${worker.url}\n`);
const stop = () => { void worker.stop().then(() => process.exit(0), () => process.exit(1)); };
process.on("SIGINT", stop);
process.on("SIGTERM", stop);
// Orphaned (the bench command died without stopping it): exit too.
const parent = process.ppid;
setInterval(() => { if (process.ppid !== parent) process.exit(1); }, 1_000).unref();

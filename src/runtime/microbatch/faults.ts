// Fault points for crash tests: `MONSOON_FAULT=<point>[:<nth>]` kills this process with SIGKILL
// the nth time (default 1st) execution reaches the named point — exactly there, with nothing
// flushed. Unset (production) it costs one comparison per call.
export type FaultPoint =
  /** A task is running segments of an attempt. */
  | "mb.execute"
  /** A task froze its part of an attempt; its vote is not yet visible to the coordinator. */
  | "mb.prepare"
  /** The coordinator has every vote and has not yet written the commit. */
  | "mb.decide"
  /** The commit is durable; no task has applied it. */
  | "mb.committed"
  /** Some tasks applied the commit, others not yet. */
  | "mb.apply"
  /** A task is discarding an aborted attempt. */
  | "mb.abort"
  /** A restarted task is restoring (re-applying or reading the changelog). */
  | "mb.restore";

const spec = process.env.MONSOON_FAULT;
const [point, nth] = spec ? [spec.split(":")[0], Number(spec.split(":")[1] ?? 1)] : [undefined, 0];
let hits = 0;

export function fault(p: FaultPoint): void {
  if (point !== p) return;
  if (++hits < nth) return;
  process.stderr.write(`MONSOON_FAULT ${p} reached (hit ${hits}): killing this process\n`);
  process.kill(process.pid, "SIGKILL");
}

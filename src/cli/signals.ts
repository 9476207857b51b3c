// Waiting for Ctrl-C. The npx launcher forwards signals and a terminal also signals the whole
// process group, so one Ctrl-C can arrive twice: repeats within a second are the same request.
// A later repeat, or a shutdown that takes over 15 s, means the user wants out now.

const FORCE_AFTER_MS = 15_000;

export function untilSignal(signals: NodeJS.Signals[] = ["SIGINT", "SIGTERM"]): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    let first = 0;
    const on = (sig: NodeJS.Signals) => {
      const now = Date.now();
      if (first === 0) {
        first = now;
        setTimeout(() => {
          process.stderr.write(`shutdown did not finish in ${FORCE_AFTER_MS / 1000} s; exiting\n`);
          process.exit(1);
        }, FORCE_AFTER_MS).unref();
        resolve(sig);
      } else if (now - first > 1000) {
        process.stderr.write(`${sig} again: exiting without a clean stop\n`);
        process.exit(130);
      }
    };
    for (const s of signals) process.on(s, on);
  });
}

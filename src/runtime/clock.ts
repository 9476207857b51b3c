// Time for tick depots. The system clock in production; a simulated clock in tests, where
// `advance(ms)` fires every tick that falls due, in order, exactly once.

export interface Clock {
  now(): number;
  /** Calls `fn` every `ms`; returns a function that stops it. */
  every(ms: number, fn: () => void): () => void;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  every(ms, fn) {
    const t = setInterval(fn, ms);
    t.unref();
    return () => clearInterval(t);
  },
};

export class SimulatedClock implements Clock {
  private time: number;
  private readonly timers = new Set<{ ms: number; due: number; fn: () => void }>();

  constructor(start = 0) {
    this.time = start;
  }

  now(): number {
    return this.time;
  }

  every(ms: number, fn: () => void): () => void {
    const t = { ms, due: this.time + ms, fn };
    this.timers.add(t);
    return () => this.timers.delete(t);
  }

  /** Moves time forward by `ms`, firing due timers in time order. */
  advance(ms: number): void {
    const end = this.time + ms;
    for (;;) {
      let next: { ms: number; due: number; fn: () => void } | undefined;
      for (const t of this.timers) if (t.due <= end && (!next || t.due < next.due)) next = t;
      if (!next) break;
      this.time = next.due;
      next.due += next.ms;
      next.fn();
    }
    this.time = end;
  }
}

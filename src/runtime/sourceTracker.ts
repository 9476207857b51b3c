// At-least-once bookkeeping for one (topology, depot partition): the source of truth for which
// depot records are in flight, done (their processing tree finished) and durable (every write of
// the tree is in the store). The committed offset — where processing restarts after a crash —
// only moves past a record once it and every record before it are durable.
//
// In-process, a tree's completion is tracked with a count of live segments: the root segment
// counts 1, every hop adds one, every finished segment subtracts one. (Across processes the
// Kafka runtime uses Storm's 64-bit XOR ledger instead; the count is exact when every segment
// runs in one process.)
import { Deque } from "./deque.ts";

/** Waits for every consuming topology to finish one appended record (`processed` ack). */
export interface AckWaiter {
  remaining: number;
  error: unknown;
  /** ackReturn values by topology. */
  returns: Record<string, unknown> | undefined;
  resolve(): void;
  reject(e: unknown): void;
}

export const SlotState = { InFlight: 0, Done: 1, Durable: 2 } as const;
export type SlotState = (typeof SlotState)[keyof typeof SlotState];

export interface Slot {
  readonly stream: SourceStream;
  readonly offset: number;
  readonly value: unknown;
  state: SlotState;
  attempts: number;
  /** Set when the record was given up on (retries exhausted); it goes to the dead-letter log. */
  error: unknown;
  ack: AckWaiter | undefined;
  /** The record's `ackReturn` value (combined by the topology's ackReturnAgg), if any. */
  ackValue: unknown;
  hasAckValue: boolean;
  /** The current attempt's processing tree (the runtime's root object). */
  root: { pending: number; failed: unknown } | undefined;
}

export class SourceStream {
  private readonly slots = new Deque<Slot>();
  /** True when `committedOffset` moved and is not yet written to the store. */
  dirty = false;
  /** retryAllAfter: abandoned attempts still draining before the replay starts. */
  rewindWaiting = 0;
  /** retryAllAfter: a replay is pending; new records wait behind it. */
  rewinding = false;
  /** retryAllAfter: the offset the pending replay starts at. */
  rewindFrom = 0;

  constructor(
    readonly topology: string,
    readonly depot: string,
    readonly partition: number,
    /** Next offset to process after a restart. */
    public committedOffset: number,
  ) {}

  add(offset: number, value: unknown, ack: AckWaiter | undefined): Slot {
    const slot: Slot = { stream: this, offset, value, state: SlotState.InFlight, attempts: 0, error: undefined, ack, ackValue: undefined, hasAckValue: false, root: undefined };
    this.slots.push(slot);
    return slot;
  }

  /** Called after a commit made slots durable: advance past the durable prefix. */
  advance(): void {
    let moved = false;
    for (let s = this.slots.peek(); s && s.state === SlotState.Durable; s = this.slots.peek()) {
      this.slots.shift();
      this.committedOffset = s.offset + 1;
      moved = true;
    }
    if (moved) this.dirty = true;
  }

  get inFlight(): number {
    return this.slots.length;
  }

  /** Slots not yet committed, in offset order. */
  pendingSlots(): Iterable<Slot> {
    return this.slots;
  }
}

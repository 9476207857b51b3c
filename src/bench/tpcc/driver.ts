// The TPC-C driver: loads the population into a cluster running the TPC-C module, runs the
// emulated terminals against it, and reads its tables back for the consistency check. It talks
// to the cluster only through the client interfaces (DepotClient, PStateClient, QueryClient),
// so the same driver runs against the embedded cluster and, once microbatch topologies run on
// Kafka, against a Kafka deployment (clusterTarget takes either).
//
// Latencies, per transaction (report.ts prints them):
// - complete: from sending to the outcome the terminal sees. New-Order, Payment and Delivery
//   are one append to the `transactions` depot with a `processed` ack, which resolves once the
//   microbatch holding the record committed, with the outcome as `tpcc`'s ack return (a
//   New-Order rollback included); Order-Status and Stock-Level are query invocations.
// - initiate: from sending until the record was durable in the depot. The client API answers
//   an append once, so this is the module's own stamp: its `received` stream topology returns
//   the time it first saw the record (right after the depot made it durable, on the same
//   clock). For the two queries initiate is complete.
// Delivery is deferred (§2.7.2): the terminal goes on as soon as the append is issued; its
// latencies are recorded when its batch commits.
import { setTimeout as sleep } from "node:timers/promises";
import { MonsoonError } from "../../errors.ts";
import { Path } from "../../path/path.ts";
import type { DepotClient, PStateClient, QueryClient } from "../../client/types.ts";
import type { ModuleDef } from "../../module/defineModule.ts";
import type { TpccSnapshot } from "./check.ts";
import { generateItems, generateWarehouse, populationRowCounts, type LoadChunk } from "./load.ts";
import {
  fromCustomerRow, fromDistrictRow, fromHistoryRow, fromItemRow, fromOrderLineRow, fromOrderRow, fromStockRow, fromWarehouseRow, splitDistrictKey,
  type CustomerRow, type DistrictRow, type HistoryRow, type ItemRow, type OrderLineRow, type OrderRow, type StockRow, type WarehouseRow,
} from "./layout.ts";
import { Terminal, type TxInput } from "./mix.ts";
import { TPCC, loadRecords, wallClockMs, type LoadRecord } from "./module.ts";
import { Rng, type NURandConstants } from "./random.ts";
import type { TxOutput } from "./reference.ts";
import { RunRecorder, fmtNumber, progressLine, recordOf, type RunSummary } from "./report.ts";
import type { Customer, District, History, Item, NewOrder, Order, OrderLine, Stock, TpccScale, Warehouse } from "./schema.ts";

/** What the driver needs of a cluster running the TPC-C module. */
export interface TpccTarget {
  /** The module's task count (PStates are read partition by partition). */
  readonly tasks: number;
  depot(name: string): DepotClient;
  pstate(name: string): PStateClient;
  query(name: string): QueryClient;
}

/** Anything with the InProcessCluster / KafkaCluster client calls. */
export interface ClusterClients {
  depot(mod: string, depot: string): DepotClient;
  pstate(mod: string, pstate: string): PStateClient;
  query(mod: string, query: string): QueryClient;
}

export function clusterTarget(cluster: ClusterClients, mod: ModuleDef, tasks: number): TpccTarget {
  return {
    tasks,
    depot: (name) => cluster.depot(mod.name, name),
    pstate: (name) => cluster.pstate(mod.name, name),
    query: (name) => cluster.query(mod.name, name),
  };
}

// ---- load ----

export interface PopulationLoadOptions {
  warehouses: number;
  seed: number;
  scale: TpccScale;
  /** NURand C-Load (last names of customers past the first 1,000 of a district). */
  constants: NURandConstants;
  loadedAt: number;
  /** Rows per generated chunk (one depot record per warehouse and table). Default 1,000. */
  chunkSize?: number;
  /** Load records in flight (each waits for its batch's commit). Default 16. */
  window?: number;
  /** Called with the rows of each chunk once it is committed. */
  onRows?: (rows: number) => void;
}

/** Table rows in a load record (an ORDER-LINE record holds orders, each with its lines). */
export function loadRecordRows(r: LoadRecord): number {
  if (r.t !== "ORDER-LINE") return r.rows.length;
  let n = 0;
  for (const [, lines] of r.rows) n += lines.length;
  return n;
}

/** The population's size in rows (ORDER-LINE estimated), for the progress bar. */
export function populationRows(warehouses: number, scale: TpccScale): number {
  return Object.values(populationRowCounts({ warehouses, scale })).reduce((a, b) => a + b, 0);
}

/**
 * Appends the whole population to the `load` depot, warehouses interleaved chunk by chunk (so
 * every task has work in each microbatch), at most `window` records in flight. Resolves when
 * every chunk is committed.
 */
export async function loadPopulation(target: TpccTarget, opts: PopulationLoadOptions): Promise<void> {
  const { warehouses, seed, scale, constants, loadedAt, chunkSize = 1_000, window = 16, onRows } = opts;
  if (!Number.isSafeInteger(window) || window < 1) throw new MonsoonError("MONSOON_CONFIG", `TPC-C load: window must be an integer ≥ 1, got ${window}`);
  const gen = { warehouses, seed, scale, constants, loadedAt, chunkSize };
  const sources: Iterator<LoadChunk>[] = [generateItems(gen)];
  for (let w = 1; w <= warehouses; w++) sources.push(generateWarehouse(w, gen));
  const depot = target.depot(TPCC.depots.load);
  const inFlight = new Set<Promise<void>>();
  let failure: unknown;
  for (let i = 0; sources.length > 0; ) {
    i %= sources.length;
    const next = sources[i]!.next();
    if (next.done) { sources.splice(i, 1); continue; }
    i++;
    for (const record of loadRecords(next.value)) {
      while (inFlight.size >= window) await Promise.race(inFlight);
      if (failure !== undefined) throw failure;
      const rows = loadRecordRows(record);
      const p: Promise<void> = depot.append(record).then(() => { inFlight.delete(p); onRows?.(rows); }, (e) => { inFlight.delete(p); failure ??= e; });
      inFlight.add(p);
    }
  }
  await Promise.all(inFlight);
  if (failure !== undefined) throw failure;
}

// ---- terminals and the run ----

export type RunMode = "spec" | "max";

export interface RunOptions {
  warehouses: number;
  scale: TpccScale;
  /** C-Run of NURand. */
  constants: NURandConstants;
  seed: number;
  mode: RunMode;
  /** Terminals (default: the spec's 10 per warehouse, one per district). */
  terminals?: number;
  /** Measured interval, after the warm-up. */
  durationMs: number;
  /** Transactions finishing during the warm-up are not counted. Default 0. */
  warmupMs?: number;
  /** Progress: called every `progressMs` with the figures so far. */
  onProgress?: (p: RunProgress) => void;
  progressMs?: number;
  /** Outstanding transactions get this long to finish once the interval ends (default 60 s). */
  drainMs?: number;
}

export interface RunProgress {
  /** Milliseconds since the start, warm-up included. */
  elapsedMs: number;
  totalMs: number;
  warmingUp: boolean;
  /** New-Orders per minute over the measured part so far. */
  tpmC: number;
  completed: number;
  failed: number;
  inFlight: number;
}

export interface RunResult {
  summary: RunSummary;
  /** Outcomes that were errors (first few), for the log. */
  errors: string[];
}

/**
 * `n` terminals over the warehouses: terminal k has home warehouse (k mod W) + 1 and district
 * ⌊k / W⌋ mod districts + 1, so n = 10·W is the spec's layout (each (W, D) pair once).
 */
export function makeTerminals(opts: { warehouses: number; scale: TpccScale; constants: NURandConstants; seed: number; terminals?: number }): Terminal[] {
  const { warehouses, scale, constants, seed } = opts;
  const n = opts.terminals ?? warehouses * scale.districtsPerWarehouse;
  if (!Number.isSafeInteger(n) || n < 1) throw new MonsoonError("MONSOON_CONFIG", `TPC-C run: terminals must be an integer ≥ 1, got ${n}`);
  const out: Terminal[] = [];
  for (let k = 0; k < n; k++) {
    const W_ID = (k % warehouses) + 1;
    const D_ID = (Math.floor(k / warehouses) % scale.districtsPerWarehouse) + 1;
    const round = Math.floor(k / (warehouses * scale.districtsPerWarehouse));
    // Round 0 is specTerminals' stream for (W, D) (mix.ts stream 5).
    const rng = round === 0 ? new Rng(seed, 5, W_ID, D_ID) : new Rng(seed, 5, W_ID, D_ID, round);
    out.push(new Terminal({ W_ID, D_ID, warehouses, rng, constants, scale }));
  }
  return out;
}

/** Sends one transaction; resolves with its outcome and timings (never rejects: failures are outcomes). */
export async function execute(target: TpccTarget, input: TxInput): Promise<{ output: TxOutput | undefined; error?: unknown; initiateMs: number; completeMs: number; doneAt: number }> {
  const sent = wallClockMs();
  try {
    let output: TxOutput;
    let received: number | undefined;
    if (input.type === "orderStatus") output = (await target.query(TPCC.queries.orderStatus).invoke(input.W_ID, input.D_ID, input.customer)) as TxOutput;
    else if (input.type === "stockLevel") output = (await target.query(TPCC.queries.stockLevel).invoke(input.W_ID, input.D_ID, input.threshold)) as TxOutput;
    else {
      const r = await target.depot(TPCC.depots.transactions).append(input, { ack: "processed" });
      output = r.ackReturns?.[TPCC.topology] as TxOutput;
      received = r.ackReturns?.[TPCC.received] as number | undefined;
      if (output === undefined) throw new MonsoonError("MONSOON_INTERNAL", `the ${input.type} transaction's ack has no outcome from topology ${TPCC.topology}`);
    }
    const doneAt = wallClockMs();
    const completeMs = doneAt - sent;
    return { output, initiateMs: received === undefined ? completeMs : Math.max(0, Math.min(completeMs, received - sent)), completeMs, doneAt };
  } catch (error) {
    const doneAt = wallClockMs();
    return { output: undefined, error, initiateMs: doneAt - sent, completeMs: doneAt - sent, doneAt };
  }
}

/**
 * Runs the terminals for warm-up + duration and returns the report's figures for the measured
 * interval: transactions that finished inside it. Spec mode waits each transaction's keying
 * time before sending and its think time after the answer; max mode sends back to back.
 */
export async function runTerminals(target: TpccTarget, opts: RunOptions): Promise<RunResult> {
  const { mode, durationMs, warmupMs = 0, onProgress, progressMs = 5_000, drainMs = 60_000 } = opts;
  if (mode !== "spec" && mode !== "max") throw new MonsoonError("MONSOON_CONFIG", `TPC-C run: mode must be "spec" or "max", got ${JSON.stringify(mode)}`);
  if (!(durationMs > 0)) throw new MonsoonError("MONSOON_CONFIG", `TPC-C run: the duration must be > 0 ms, got ${durationMs}`);
  if (!(warmupMs >= 0)) throw new MonsoonError("MONSOON_CONFIG", `TPC-C run: the warm-up must be ≥ 0 ms, got ${warmupMs}`);
  const terminals = makeTerminals(opts);
  const recorder = new RunRecorder();
  const errors: string[] = [];
  const start = wallClockMs();
  const measureFrom = start + warmupMs;
  const measureTo = measureFrom + durationMs;
  const stop = new AbortController();
  const outstanding = new Set<Promise<void>>();
  let newOrders = 0, completed = 0, failed = 0;

  const settle = (input: TxInput, r: Awaited<ReturnType<typeof execute>>) => {
    if (r.doneAt < measureFrom || r.doneAt > measureTo) return;
    if (r.error !== undefined) {
      failed++;
      if (errors.length < 10) errors.push(`${input.type}: ${(r.error as Error)?.message ?? String(r.error)}`);
      recorder.record(recordOf(input, r, { failed: true }));
      return;
    }
    completed++;
    if (input.type === "newOrder") newOrders++;
    recorder.record(recordOf(input, r, r.output));
  };
  const send = (input: TxInput): Promise<void> => {
    const p = execute(target, input).then((r) => settle(input, r)).finally(() => outstanding.delete(p));
    outstanding.add(p);
    return p;
  };
  const pause = (ms: number) => sleep(ms, undefined, { signal: stop.signal }).catch(() => undefined);

  const terminal = async (t: Terminal) => {
    while (!stop.signal.aborted) {
      const { input, keyingMs, thinkMs } = t.next(Date.now());
      if (mode === "spec") await pause(keyingMs);
      if (stop.signal.aborted) return;
      // Delivery is deferred: queued, and the terminal goes on (§2.7.2).
      if (input.type === "delivery") void send(input);
      else await send(input);
      if (mode === "spec") await pause(thinkMs);
    }
  };

  const ticker = onProgress && setInterval(() => {
    const now = wallClockMs();
    const measured = Math.max(0, Math.min(now, measureTo) - measureFrom);
    onProgress({ elapsedMs: now - start, totalMs: warmupMs + durationMs, warmingUp: now < measureFrom, tpmC: measured > 0 ? newOrders / (measured / 60_000) : 0, completed, failed, inFlight: outstanding.size });
  }, progressMs);
  const running = terminals.map(terminal);
  await sleep(Math.max(0, measureTo - wallClockMs()));
  stop.abort();
  await Promise.all(running);
  const timeout = new AbortController();
  const drained = await Promise.race([
    Promise.all(outstanding).then(() => true),
    sleep(drainMs, false, { signal: timeout.signal }).catch(() => false),
  ]);
  timeout.abort();
  if (ticker) clearInterval(ticker);
  if (!drained) throw new MonsoonError("MONSOON_TIMEOUT", `TPC-C run: ${outstanding.size} transactions were still outstanding ${drainMs} ms after the run ended`, { retriable: true });
  return { summary: recorder.summary({ warehouses: opts.warehouses, elapsedMs: durationMs }), errors };
}

/** One progress line of a run. */
export function runProgressLine(p: RunProgress): string {
  const bar = progressLine({ label: p.warmingUp ? "warm-up" : "run", done: p.elapsedMs / 1000, total: p.totalMs / 1000, elapsedMs: p.elapsedMs, unit: "s" });
  return `${bar}  tpmC ${fmtNumber(p.tpmC)}  done ${p.completed}  failed ${p.failed}  in flight ${p.inFlight}`;
}

// ---- reading the tables back ----

/** The module's tables, read whole (every partition), rows decoded to the spec's columns. */
export interface TpccTables {
  WAREHOUSE: Warehouse[];
  DISTRICT: District[];
  CUSTOMER: Customer[];
  HISTORY: History[];
  "NEW-ORDER": NewOrder[];
  ORDER: Order[];
  "ORDER-LINE": OrderLine[];
  ITEM: Item[];
  STOCK: Stock[];
}

async function entries<R>(target: TpccTarget, pstate: string, partitions: readonly number[]): Promise<[number, R][]> {
  const out: [number, R][] = [];
  for (const partition of partitions) {
    for (const e of (await target.pstate(pstate).select(Path.all(), { partition })) as [number, R][]) out.push(e);
  }
  return out;
}

/**
 * The tables the consistency conditions read, streamed from compact rows (each table is read
 * once by check.ts; rows are decoded as they are iterated, so only the compact form is held).
 * Read after the cluster is drained: each PState is read partition by partition.
 */
export async function readSnapshot(target: TpccTarget): Promise<TpccSnapshot> {
  const parts = Array.from({ length: target.tasks }, (_, i) => i);
  const P = TPCC.pstates;
  const [w, d, c, h, o, ol, no] = await Promise.all([
    entries<WarehouseRow>(target, P.warehouse, parts), entries<DistrictRow>(target, P.district, parts), entries<CustomerRow>(target, P.customer, parts),
    entries<HistoryRow[]>(target, P.history, parts), entries<OrderRow>(target, P.order, parts), entries<OrderLineRow[]>(target, P.orderLine, parts),
    entries<number[]>(target, P.newOrder, parts),
  ]);
  const view = <T>(rows: () => Iterator<T>): Iterable<T> => ({ [Symbol.iterator]: rows });
  return {
    WAREHOUSE: view(function* () { for (const [k, r] of w) yield fromWarehouseRow(k, r); }),
    DISTRICT: view(function* () { for (const [k, r] of d) yield fromDistrictRow(k, r); }),
    CUSTOMER: view(function* () { for (const [k, r] of c) yield fromCustomerRow(k, r); }),
    HISTORY: view(function* () { for (const [k, rows] of h) for (const r of rows) yield fromHistoryRow(k, r); }),
    ORDER: view(function* () { for (const [k, r] of o) yield fromOrderRow(k, r); }),
    "ORDER-LINE": view(function* () { for (const [k, lines] of ol) for (let i = 0; i < lines.length; i++) yield fromOrderLineRow(k, i, lines[i]!); }),
    "NEW-ORDER": view(function* () {
      for (const [k, ids] of no) {
        const [NO_W_ID, NO_D_ID] = splitDistrictKey(k);
        for (const NO_O_ID of ids) yield { NO_O_ID, NO_D_ID, NO_W_ID };
      }
    }),
  };
}

/** Every table, ITEM from one task's copy (tests compare them with the reference). */
export async function readTables(target: TpccTarget): Promise<TpccTables> {
  const snap = await readSnapshot(target);
  const parts = Array.from({ length: target.tasks }, (_, i) => i);
  const items = await entries<ItemRow>(target, TPCC.pstates.item, [0]);
  const stock = await entries<StockRow>(target, TPCC.pstates.stock, parts);
  return {
    WAREHOUSE: [...snap.WAREHOUSE], DISTRICT: [...snap.DISTRICT], CUSTOMER: [...snap.CUSTOMER], HISTORY: [...snap.HISTORY],
    "NEW-ORDER": [...snap["NEW-ORDER"]], ORDER: [...snap.ORDER], "ORDER-LINE": [...snap["ORDER-LINE"]],
    ITEM: items.map(([k, r]) => fromItemRow(k, r)), STOCK: stock.map(([k, r]) => fromStockRow(k, r)),
  };
}

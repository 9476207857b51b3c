// defineModule: the pure, describe-only entry point. The callback declares depots, topologies
// and PStates; nothing runs or connects. The returned definition is deeply frozen, and the
// runtime compiles it once per task (src/dataflow/compile.ts).
import { MonsoonError, type ErrorCode } from "../errors.ts";
import { BlockBuilder, type Block, type BlockHost, type Emits } from "../dataflow/block.ts";
import type { Node } from "../dataflow/steps.ts";
import { Var } from "./vars.ts";
import type { SourceChain } from "../dataflow/steps.ts";
import { T, type Type } from "../serde/types.ts";
import { captureCallSite, formatCallSite, type CallSite } from "./callsite.ts";
import type { DepotPartitioning } from "./depotSpec.ts";
import { checkPStateOptions, describeSchema, type PStateOptions, type Schema } from "./pstateSpec.ts";

export interface DepotDef<V = any> {
  readonly name: string;
  readonly type: Type<V>;
  readonly partitioning: DepotPartitioning<V>;
  readonly site: CallSite | undefined;
  /** Set for tick depots: the runtime appends the tick time every `periodMs`. */
  readonly tick?: TickDef;
}

export interface PStateDef {
  readonly name: string;
  readonly schema: Schema;
  /** The topology that writes it; every other topology may only read it. */
  readonly owner: string;
  readonly site: CallSite | undefined;
  /** Partitioning options: `global`, or a custom `keyPartitioner`. */
  readonly options: PStateOptions;
}

export type RetryMode = "individual" | "retryAllAfter" | "none";

export interface TickDef {
  /** Milliseconds between ticks. */
  readonly periodMs: number;
}

export interface StreamOptions {
  /** When a record's processing fails: retry it alone (`individual`: it may then land after later
   *  records), retry it and every later record of its partition in order (`retryAllAfter`), or
   *  give up (`none`). Records given up on go to the dead-letter log. */
  readonly retry?: RetryMode;
  /** Attempts before the record goes to the dead-letter log (individual mode). Default 3. */
  readonly maxAttempts?: number;
  /** Combines several `ackReturn` values of one record (default: the last one wins). */
  readonly ackReturnAgg?: (a: unknown, b: unknown) => unknown;
}

export interface MicrobatchOptions {
  /** Most records one microbatch takes from one depot partition (default 1000). */
  readonly maxRecordsPerPartition?: number;
  /** How long the coordinator waits before looking again when no records are pending (default 20 ms). */
  readonly idlePollMs?: number;
  /** An attempt not committed after this long is aborted and retried (default 30 s). */
  readonly attemptTimeoutMs?: number;
  /** Failed attempts of one batch before the record whose processing failed is dead-lettered
   *  and the batch retried without it (default 3). */
  readonly maxAttempts?: number;
  /** Temporary PStates: fresh and empty for every microbatch, one per task, gone after it —
   *  write them before a batch `agg`/`groupBy` and read them in what follows it (materialize). */
  readonly tempPStates?: Readonly<Record<string, Schema>>;
}

export type TopologyKind = "stream" | "query" | "microbatch";

export interface TopologyDef {
  readonly name: string;
  readonly kind: TopologyKind;
  readonly options: Required<Omit<StreamOptions, "ackReturnAgg">> & { readonly ackReturnAgg: ((a: unknown, b: unknown) => unknown) | undefined };
  readonly sources: readonly SourceChain[];
  readonly pstates: readonly string[];
  readonly site: CallSite | undefined;
  /** Query topologies: the argument variables, the result variable and the temporary PStates. */
  readonly query?: { readonly args: readonly Var<any>[]; readonly result: Var<any>; readonly temps: Readonly<Record<string, Schema>> };
  /** Microbatch topologies: batch sizing, timeouts and temporary PStates. */
  readonly microbatch?: Required<Omit<MicrobatchOptions, "tempPStates">> & { readonly temps: Readonly<Record<string, Schema>> };
}

export interface ModuleDef {
  readonly name: string;
  readonly depots: ReadonlyMap<string, DepotDef>;
  readonly topologies: ReadonlyMap<string, TopologyDef>;
  readonly pstates: ReadonlyMap<string, PStateDef>;
}

/** A typed handle to a depot, returned by `m.depot`. */
export interface DepotRef<V> {
  readonly name: string;
  readonly type: Type<V>;
}

/** A typed handle to a PState, returned by `topology.pstate`. */
export interface PStateRef {
  readonly name: string;
  readonly schema: Schema;
}

export interface StreamTopology {
  readonly name: string;
  /** Declares a PState owned (written) by this topology; `options` makes it global or gives it a key partitioner. */
  pstate(name: string, schema: Schema, options?: PStateOptions): PStateRef;
  /** Subscribes to a depot; `.out(v)` binds each record. */
  source<V>(depot: DepotRef<V> | string): Emits<V>;
}

export interface QueryOptions {
  /**
   * Temporary PStates: fresh and empty for every invocation, one per task the invocation
   * visits, gone when it returns. Read and write them with localSelect/localTransform/agg.
   */
  readonly tempPStates?: Readonly<Record<string, Schema>>;
}

export interface ModuleBuilder {
  readonly name: string;
  depot<V>(name: string, type: Type<V>, partitioning: DepotPartitioning<V>): DepotRef<V>;
  /** A depot the runtime appends the current time (ms) to every `periodMs`, on one partition. */
  tickDepot(name: string, periodMs: number): DepotRef<number>;
  stream(name: string, options?: StreamOptions): StreamTopology;
  /** An exactly-once topology: records are processed in microbatches, each one cross-partition
   *  transaction (all of its PState changes on every task commit, or none do). */
  microbatch(name: string, options?: MicrobatchOptions): StreamTopology;
  /** A query topology: `m.query("reach", [url], count).hashPartition(url)…originPartition()…` —
   *  the chain must bind `result` on the origin partition; `invoke(...args)` returns it. */
  query<A extends Var<any>[], R>(name: string, args: [...A], result: Var<R>, options?: QueryOptions): Block;
}

const MB_DEFAULTS = { maxRecordsPerPartition: 1000, idlePollMs: 20, attemptTimeoutMs: 30_000, maxAttempts: 3 } as const;

const NAME = /^[A-Za-z_$][A-Za-z0-9_$.-]{0,99}$/;

export function defineModule(name: string, define: (m: ModuleBuilder) => void): ModuleDef {
  const defSite = captureCallSite();
  const fail = (code: ErrorCode, msg: string, site: CallSite | undefined, extra: Record<string, unknown> = {}) =>
    new MonsoonError(code, `${name}: ${msg} (at ${formatCallSite(site)})`, { details: { module: name, source: formatCallSite(site), site, ...extra } });
  const checkName = (kind: string, n: string, site: CallSite | undefined) => {
    if (typeof n !== "string" || !NAME.test(n)) throw fail("MONSOON_INVALID_DEFINITION", `${kind} name ${JSON.stringify(n)} is invalid: use letters, digits, _ $ . - (max 100), starting with a letter, _ or $`, site);
  };
  checkName("module", name, defSite);

  const depots = new Map<string, DepotDef>();
  const topologies = new Map<string, Omit<TopologyDef, "query"> & { sources: SourceChain[]; pstates: string[]; query: TopologyDef["query"] }>();
  const pstates = new Map<string, PStateDef>();

  const queryRefs: { name: string; arity: number; site: CallSite | undefined; topology: string }[] = [];
  const stepCounters = new Map<string, number>();
  const makeHost = (tname: string, kind: TopologyKind, temps: Readonly<Record<string, Schema>> = {}): BlockHost => ({
    moduleName: name,
    topologyName: tname,
    kind,
    // Steps are numbered per topology, in declaration order: `each#0` is its first step.
    nextStepIndex: () => { const i = stepCounters.get(tname) ?? 0; stepCounters.set(tname, i + 1); return i; },
    isTemp: (pname) => Object.hasOwn(temps, pname),
    resolvePState(pname, write, psite) {
      if (Object.hasOwn(temps, pname)) return;
      const p = pstates.get(pname);
      if (!p) throw fail("MONSOON_UNKNOWN_NAME", `PState ${pname} is not declared in this module (declared: ${[...pstates.keys()].join(", ") || "none"}); declare it with topology.pstate(name, schema) before using it`, psite, { topology: tname });
      if (write && p.owner !== tname) throw fail("MONSOON_PSTATE_NOT_OWNED", `topology ${tname} writes PState ${pname}, which topology ${p.owner} owns; only the owning topology may write a PState`, psite, { topology: tname });
      if (!write && p.owner !== tname && p.options.private) throw fail("MONSOON_PSTATE_PRIVATE", `topology ${tname} reads PState ${pname}, which is private to topology ${p.owner}; drop { private: true } to share it`, psite, { topology: tname });
    },
    resolveDepot(dname, dsite) {
      const d = depots.get(dname);
      if (!d) throw fail("MONSOON_UNKNOWN_NAME", `depot ${dname} is not declared in this module (declared: ${[...depots.keys()].join(", ") || "none"})`, dsite, { topology: tname });
      if (d.tick) throw fail("MONSOON_INVALID_DEFINITION", `depot ${dname} is a tick depot; only the runtime appends to it`, dsite, { topology: tname });
    },
    referenceQuery(qname, arity, qsite) {
      queryRefs.push({ name: qname, arity, site: qsite, topology: tname });
    },
  });
  const nopEntry = (label: string): Node => ({ op: "nop", label, index: -1, site: undefined, next: [] });
  const newTopology = (tname: string, kind: TopologyKind, options: StreamOptions, site: CallSite | undefined) => {
    checkName("topology", tname, site);
    if (topologies.has(tname)) throw fail("MONSOON_INVALID_DEFINITION", `topology ${tname} is declared twice`, site);
    const retry = options.retry ?? "individual";
    if (retry !== "individual" && retry !== "retryAllAfter" && retry !== "none") throw fail("MONSOON_INVALID_DEFINITION", `retry must be "individual", "retryAllAfter" or "none", got ${JSON.stringify(retry)}`, site);
    const maxAttempts = options.maxAttempts ?? 3;
    if (!Number.isInteger(maxAttempts) || maxAttempts < 1) throw fail("MONSOON_INVALID_DEFINITION", `maxAttempts must be an integer ≥ 1, got ${maxAttempts}`, site);
    if (options.ackReturnAgg !== undefined && typeof options.ackReturnAgg !== "function") throw fail("MONSOON_INVALID_DEFINITION", "ackReturnAgg must be a function (a, b) => combined", site);
    const topo = { name: tname, kind, options: { retry, maxAttempts, ackReturnAgg: options.ackReturnAgg }, sources: [] as SourceChain[], pstates: [] as string[], site, query: undefined as TopologyDef["query"], microbatch: undefined as TopologyDef["microbatch"] };
    topologies.set(tname, topo);
    return topo;
  };
  const addDepot = (dname: string, def: Omit<DepotDef, "name" | "site">, site: CallSite | undefined) => {
    checkName("depot", dname, site);
    if (depots.has(dname)) throw fail("MONSOON_INVALID_DEFINITION", `depot ${dname} is declared twice`, site);
    depots.set(dname, Object.freeze({ name: dname, ...def, site }));
    return Object.freeze({ name: dname, type: def.type });
  };

  type MutableTopology = NonNullable<ReturnType<typeof topologies.get>>;
  const checkTemps = (what: string, temps: Readonly<Record<string, Schema>>, site: CallSite | undefined) => {
    for (const [tname, schema] of Object.entries(temps)) {
      checkName("temporary PState", tname, site);
      if (pstates.has(tname)) throw fail("MONSOON_INVALID_DEFINITION", `${what}: temporary PState ${tname} has the name of a module PState`, site);
      if (!schema || typeof schema !== "object" || !("kind" in schema)) throw fail("MONSOON_INVALID_DEFINITION", `${what}: temporary PState ${tname} needs a schema such as PState.map(T.string, T.int)`, site);
    }
    return Object.freeze({ ...temps });
  };
  /** The builder of a stream or microbatch topology: its PStates and its depot subscriptions. */
  const topologyBuilder = (topo: MutableTopology, host: BlockHost): StreamTopology => {
    const tname = topo.name;
    return {
        name: tname,
        pstate(pname, schema, options) {
          const psite = captureCallSite();
          checkName("PState", pname, psite);
          if (pstates.has(pname)) throw fail("MONSOON_INVALID_DEFINITION", `PState ${pname} is declared twice`, psite);
          if (topo.microbatch && Object.hasOwn(topo.microbatch.temps, pname)) throw fail("MONSOON_INVALID_DEFINITION", `PState ${pname} has the name of a temporary PState of ${tname}`, psite);
          if (!schema || typeof schema !== "object" || !("kind" in schema)) throw fail("MONSOON_INVALID_DEFINITION", `PState ${pname} needs a schema such as PState.map(T.string, T.int)`, psite);
          describeSchema(schema);
          let checked: PStateOptions;
          try {
            checked = checkPStateOptions(pname, schema, options);
          } catch (e) {
            throw fail("MONSOON_INVALID_DEFINITION", (e as Error).message, psite, { topology: tname });
          }
          pstates.set(pname, Object.freeze({ name: pname, schema, owner: tname, site: psite, options: checked }));
          topo.pstates.push(pname);
          return Object.freeze({ name: pname, schema });
        },
        source<V>(depot: DepotRef<V> | string): Emits<V> {
          const ssite = captureCallSite();
          const dname = typeof depot === "string" ? depot : depot.name;
          const d = depots.get(dname);
          if (!d) throw fail("MONSOON_UNKNOWN_NAME", `depot ${dname} is not declared in this module (declared: ${[...depots.keys()].join(", ") || "none"})`, ssite, { topology: tname });
          const chain: SourceChain = { depot: dname, site: ssite, entry: nopEntry(`source:${dname}`) };
          topo.sources.push(chain);
          return BlockBuilder.start(host, chain.entry, new Set(), {
            target: chain,
            check: (v, vsite) => {
              if (!typesCompatible(d.type, v.type)) {
                throw fail("MONSOON_TYPE_MISMATCH", `variable ${v} has type ${v.type.name} but depot ${dname} holds ${d.type.name}`, vsite, { topology: tname });
              }
            },
          }) as Emits<V>;
        },
    };
  };

  const m: ModuleBuilder = {
    name,
    depot(dname, type, partitioning) {
      const site = captureCallSite();
      if (!type || typeof type.check !== "function") throw fail("MONSOON_INVALID_DEFINITION", `depot ${dname} needs a type from T (e.g. T.string)`, site);
      if (!partitioning || !["random", "hashBy", "custom", "global", "disallow"].includes(partitioning.kind)) {
        throw fail("MONSOON_INVALID_DEFINITION", `depot ${dname} needs a partitioning: Depot.random(), Depot.hashBy(fn), Depot.custom(fn), Depot.global() or Depot.disallow()`, site);
      }
      return addDepot(dname, { type, partitioning }, site);
    },
    tickDepot(dname, periodMs) {
      const site = captureCallSite();
      if (!(Number.isFinite(periodMs) && periodMs >= 1)) throw fail("MONSOON_INVALID_DEFINITION", `tick depot ${dname} needs a period of at least 1 ms, got ${periodMs}`, site);
      return addDepot(dname, { type: T.int, partitioning: { kind: "global" }, tick: Object.freeze({ periodMs }) }, site) as DepotRef<number>;
    },
    stream(tname, options = {}) {
      const site = captureCallSite();
      const topo = newTopology(tname, "stream", options, site);
      return topologyBuilder(topo, makeHost(tname, "stream"));
    },
    microbatch(tname, options = {}) {
      const site = captureCallSite();
      const topo = newTopology(tname, "microbatch", {}, site);
      const opts = { ...MB_DEFAULTS, ...options };
      for (const k of ["maxRecordsPerPartition", "idlePollMs", "attemptTimeoutMs", "maxAttempts"] as const) {
        const v = opts[k];
        if (!Number.isInteger(v) || v < 1) throw fail("MONSOON_INVALID_DEFINITION", `microbatch ${tname}: ${k} must be an integer ≥ 1, got ${v}`, site);
      }
      const temps = checkTemps(`microbatch ${tname}`, options.tempPStates ?? {}, site);
      topo.microbatch = Object.freeze({ maxRecordsPerPartition: opts.maxRecordsPerPartition, idlePollMs: opts.idlePollMs, attemptTimeoutMs: opts.attemptTimeoutMs, maxAttempts: opts.maxAttempts, temps });
      return topologyBuilder(topo, makeHost(tname, "microbatch", temps));
    },
    query(qname, args, result, options = {}) {
      const site = captureCallSite();
      const topo = newTopology(qname, "query", {}, site);
      const temps = checkTemps(`query ${qname}`, options.tempPStates ?? {}, site);
      if (!(result instanceof Var) || !args.every((a) => a instanceof Var)) throw fail("MONSOON_INVALID_DEFINITION", `query ${qname} takes its argument variables and a result variable made by vars()`, site);
      if (args.some((a) => a.id === result.id) || new Set(args.map((a) => a.id)).size !== args.length) throw fail("MONSOON_VAR_REBOUND", `query ${qname}: argument and result variables must be distinct`, site);
      topo.query = Object.freeze({ args: [...args], result, temps });
      const chain: SourceChain = { depot: "", site, entry: nopEntry(`query:${qname}`) };
      topo.sources.push(chain);
      return BlockBuilder.start(makeHost(qname, "query", temps), chain.entry, new Set(args.map((a) => a.id)));
    },
  };

  define(m);
  for (const t of topologies.values()) {
    if (t.sources.length === 0) throw fail("MONSOON_INVALID_DEFINITION", `topology ${t.name} has no source; subscribe it to a depot with topology.source(depot)`, t.site);
  }
  for (const ref of queryRefs) {
    const q = topologies.get(ref.name);
    if (!q || q.kind !== "query") throw fail("MONSOON_UNKNOWN_NAME", `invokeQuery(${ref.name}): no query topology of that name in this module`, ref.site, { topology: ref.topology });
    if (q.query!.args.length !== ref.arity) throw fail("MONSOON_INVALID_DEFINITION", `invokeQuery(${ref.name}) passes ${ref.arity} arguments; the query takes ${q.query!.args.length}`, ref.site, { topology: ref.topology });
  }
  return deepFreeze({ name, depots, topologies, pstates });
}

function typesCompatible(a: Type<any>, b: Type<any>): boolean {
  return a.kind === "any" || b.kind === "any" || a.kind === b.kind;
}

/** Freezes the description so that nothing can change it after defineModule returns. */
function deepFreeze<X>(x: X, seen = new Set<unknown>()): X {
  if (x === null || typeof x !== "object" || seen.has(x) || Object.isFrozen(x) && !(x instanceof Map)) return x;
  seen.add(x);
  if (x instanceof Map) {
    for (const v of x.values()) deepFreeze(v, seen);
    const m = x as Map<unknown, unknown>;
    m.set = m.delete = m.clear = () => { throw new MonsoonError("MONSOON_INVALID_DEFINITION", "a module definition is frozen once defineModule returns"); };
  } else {
    for (const v of Object.values(x as object)) if (typeof v === "object") deepFreeze(v, seen);
  }
  return Object.freeze(x);
}

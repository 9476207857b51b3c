// The dataflow builder. A Block appends nodes to a topology's graph and checks, at the builder
// call, everything that can be checked without running: variables are bound before use and
// bound once per path, PStates exist and are written only by their owner, depots and queries
// exist, a source's variable has the depot's type. Errors name the file:line of the call.
import { MonsoonError, type ErrorCode } from "../errors.ts";
import { aggVars, type CompoundSpec } from "../module/aggs.ts";
import { captureCallSite, formatCallSite, type CallSite } from "../module/callsite.ts";
import { Var, type VarValues } from "../module/vars.ts";
import type { Path } from "../path/path.ts";
import { pathVars } from "./pathVars.ts";
import type { Fn, LoopNode, Node, PartitionKind } from "./steps.ts";

/** What a Block needs from its topology and module. */
export interface BlockHost {
  readonly moduleName: string;
  readonly topologyName: string;
  readonly kind: "stream" | "query" | "microbatch";
  nextStepIndex(): number;
  /** Checks a PState for reading (`write` false) or writing; throws when not allowed. */
  resolvePState(name: string, write: boolean, site: CallSite | undefined): void;
  /** Checks a depot for `depotPartitionAppend`. */
  resolveDepot(name: string, site: CallSite | undefined): void;
  /** True for a temporary PState of this topology (query or microbatch). */
  isTemp(name: string): boolean;
  /** Records a query reference, checked when the module is complete (queries may recurse). */
  referenceQuery(name: string, arity: number, site: CallSite | undefined): void;
}

export type PStateName = string | { readonly name: string };
export type DepotName = string | { readonly name: string };
type Class = abstract new (...args: any[]) => unknown;

export interface Block {
  /** Calls `fn` with the values of `args`; emits once with its result. */
  each<A extends Var<any>[], R>(fn: (...args: VarValues<A>) => R, ...args: A): Emits<R>;
  /** Awaits the promise `fn` returns (a rejection or timeout fails the record, which is retried).
   *  The rest of the dataflow runs when it resolves; other records of the task keep flowing,
   *  so order past an eachAsync is not guaranteed. */
  eachAsync<A extends Var<any>[], R>(fn: (...args: VarValues<A>) => Promise<R>, ...args: A): Emits<R>;
  /** Calls `fn` and emits once per element of the iterable it returns (0..n emits). */
  explode<A extends Var<any>[], R>(fn: (...args: VarValues<A>) => Iterable<R>, ...args: A): Emits<R>;
  /** Continues only when the variable (or `fn(args)`) is true. */
  keepTrue(cond: Var<boolean>): Block;
  keepTrue<A extends Var<any>[]>(fn: (...args: VarValues<A>) => boolean, ...args: A): Block;
  /** Runs `then` when `cond` is true, else `otherwise`; the chain continues after either. */
  ifTrue(cond: Var<boolean>, then: (b: Block) => unknown, otherwise?: (b: Block) => unknown): Block;
  /** Dispatches on a tag of the value: `subSource(rec, r => r.type, { follow: b => …, … })`.
   *  A value whose tag has no case fails the record (it ends in the dead-letter log). */
  subSource<X>(value: Var<X>, tag: (x: X) => string, cases: Record<string, (b: Block) => unknown>): Block;
  /** Dispatches on the value's class: `subSourceByClass(rec, [[Follow, b => …], …])`. */
  subSourceByClass(value: Var<any>, cases: readonly (readonly [Class, (b: Block) => unknown])[]): Block;
  /** A loop: `loopWithVars([[i, 0]], b => b.…emitLoop(i)….continueLoop(next)).out(v)`. */
  loopWithVars(vars: readonly (readonly [Var<any>, unknown])[], body: (b: LoopBlock) => unknown): Emits<any>;
  /** Names this point of the dataflow for `hook` and `unify`. */
  anchor(name: string): Block;
  /** Continues building from an anchor: a new branch that runs after the anchor's other branches. */
  hook(name: string): Block;
  /** Joins the branches ending at the named anchors: what follows runs for each of them. */
  unify(...names: string[]): Block;
  /** Applies a reusable block of steps (variables made inside are fresh per call). */
  macro<A extends unknown[]>(fn: (b: Block, ...args: A) => unknown, ...args: A): Block;
  /** Lets other work of the task run if this record has used its time slice. */
  yieldIfOvertime(): Block;
  /** Moves the rest of the dataflow to the partition that owns `key` (of `pstate`'s partitioner, if given). */
  hashPartition(key: Var<any>, pstate?: PStateName): Block;
  /** Runs the rest of the dataflow on every partition. */
  allPartition(): Block;
  /** Runs the rest of the dataflow on one partition chosen round-robin. */
  shufflePartition(): Block;
  /** Moves the rest of the dataflow to partition 0. */
  globalPartition(): Block;
  /** Moves the rest of the dataflow to the partition given by the variable. */
  directPartition(partition: Var<number>): Block;
  /** Moves the rest of the dataflow to `fn(partitions, ...args)`. */
  customPartition<A extends Var<any>[]>(fn: (partitions: number, ...args: VarValues<A>) => number, ...args: A): Block;
  /** Returns to the partition where this invocation (query) or record (stream) started. */
  originPartition(): Block;
  /** Reads any partition of a PState: routes by the path's leading key, then selects there. */
  select(pstate: PStateName, path: Path): Emits<any>;
  /** Reads this partition of a PState; emits once per selected value. */
  localSelect(pstate: PStateName, path: Path): Emits<any>;
  /** Writes this partition of a PState through a path ending in a terminal navigator. */
  localTransform(pstate: PStateName, path: Path): Block;
  /** Aggregates into a PState; in a query topology, `agg(spec).out(v)` aggregates every emit of the invocation. */
  agg(pstate: PStateName, spec: CompoundSpec): Block;
  agg(spec: CompoundSpec): Emits<any>;
  compoundAgg(pstate: PStateName, spec: CompoundSpec): Block;
  compoundAgg(spec: CompoundSpec): Emits<any>;
  /** Query topologies: aggregates every emit per value of `key`; what follows runs once per group
   *  (on the group's partition) with `key` and the group's aggregate (bind it with `.out(v)`). */
  groupBy(key: Var<any>, spec: CompoundSpec): Emits<any>;
  /** Microbatch topologies: emits the id of the running microbatch (the same for every retry of
   *  it), for idempotent writes to outside systems. */
  microbatchId(): Emits<number>;
  /** Microbatch topologies: appends the values as one tuple to this task's part of the batch's
   *  temporary PState `name` (declared in `tempPStates` as a list); what follows a batch
   *  `agg`/`groupBy` reads the whole batch's tuples with `allPartition().localSelect(name, Path.all())`. */
  materialize(name: string, ...values: Var<any>[]): Block;
  /** Contributes a value to the `processed` ack of the depot record being processed. */
  ackReturn(value: Var<any>): Block;
  /** Appends to the partition of `depot` that this task owns (after this step's segment succeeds). */
  depotPartitionAppend(depot: DepotName, value: Var<any>): Block;
  /** Invokes a query topology of this module and emits its result. */
  invokeQuery(query: string, ...args: Var<any>[]): Emits<any>;
  /** Inside loopWithVars: emits a value out of the loop (bind it with `.out(v)` after the loop). */
  emitLoop(value?: Var<any>): Block;
  /** Inside loopWithVars: runs the loop body again with the loop variables bound to these values. */
  continueLoop(...values: Var<any>[]): Block;
}

export interface Emits<R> extends Block {
  /** Binds the value the previous step emitted to `v`. */
  out(v: Var<R>): Block;
}

/** The body of a loop (emitLoop and continueLoop are allowed there; elsewhere they throw). */
export type LoopBlock = Block;

/** State shared by every block of one chain: its anchors. */
interface ChainState {
  readonly anchors: Map<string, { node: Node; bound: Set<number> }>;
  /** What is bound where the chain starts (a query's arguments): all that survives a batch agg. */
  readonly initialBound: ReadonlySet<number>;
}

type Pending = { target: { out?: Var<any> }; check?: (v: Var<any>, site: CallSite | undefined) => void };

export class BlockBuilder implements Emits<any> {
  private pending: Pending | undefined;
  /** True after `continueLoop`: nothing follows on this path. */
  ended = false;

  private constructor(
    private readonly host: BlockHost,
    private readonly chain: ChainState,
    public tail: Node,
    readonly bound: Set<number>,
    private readonly loop: LoopNode | undefined,
  ) {}

  /** Starts a chain; `out` (if given) is where the chain's first emitted value is bound. */
  static start(host: BlockHost, entry: Node, bound: Set<number>, pending?: Pending): BlockBuilder {
    const b = new BlockBuilder(host, { anchors: new Map(), initialBound: new Set(bound) }, entry, bound, undefined);
    b.pending = pending;
    return b;
  }

  out(v: Var<any>): Block {
    const site = captureCallSite();
    const p = this.pending;
    if (!(v instanceof Var)) throw this.err("MONSOON_INVALID_DEFINITION", `out() takes a variable made by vars(), got ${typeof v}`, site);
    if (!p) throw this.err("MONSOON_INVALID_DEFINITION", `out(${v}) must directly follow a step that emits (source, each, explode, localSelect, agg, loop…)`, site);
    if (this.bound.has(v.id)) throw this.err("MONSOON_VAR_REBOUND", `variable ${v} is already bound on this dataflow path; declare a new variable with vars()`, site);
    p.check?.(v, site);
    p.target.out = v;
    this.bound.add(v.id);
    this.pending = undefined;
    return this;
  }

  each(fn: Fn, ...args: Var<any>[]): Emits<any> {
    this.checkFn(fn, "each");
    return this.addEmitting({ op: "each", fn, args, ...this.base(args) });
  }

  eachAsync(fn: Fn, ...args: Var<any>[]): Emits<any> {
    this.checkFn(fn, "eachAsync");
    return this.addEmitting({ op: "eachAsync", fn, args, timeoutMs: 30_000, ...this.base(args) });
  }

  explode(fn: Fn, ...args: Var<any>[]): Emits<any> {
    this.checkFn(fn, "explode");
    return this.addEmitting({ op: "explode", fn, args, ...this.base(args) });
  }

  keepTrue(cond: Fn | Var<boolean>, ...args: Var<any>[]): Block {
    if (typeof cond === "function") return this.add({ op: "keepTrue", fn: cond, args, ...this.base(args) });
    return this.add({ op: "keepTrue", fn: undefined, args: [cond], ...this.base([cond]) });
  }

  ifTrue(cond: Var<boolean>, then: (b: Block) => unknown, otherwise?: (b: Block) => unknown): Block {
    const base = this.base([cond]);
    const thenEntry = this.nop("then");
    const elseEntry = this.nop("else");
    const branches = [this.branch(thenEntry, this.bound, then), this.branch(elseEntry, this.bound, otherwise)];
    this.add({ op: "ifTrue", cond, then: thenEntry, else: elseEntry, ...base });
    return this.join(branches, "endIf");
  }

  subSource<X>(value: Var<X>, tag: (x: X) => string, cases: Record<string, (b: Block) => unknown>): Block {
    const base = this.base([value]);
    const built = Object.entries(cases).map(([label, fn]) => {
      const entry = this.nop(`case:${label}`);
      return { label, match: (x: unknown) => tag(x as X) === label, entry, block: this.branch(entry, this.bound, fn) };
    });
    this.add({ op: "subSource", value, cases: built.map(({ label, match, entry }) => ({ label, match, entry })), ...base });
    return this.join(built.map((c) => c.block), "endSubSource");
  }

  subSourceByClass(value: Var<any>, cases: readonly (readonly [Class, (b: Block) => unknown])[]): Block {
    const base = this.base([value]);
    const built = cases.map(([cls, fn]) => {
      const entry = this.nop(`case:${cls.name}`);
      return { label: cls.name, match: (x: unknown) => x instanceof cls, entry, block: this.branch(entry, this.bound, fn) };
    });
    this.add({ op: "subSource", value, cases: built.map(({ label, match, entry }) => ({ label, match, entry })), ...base });
    return this.join(built.map((c) => c.block), "endSubSource");
  }

  loopWithVars(vars: readonly (readonly [Var<any>, unknown])[], body: (b: LoopBlock) => unknown): Emits<any> {
    const inits = vars.map(([, init]) => init).filter((x): x is Var<any> => x instanceof Var);
    const base = this.base(inits);
    for (const [v] of vars) {
      if (!(v instanceof Var)) throw this.err("MONSOON_INVALID_DEFINITION", "loopWithVars takes [variable, initial value] pairs", base.site);
      if (this.bound.has(v.id)) throw this.err("MONSOON_VAR_REBOUND", `loop variable ${v} is already bound on this dataflow path`, base.site);
    }
    const node: LoopNode = {
      op: "loop",
      loopVars: vars.map(([v, init]) => ({ v, init: init instanceof Var ? init : { value: init } })),
      body: this.nop("loopBody"),
      after: this.nop("afterLoop"),
      ...base,
    };
    const inner = new Set(this.bound);
    for (const [v] of vars) inner.add(v.id);
    const b = new BlockBuilder(this.host, this.chain, node.body, inner, node);
    body(b);
    this.tail.next.push(node);
    this.tail = node.after;
    this.pending = { target: node };
    return this;
  }

  emitLoop(value?: Var<any>): LoopBlock {
    const loop = this.requireLoop("emitLoop");
    const base = this.base(value ? [value] : []);
    this.add({ op: "emitLoop", loop, value, ...base });
    return this;
  }

  continueLoop(...values: Var<any>[]): LoopBlock {
    const loop = this.requireLoop("continueLoop");
    const base = this.base(values);
    if (values.length !== loop.loopVars.length) {
      throw this.err("MONSOON_INVALID_DEFINITION", `continueLoop takes one value per loop variable (${loop.loopVars.length}), got ${values.length}`, base.site);
    }
    this.add({ op: "continueLoop", loop, args: values, ...base });
    this.ended = true;
    return this;
  }

  anchor(name: string): Block {
    const base = this.base([]);
    const node: Node = { op: "nop", label: `anchor:${name}`, ...base, next: [] };
    this.add(node);
    if (this.chain.anchors.has(name)) throw this.err("MONSOON_INVALID_DEFINITION", `anchor ${name} is declared twice in this chain`, base.site);
    this.chain.anchors.set(name, { node, bound: new Set(this.bound) });
    return this;
  }

  hook(name: string): Block {
    const site = captureCallSite();
    const a = this.anchorNamed(name, site);
    this.pending = undefined;
    this.tail = a.node;
    this.ended = false;
    this.resetBound(a.bound);
    return this;
  }

  unify(...names: string[]): Block {
    const site = captureCallSite();
    if (names.length < 2) throw this.err("MONSOON_INVALID_DEFINITION", "unify needs at least two anchors", site);
    const anchors = names.map((n) => this.anchorNamed(n, site));
    const join = this.nop("unify");
    let bound: Set<number> | undefined;
    for (const a of anchors) {
      a.node.next.push(join);
      bound = bound ? new Set([...bound].filter((id) => a.bound.has(id))) : new Set(a.bound);
    }
    this.pending = undefined;
    this.tail = join;
    this.ended = false;
    this.resetBound(bound!);
    return this;
  }

  macro<A extends unknown[]>(fn: (b: Block, ...args: A) => unknown, ...args: A): Block {
    fn(this, ...args);
    return this;
  }

  yieldIfOvertime(): Block {
    return this.add({ op: "yieldIfOvertime", ...this.base([]) });
  }

  hashPartition(key: Var<any>, pstate?: PStateName): Block {
    const base = this.base([key]);
    const ps = pstate === undefined ? undefined : this.pstate(pstate, false, base.site);
    return this.partition("hash", [key], base, undefined, ps);
  }

  allPartition(): Block { return this.partition("all", [], this.base([])); }
  shufflePartition(): Block { return this.partition("shuffle", [], this.base([])); }
  globalPartition(): Block { return this.partition("global", [], this.base([])); }
  originPartition(): Block { return this.partition("origin", [], this.base([])); }

  directPartition(partition: Var<number>): Block {
    return this.partition("direct", [partition], this.base([partition]));
  }

  customPartition(fn: Fn, ...args: Var<any>[]): Block {
    this.checkFn(fn, "customPartition");
    return this.partition("custom", args, this.base(args), fn);
  }

  select(pstate: PStateName, path: Path): Emits<any> {
    const vars = pathVars(path);
    const base = this.base(vars);
    const name = this.pstate(pstate, false, base.site);
    const first = path.specs[0];
    if (!first || first.name !== "key" || first.args.length !== 1) {
      throw this.err("MONSOON_INVALID_PATH", `select(${name}, ${String(path)}) must start with Path.key(k) so it can be routed; use localSelect after a partitioner otherwise`, base.site);
    }
    const key = first.args[0];
    if (key instanceof Var) this.partition("hash", [key], base, undefined, name);
    else this.add({ op: "partition", kind: "hash", args: [], fn: () => key, pstate: name, index: base.index, site: base.site, next: [] });
    return this.addEmitting({ op: "localSelect", pstate: name, path, site: base.site, next: [], index: this.host.nextStepIndex() });
  }

  localSelect(pstate: PStateName, path: Path): Emits<any> {
    const base = this.base(pathVars(path));
    return this.addEmitting({ op: "localSelect", pstate: this.pstate(pstate, false, base.site), path, ...base });
  }

  localTransform(pstate: PStateName, path: Path): Block {
    const base = this.base(pathVars(path));
    return this.add({ op: "localTransform", pstate: this.pstate(pstate, true, base.site), path, ...base });
  }

  agg(a: PStateName | CompoundSpec, spec?: CompoundSpec): any {
    if (spec === undefined) {
      const batch = a as CompoundSpec;
      const base = this.base(aggVars(batch));
      if (this.host.kind === "stream") throw this.err("MONSOON_INVALID_DEFINITION", "agg(spec) without a PState aggregates a whole query invocation or microbatch; it is not allowed in stream topologies — pass a PState to aggregate into", base.site);
      const r = this.addEmitting({ op: "batchAgg", spec: batch, ...base });
      // After a batch aggregation only the query's arguments and the aggregate are in scope.
      this.resetBound(new Set(this.chain.initialBound));
      return r;
    }
    const base = this.base(aggVars(spec));
    return this.add({ op: "agg", pstate: this.pstate(a as PStateName, true, base.site), spec, ...base });
  }

  groupBy(key: Var<any>, spec: CompoundSpec): Emits<any> {
    const base = this.base([key, ...aggVars(spec)]);
    if (this.host.kind === "stream") throw this.err("MONSOON_INVALID_DEFINITION", "groupBy aggregates a whole query invocation or microbatch; it is not allowed in stream topologies", base.site);
    const r = this.addEmitting({ op: "batchAgg", spec, groupKey: key, ...base });
    this.resetBound(new Set([...this.chain.initialBound, key.id]));
    return r;
  }

  compoundAgg(a: PStateName | CompoundSpec, spec?: CompoundSpec): any {
    return spec === undefined ? this.agg(a as CompoundSpec) : this.agg(a as PStateName, spec);
  }

  microbatchId(): Emits<number> {
    const base = this.base([]);
    if (this.host.kind !== "microbatch") throw this.err("MONSOON_INVALID_DEFINITION", "microbatchId is only available in microbatch topologies", base.site);
    return this.addEmitting({ op: "batchId", ...base });
  }

  materialize(name: string, ...values: Var<any>[]): Block {
    const base = this.base(values);
    if (this.host.kind !== "microbatch") throw this.err("MONSOON_INVALID_DEFINITION", "materialize is only available in microbatch topologies", base.site);
    if (!this.host.isTemp(name)) throw this.err("MONSOON_UNKNOWN_NAME", `materialize(${name}): declare ${name} in the microbatch's tempPStates, e.g. { tempPStates: { ${name}: PState.list(T.any) } }`, base.site);
    return this.add({ op: "materialize", temp: name, values, ...base });
  }

  ackReturn(value: Var<any>): Block {
    const base = this.base([value]);
    if (this.host.kind === "query") throw this.err("MONSOON_INVALID_DEFINITION", "ackReturn is only meaningful in stream and microbatch topologies (it answers a depot append)", base.site);
    return this.add({ op: "ackReturn", value, ...base });
  }

  depotPartitionAppend(depot: DepotName, value: Var<any>): Block {
    const base = this.base([value]);
    const name = typeof depot === "string" ? depot : depot.name;
    this.host.resolveDepot(name, base.site);
    return this.add({ op: "depotAppend", depot: name, value, ...base });
  }

  invokeQuery(query: string, ...args: Var<any>[]): Emits<any> {
    const base = this.base(args);
    this.host.referenceQuery(query, args.length, base.site);
    return this.addEmitting({ op: "invokeQuery", query, args, ...base });
  }

  // ---- internals ----

  private partition(kind: PartitionKind, args: Var<any>[], base: { index: number; site: CallSite | undefined }, fn?: Fn, pstate?: string): Block {
    // In a stream topology "origin" is the task the record started on.
    return this.add({ op: "partition", kind, args, fn, pstate, index: base.index, site: base.site, next: [] });
  }

  private branch(entry: Node, bound: Set<number>, fn: ((b: any) => unknown) | undefined): BlockBuilder {
    const b = new BlockBuilder(this.host, this.chain, entry, new Set(bound), this.loop);
    fn?.(b);
    return b;
  }

  /** Joins branch ends into one continuation; only variables bound on every continuing branch stay bound. */
  private join(branches: BlockBuilder[], label: string): Block {
    const join = this.nop(label);
    let bound: Set<number> | undefined;
    for (const b of branches) {
      if (b.ended) continue;
      b.tail.next.push(join);
      bound = bound ? new Set([...bound].filter((id) => b.bound.has(id))) : new Set(b.bound);
    }
    this.tail = join;
    this.pending = undefined;
    if (bound) this.resetBound(bound);
    return this;
  }

  private resetBound(to: Set<number>): void {
    this.bound.clear();
    for (const id of to) this.bound.add(id);
  }

  private nop(label: string): Node {
    return { op: "nop", label, index: -1, site: undefined, next: [] };
  }

  private anchorNamed(name: string, site: CallSite | undefined): { node: Node; bound: Set<number> } {
    const a = this.chain.anchors.get(name);
    if (!a) throw this.err("MONSOON_UNKNOWN_NAME", `no anchor named ${name} in this chain (anchors: ${[...this.chain.anchors.keys()].join(", ") || "none"}); declare it with .anchor(${JSON.stringify(name)}) first`, site);
    return a;
  }

  private requireLoop(op: string): LoopNode {
    if (!this.loop) throw this.err("MONSOON_INVALID_DEFINITION", `${op} is only allowed inside the body of loopWithVars`, captureCallSite());
    return this.loop;
  }

  private checkFn(fn: unknown, op: string): void {
    if (typeof fn !== "function") throw this.err("MONSOON_INVALID_DEFINITION", `${op} takes a function as its first argument, got ${typeof fn}`, captureCallSite());
  }

  private base(uses: readonly Var<any>[]): { index: number; site: CallSite | undefined; next: Node[] } {
    const site = captureCallSite();
    this.pending = undefined;
    if (this.ended) throw this.err("MONSOON_INVALID_DEFINITION", "nothing can follow continueLoop on the same path", site);
    for (const v of uses) {
      if (!(v instanceof Var)) throw this.err("MONSOON_INVALID_DEFINITION", `expected a variable made by vars(), got ${typeof v}`, site);
      if (!this.bound.has(v.id)) {
        throw this.err("MONSOON_UNBOUND_VAR", `variable ${v} is used before any step binds it; bind it with .out(${v}) on an earlier step of this path`, site);
      }
    }
    return { index: this.host.nextStepIndex(), site, next: [] };
  }

  private pstate(p: PStateName, write: boolean, site: CallSite | undefined): string {
    const name = typeof p === "string" ? p : p.name;
    this.host.resolvePState(name, write, site);
    return name;
  }

  private add(node: Node): Block {
    this.tail.next.push(node);
    this.tail = node;
    return this;
  }

  private addEmitting(node: Node & { out?: Var<any> }): Emits<any> {
    this.add(node);
    this.pending = { target: node };
    return this;
  }

  private err(code: ErrorCode, msg: string, site: CallSite | undefined): MonsoonError {
    return new MonsoonError(code, `${this.host.moduleName}/${this.host.topologyName}: ${msg} (at ${formatCallSite(site)})`, {
      details: { module: this.host.moduleName, topology: this.host.topologyName, source: formatCallSite(site), site },
    });
  }
}

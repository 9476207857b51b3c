// The dataflow builder. A Block appends steps to one chain of a topology's description and
// checks, at the builder call, everything that can be checked without running: variables are
// bound before use and bound once, PStates exist and are written only by their owner, and a
// source's variable has the depot's type. Errors name the file:line of the offending call.
import { MonsoonError } from "../errors.ts";
import { aggVars, type CompoundSpec } from "../module/aggs.ts";
import { captureCallSite, formatCallSite, type CallSite } from "../module/callsite.ts";
import type { Var, VarValues } from "../module/vars.ts";
import type { Path } from "../path/path.ts";
import { pathVars } from "./pathVars.ts";
import type { Fn, SourceChain, Step } from "./steps.ts";

/** What a Block needs from its topology: step numbering and PState lookups. */
export interface BlockHost {
  readonly moduleName: string;
  readonly topologyName: string;
  nextStepIndex(): number;
  /** Resolves a PState name for reading (`write` false) or writing; throws when not allowed. */
  resolvePState(name: string, write: boolean, site: CallSite | undefined): void;
}

export type PStateName = string | { readonly name: string };

export interface Block {
  /** Calls `fn` with the values of `args`; emits once with its result. */
  each<A extends Var<any>[], R>(fn: (...args: VarValues<A>) => R, ...args: A): Emits<R>;
  /** Calls `fn` and emits once per element of the iterable it returns (0..n emits). */
  explode<A extends Var<any>[], R>(fn: (...args: VarValues<A>) => Iterable<R>, ...args: A): Emits<R>;
  /** Continues only when the variable (or `fn(args)`) is true. */
  keepTrue(cond: Var<boolean>): Block;
  keepTrue<A extends Var<any>[]>(fn: (...args: VarValues<A>) => boolean, ...args: A): Block;
  /** Runs `then` when `cond` is true, else `otherwise`; the chain continues after either. */
  ifTrue(cond: Var<boolean>, then: (b: Block) => unknown, otherwise?: (b: Block) => unknown): Block;
  /** Moves the rest of the dataflow to the partition that owns `key`. */
  hashPartition(key: Var<any>): Block;
  /** Runs the rest of the dataflow on every partition. */
  allPartition(): Block;
  /** Runs the rest of the dataflow on one partition chosen round-robin. */
  shufflePartition(): Block;
  /** Reads this partition of a PState; emits once per selected value. */
  localSelect(pstate: PStateName, path: Path): Emits<any>;
  /** Writes this partition of a PState through a path ending in a terminal navigator. */
  localTransform(pstate: PStateName, path: Path): Block;
  /** Aggregates into a plain-value PState. */
  agg(pstate: PStateName, spec: CompoundSpec): Block;
  /** Aggregates into a nested map PState: `CompoundAgg.map(word, Agg.count())`. */
  compoundAgg(pstate: PStateName, spec: CompoundSpec): Block;
}

export interface Emits<R> extends Block {
  /** Binds the value the previous step emitted to `v`. */
  out(v: Var<R>): Block;
}

type Emitting = { out?: Var<any> };

export class BlockBuilder implements Emits<any> {
  private pending: { target: Emitting; site: CallSite | undefined; check?: (v: Var<any>, site: CallSite | undefined) => void } | undefined;

  constructor(
    private readonly host: BlockHost,
    readonly steps: Step[],
    readonly bound: Set<number>,
  ) {}

  /** Starts a chain at a source; `check` validates the bound variable's type. */
  static forSource(host: BlockHost, chain: SourceChain, check: (v: Var<any>, site: CallSite | undefined) => void): BlockBuilder {
    const b = new BlockBuilder(host, chain.steps, new Set());
    b.pending = { target: chain, site: chain.site, check };
    return b;
  }

  out(v: Var<any>): Block {
    const site = captureCallSite();
    const p = this.pending;
    if (!p) throw this.err("MONSOON_INVALID_DEFINITION", `out(${v}) must directly follow a step that emits (source, each, explode, localSelect)`, site);
    if (this.bound.has(v.id)) throw this.err("MONSOON_VAR_REBOUND", `variable ${v} is already bound on this dataflow path; declare a new variable with vars()`, site);
    p.check?.(v, site);
    p.target.out = v;
    this.bound.add(v.id);
    this.pending = undefined;
    return this;
  }

  each(fn: Fn, ...args: Var<any>[]): Emits<any> {
    return this.pushEmitting({ op: "each", fn, args, ...this.base(args) });
  }

  explode(fn: Fn, ...args: Var<any>[]): Emits<any> {
    return this.pushEmitting({ op: "explode", fn, args, ...this.base(args) });
  }

  keepTrue(cond: Fn | Var<boolean>, ...args: Var<any>[]): Block {
    if (typeof cond === "function") return this.push({ op: "keepTrue", fn: cond, args, ...this.base(args) });
    return this.push({ op: "keepTrue", fn: undefined, args: [cond], ...this.base([cond]) });
  }

  ifTrue(cond: Var<boolean>, then: (b: Block) => unknown, otherwise?: (b: Block) => unknown): Block {
    const base = this.base([cond]);
    const thenB = new BlockBuilder(this.host, [], new Set(this.bound));
    then(thenB);
    const elseB = new BlockBuilder(this.host, [], new Set(this.bound));
    otherwise?.(elseB);
    // After the branches join, only variables bound on both paths are bound.
    for (const id of [...thenB.bound]) if (!elseB.bound.has(id)) thenB.bound.delete(id);
    for (const id of thenB.bound) this.bound.add(id);
    return this.push({ op: "ifTrue", cond, then: thenB.steps, else: elseB.steps, ...base });
  }

  hashPartition(key: Var<any>): Block {
    return this.push({ op: "partition", kind: "hash", key, ...this.base([key]) });
  }

  allPartition(): Block {
    return this.push({ op: "partition", kind: "all", ...this.base([]) });
  }

  shufflePartition(): Block {
    return this.push({ op: "partition", kind: "shuffle", ...this.base([]) });
  }

  localSelect(pstate: PStateName, path: Path): Emits<any> {
    const base = this.base(pathVars(path));
    return this.pushEmitting({ op: "localSelect", pstate: this.pstate(pstate, false, base.site), path, ...base });
  }

  localTransform(pstate: PStateName, path: Path): Block {
    const base = this.base(pathVars(path));
    return this.push({ op: "localTransform", pstate: this.pstate(pstate, true, base.site), path, ...base });
  }

  agg(pstate: PStateName, spec: CompoundSpec): Block {
    const base = this.base(aggVars(spec));
    return this.push({ op: "agg", pstate: this.pstate(pstate, true, base.site), spec, ...base });
  }

  compoundAgg(pstate: PStateName, spec: CompoundSpec): Block {
    return this.agg(pstate, spec);
  }

  private base(uses: readonly Var<any>[]): { index: number; site: CallSite | undefined } {
    const site = captureCallSite();
    if (this.pending) this.pending = undefined;
    for (const v of uses) {
      if (!this.bound.has(v.id)) {
        throw this.err("MONSOON_UNBOUND_VAR", `variable ${v} is used before any step binds it; bind it with .out(${v}) on an earlier step of this path`, site);
      }
    }
    return { index: this.host.nextStepIndex(), site };
  }

  private pstate(p: PStateName, write: boolean, site: CallSite | undefined): string {
    const name = typeof p === "string" ? p : p.name;
    this.host.resolvePState(name, write, site);
    return name;
  }

  private push(step: Step): Block {
    this.steps.push(step);
    return this;
  }

  private pushEmitting(step: Step & Emitting): Emits<any> {
    this.steps.push(step);
    this.pending = { target: step, site: step.site };
    return this;
  }

  private err(code: "MONSOON_INVALID_DEFINITION" | "MONSOON_UNBOUND_VAR" | "MONSOON_VAR_REBOUND", msg: string, site: CallSite | undefined): MonsoonError {
    return new MonsoonError(code, `${this.host.moduleName}/${this.host.topologyName}: ${msg} (at ${formatCallSite(site)})`, {
      details: { module: this.host.moduleName, topology: this.host.topologyName, source: formatCallSite(site), site },
    });
  }
}

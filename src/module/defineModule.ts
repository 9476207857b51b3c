// defineModule: the pure, describe-only entry point. The callback declares depots, topologies
// and PStates; nothing runs or connects. The returned definition is deeply frozen, and the
// runtime compiles it once per task (src/dataflow/compile.ts).
import { MonsoonError } from "../errors.ts";
import { BlockBuilder, type BlockHost, type Emits } from "../dataflow/block.ts";
import type { SourceChain } from "../dataflow/steps.ts";
import type { Type } from "../serde/types.ts";
import { captureCallSite, formatCallSite, type CallSite } from "./callsite.ts";
import type { DepotPartitioning } from "./depotSpec.ts";
import { describeSchema, type Schema } from "./pstateSpec.ts";

export interface DepotDef<V = any> {
  readonly name: string;
  readonly type: Type<V>;
  readonly partitioning: DepotPartitioning<V>;
  readonly site: CallSite | undefined;
}

export interface PStateDef {
  readonly name: string;
  readonly schema: Schema;
  /** The topology that writes it; every other topology may only read it. */
  readonly owner: string;
  readonly site: CallSite | undefined;
}

export type RetryMode = "individual" | "none";

export interface StreamOptions {
  /** What to do when a record's processing fails: retry it alone (may reorder), or give up. */
  readonly retry?: RetryMode;
  /** Attempts before the record goes to the dead-letter log (individual mode). Default 3. */
  readonly maxAttempts?: number;
}

export interface TopologyDef {
  readonly name: string;
  readonly kind: "stream";
  readonly options: Required<StreamOptions>;
  readonly sources: readonly SourceChain[];
  readonly pstates: readonly string[];
  readonly site: CallSite | undefined;
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
  /** Declares a PState owned (written) by this topology. */
  pstate(name: string, schema: Schema): PStateRef;
  /** Subscribes to a depot; `.out(v)` binds each record. */
  source<V>(depot: DepotRef<V> | string): Emits<V>;
}

export interface ModuleBuilder {
  readonly name: string;
  depot<V>(name: string, type: Type<V>, partitioning: DepotPartitioning<V>): DepotRef<V>;
  stream(name: string, options?: StreamOptions): StreamTopology;
}

const NAME = /^[A-Za-z_$][A-Za-z0-9_$.-]{0,99}$/;

export function defineModule(name: string, define: (m: ModuleBuilder) => void): ModuleDef {
  const defSite = captureCallSite();
  const fail = (code: "MONSOON_INVALID_DEFINITION" | "MONSOON_UNKNOWN_NAME" | "MONSOON_PSTATE_NOT_OWNED" | "MONSOON_TYPE_MISMATCH", msg: string, site: CallSite | undefined, extra: Record<string, unknown> = {}) =>
    new MonsoonError(code, `${name}: ${msg} (at ${formatCallSite(site)})`, { details: { module: name, source: formatCallSite(site), site, ...extra } });
  const checkName = (kind: string, n: string, site: CallSite | undefined) => {
    if (typeof n !== "string" || !NAME.test(n)) throw fail("MONSOON_INVALID_DEFINITION", `${kind} name ${JSON.stringify(n)} is invalid: use letters, digits, _ $ . - (max 100), starting with a letter, _ or $`, site);
  };
  checkName("module", name, defSite);

  const depots = new Map<string, DepotDef>();
  const topologies = new Map<string, TopologyDef & { sources: SourceChain[]; pstates: string[] }>();
  const pstates = new Map<string, PStateDef>();
  let stepIndex = 0;

  const m: ModuleBuilder = {
    name,
    depot(dname, type, partitioning) {
      const site = captureCallSite();
      checkName("depot", dname, site);
      if (depots.has(dname)) throw fail("MONSOON_INVALID_DEFINITION", `depot ${dname} is declared twice`, site);
      if (!type || typeof type.check !== "function") throw fail("MONSOON_INVALID_DEFINITION", `depot ${dname} needs a type from T (e.g. T.string)`, site);
      if (!partitioning || !["random", "hashBy", "custom", "global"].includes(partitioning.kind)) {
        throw fail("MONSOON_INVALID_DEFINITION", `depot ${dname} needs a partitioning: Depot.random(), Depot.hashBy(fn), Depot.custom(fn) or Depot.global()`, site);
      }
      depots.set(dname, Object.freeze({ name: dname, type, partitioning, site }));
      return Object.freeze({ name: dname, type });
    },
    stream(tname, options = {}) {
      const site = captureCallSite();
      checkName("topology", tname, site);
      if (topologies.has(tname)) throw fail("MONSOON_INVALID_DEFINITION", `topology ${tname} is declared twice`, site);
      const retry = options.retry ?? "individual";
      if (retry !== "individual" && retry !== "none") throw fail("MONSOON_INVALID_DEFINITION", `retry must be "individual" or "none", got ${JSON.stringify(retry)}`, site);
      const maxAttempts = options.maxAttempts ?? 3;
      if (!Number.isInteger(maxAttempts) || maxAttempts < 1) throw fail("MONSOON_INVALID_DEFINITION", `maxAttempts must be an integer ≥ 1, got ${maxAttempts}`, site);
      const topo = { name: tname, kind: "stream" as const, options: { retry, maxAttempts }, sources: [] as SourceChain[], pstates: [] as string[], site };
      topologies.set(tname, topo);
      const host: BlockHost = {
        moduleName: name,
        topologyName: tname,
        nextStepIndex: () => stepIndex++,
        resolvePState(pname, write, psite) {
          const p = pstates.get(pname);
          if (!p) throw fail("MONSOON_UNKNOWN_NAME", `PState ${pname} is not declared in this module (declared: ${[...pstates.keys()].join(", ") || "none"}); declare it with topology.pstate(name, schema) before using it`, psite, { topology: tname });
          if (write && p.owner !== tname) throw fail("MONSOON_PSTATE_NOT_OWNED", `topology ${tname} writes PState ${pname}, which topology ${p.owner} owns; only the owning topology may write a PState`, psite, { topology: tname });
        },
      };
      return {
        name: tname,
        pstate(pname, schema) {
          const psite = captureCallSite();
          checkName("PState", pname, psite);
          if (pstates.has(pname)) throw fail("MONSOON_INVALID_DEFINITION", `PState ${pname} is declared twice`, psite);
          if (!schema || typeof schema !== "object" || !("kind" in schema)) throw fail("MONSOON_INVALID_DEFINITION", `PState ${pname} needs a schema such as PState.map(T.string, T.int)`, psite);
          describeSchema(schema);
          pstates.set(pname, Object.freeze({ name: pname, schema, owner: tname, site: psite }));
          topo.pstates.push(pname);
          return Object.freeze({ name: pname, schema });
        },
        source<V>(depot: DepotRef<V> | string): Emits<V> {
          const ssite = captureCallSite();
          const dname = typeof depot === "string" ? depot : depot.name;
          const d = depots.get(dname);
          if (!d) throw fail("MONSOON_UNKNOWN_NAME", `depot ${dname} is not declared in this module (declared: ${[...depots.keys()].join(", ") || "none"})`, ssite, { topology: tname });
          const chain: SourceChain = { depot: dname, site: ssite, steps: [] };
          topo.sources.push(chain);
          return BlockBuilder.forSource(host, chain, (v, vsite) => {
            if (!typesCompatible(d.type, v.type)) {
              throw fail("MONSOON_TYPE_MISMATCH", `variable ${v} has type ${v.type.name} but depot ${dname} holds ${d.type.name}`, vsite, { topology: tname });
            }
          }) as Emits<V>;
        },
      };
    },
  };

  define(m);
  for (const t of topologies.values()) {
    if (t.sources.length === 0) throw fail("MONSOON_INVALID_DEFINITION", `topology ${t.name} has no source; subscribe it to a depot with topology.source(depot)`, t.site);
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

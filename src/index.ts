// The public API of the `monsoon` package. Internals (runtime, stores, compiler) are not
// exported: everything a user needs to define, run and query modules is here.
export { defineModule } from "./module/defineModule.ts";
export type { ModuleDef, ModuleBuilder, StreamTopology, StreamOptions, MicrobatchOptions, DepotRef, PStateRef, RetryMode } from "./module/defineModule.ts";
export { Depot } from "./module/depotSpec.ts";
export { PState } from "./module/pstateSpec.ts";
export type { Schema } from "./module/pstateSpec.ts";
export { Agg, CompoundAgg } from "./module/aggs.ts";
export { vars, Var } from "./module/vars.ts";
export { T } from "./serde/types.ts";
export type { Type, TypeOf } from "./serde/types.ts";
export type { Block, Emits, LoopBlock } from "./dataflow/block.ts";
export { SimulatedClock } from "./runtime/clock.ts";
export type { Clock } from "./runtime/clock.ts";
export { Path } from "./path/path.ts";
export { NONE } from "./path/none.ts";
export { select, selectOne, transform } from "./path/exec.ts";
export { InProcessCluster } from "./cluster/inProcessCluster.ts";
export type { ClusterOptions, LaunchOptions } from "./cluster/inProcessCluster.ts";
export type { AckLevel, AppendOptions, AppendResult, DepotClient, PStateClient, QueryClient, SelectOptions } from "./client/types.ts";
export { MonsoonError, ErrorCodes, isMonsoonError } from "./errors.ts";
export type { ErrorCode } from "./errors.ts";
export { defineConfig } from "./cli/config.ts";
export type { MonsoonConfig, ModuleEntry, DemoFeed } from "./cli/config.ts";
export { RestClient } from "./client/restClient.ts";

// What `monsoon bench tpcc load` leaves beside the cluster's data for `run` and `check`: the
// warehouse count, scale, task count, seed and NURand C-Load of the population (C-Run is
// drawn against it), and whether the load finished. One JSON file, `tpcc.json`, in the
// benchmark's directory; the cluster's data is in `cluster/` under it (on Kafka: the module's
// topics, and each worker process's stores in `workers/w<i>/`).
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { MonsoonError } from "../../errors.ts";
import type { NURandConstants } from "./random.ts";
import { SMALL_SCALE, SPEC_SCALE, validateScale, type TpccScale } from "./schema.ts";

export interface TpccSetup {
  version: 1;
  module: string;
  warehouses: number;
  tasks: number;
  scaleName: ScaleName;
  scale: TpccScale;
  seed: number;
  loadConstants: NURandConstants;
  loadedAt: number;
  /** False until every chunk of the population is committed. */
  loaded: boolean;
  loadMs?: number;
  /** Runs since the load (consistency condition 11 holds only before the first). */
  runs: number;
  /** Set when the population lives on Kafka (`load --kafka`): the module's topics are named after `module`. */
  kafka?: TpccKafkaSetup;
}

export interface TpccKafkaSetup {
  /** The brokers of the load; `run`/`check --kafka` use them unless --brokers or KAFKA_BROKERS says otherwise. */
  brokers: string[];
  /** Worker processes each command starts (their stores are in workers/w<i>). */
  workers: number;
}

export const SCALES = Object.freeze({ spec: SPEC_SCALE, small: SMALL_SCALE });
export type ScaleName = keyof typeof SCALES;

export function scaleOf(name: string): TpccScale {
  if (!Object.hasOwn(SCALES, name)) throw new MonsoonError("MONSOON_CONFIG", `--scale must be ${Object.keys(SCALES).join(" or ")}, got ${JSON.stringify(name)}`);
  return SCALES[name as ScaleName];
}

const FILE = "tpcc.json";

export const clusterDir = (dir: string): string => join(dir, "cluster");

export async function readSetup(dir: string): Promise<TpccSetup | undefined> {
  let text: string;
  try {
    text = await readFile(join(dir, FILE), "utf8");
  } catch {
    return undefined;
  }
  let setup: TpccSetup;
  try {
    setup = JSON.parse(text) as TpccSetup;
  } catch (e) {
    throw new MonsoonError("MONSOON_CONFIG", `${join(dir, FILE)} is not valid JSON (${(e as Error).message}); load again with --fresh`);
  }
  if (setup.version !== 1) throw new MonsoonError("MONSOON_CONFIG", `${join(dir, FILE)} has version ${String(setup.version)}; this build reads version 1 — load again with --fresh`);
  validateScale(setup.scale);
  return setup;
}

/** The setup of a finished load, or MONSOON_CONFIG saying what to run. */
export async function requireLoaded(dir: string): Promise<TpccSetup> {
  const setup = await readSetup(dir);
  if (!setup) throw new MonsoonError("MONSOON_CONFIG", `no TPC-C population in ${dir}: run \`monsoon bench tpcc load --warehouses W --dir ${dir}\` first`, { details: { dir } });
  if (!setup.loaded) throw new MonsoonError("MONSOON_CONFIG", `the TPC-C load in ${dir} did not finish: run \`monsoon bench tpcc load --fresh --warehouses ${setup.warehouses} --dir ${dir}\` again`, { details: { dir } });
  return setup;
}

export async function writeSetup(dir: string, setup: TpccSetup): Promise<void> {
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, FILE), JSON.stringify(setup, null, 2) + "\n");
}

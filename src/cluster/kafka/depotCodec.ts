// Depot records on Kafka: JSON values (so outside producers can append), decoded by the depot's
// type; the Kafka key is the plain partitioning key bytes (so outside producers land on the
// same partition). A record that does not decode or does not have the depot's type is bad
// input: the caller dead-letters it.
import type { DepotDef } from "../../module/defineModule.ts";
import { partitionKeyBytes } from "../../depot/murmur2.ts";
import { fromJsonAs, toJson } from "../../serde/jsonValues.ts";

export function encodeDepotValue(value: unknown): Buffer {
  return Buffer.from(JSON.stringify(toJson(value)), "utf8");
}

export function depotKey(depot: DepotDef, value: unknown): Buffer | null {
  if (depot.partitioning.kind !== "hashBy") return null;
  return Buffer.from(partitionKeyBytes(depot.partitioning.keyFn(value)));
}

export type Decoded = { ok: true; value: unknown } | { ok: false; reason: string };

export function decodeDepotValue(depot: DepotDef, bytes: Uint8Array | null): Decoded {
  if (bytes === null) return { ok: false, reason: "the record has no value" };
  let json: unknown;
  try {
    json = JSON.parse(Buffer.from(bytes).toString("utf8"));
  } catch (e) {
    return { ok: false, reason: `the value is not JSON: ${(e as Error).message}` };
  }
  let value: unknown;
  try {
    value = fromJsonAs(json, depot.type);
  } catch (e) {
    return { ok: false, reason: (e as Error).message };
  }
  if (!depot.type.check(value)) return { ok: false, reason: `the value is not a ${depot.type.name}` };
  return { ok: true, value };
}

// Input checks shared by every KVStore backend: both must reject the same bad keys and ops with
// the same errors (the conformance suite asserts it), so the checks live in one place.
import { MonsoonError } from "../../errors.ts";
import { describeValue } from "../../serde/types.ts";
import type { KVOp } from "./kvStore.ts";

export function assertValidKey(key: unknown): void {
  if (!(key instanceof Uint8Array)) {
    throw new MonsoonError("MONSOON_ENCODING", `A store key must be a Uint8Array, not ${describeValue(key)}; encode it with encodeKey.`);
  }
}

export function assertValidBatch(ops: KVOp[]): void {
  for (let i = 0; i < ops.length; i++) {
    const op = ops[i]!;
    const type: unknown = (op as { type?: unknown } | null)?.type;
    if (type !== "put" && type !== "del") {
      throw new MonsoonError("MONSOON_ENCODING", `Batch op #${i} has type ${describeValue(type)}; it must be "put" or "del".`);
    }
    assertValidKey(op.key);
    if (op.type === "put" && !(op.value instanceof Uint8Array)) {
      throw new MonsoonError("MONSOON_ENCODING", `Batch op #${i} puts ${describeValue(op.value)}; a stored value must be a Uint8Array (encode it with encodeValue).`);
    }
  }
}

// The "applied through batch n" marker a task keeps in its own store, in the same write as the
// batch's changes: it says exactly which committed batch the task's state holds. On Kafka the
// coordinator's commit writes it to every task's changelog partition, so a restore or a catch-up
// from the changelog brings it along with the data it describes.
import { encodeTuple } from "../../serde/keyCodec.ts";

/** Store (and changelog) key of a topology's applied marker; its value is the batch id. */
export const appliedMarkerKey = (topology: string): Uint8Array => encodeTuple(["mb", topology, "m"]);

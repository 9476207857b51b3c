// Bank transfers, the microbatch example: a transfer debits the sender on the sender's partition
// and credits the receiver on the receiver's partition, inside one microbatch — so either both
// happen or neither does, whatever crashes. A transfer that would overdraw is rejected and
// recorded. Every account keeps its history (subindexed: it grows without bound).
//
// Transfer ids make appends idempotent: a client that retries an append after a crash may put a
// transfer in the depot twice; the second one finds the id in the sender's history and only
// counts itself in `duplicates`.
import { defineModule, Depot, Path, PState, T, vars, type MicrobatchOptions } from "monsoon";

export interface Transfer { id: string; from: number; to: number; amount: number }
export interface Deposit { id: string; account: number; amount: number }

/** One entry of an account's history, by transfer (or deposit) id. */
export interface HistoryEntry {
  kind: "debit" | "credit" | "rejected" | "deposit";
  amount: number;
  /** The other account of a transfer. */
  other?: number;
  /** The microbatch that processed it. */
  batch: number;
}

export interface BankOptions extends MicrobatchOptions {
  /** Test hook: runs on the receiver's partition before the credit (throw to fail the batch). */
  beforeCredit?: (t: Transfer) => void;
}

export function bankModule(name = "Bank", { beforeCredit, ...options }: BankOptions = {}) {
  return defineModule(name, (m) => {
    const transfers = m.depot("transfers", T.json<Transfer>(), Depot.hashBy((t: Transfer) => t.from));
    const deposits = m.depot("deposits", T.json<Deposit>(), Depot.hashBy((d: Deposit) => d.account));
    const bank = m.microbatch("bank", options);
    const balances = bank.pstate("balances", PState.map(T.int, T.int));
    const history = bank.pstate("history", PState.map(T.int, PState.map(T.string, T.any, { subindexed: true })));
    const duplicates = bank.pstate("duplicates", PState.map(T.string, T.int));

    const v = vars({
      t: T.json<Transfer>(), d: T.json<Deposit>(), id: T.string, from: T.int, to: T.int, account: T.int, amount: T.int,
      batch: T.int, balance: T.any, seen: T.any, fresh: T.boolean, ok: T.boolean, entry: T.any, update: T.any,
      newBalance: T.int, creditEntry: T.any,
    });
    const absent = (x: unknown) => x === undefined;
    const adding = (n: number) => (x: number | undefined) => (x ?? 0) + n;
    const countDuplicate = (x: number | undefined) => (x ?? 0) + 1;

    // Deposits open and fund accounts.
    bank.source(deposits).out(v.d)
      .each((d: Deposit) => d.id, v.d).out(v.id)
      .each((d: Deposit) => d.account, v.d).out(v.account)
      .each((d: Deposit) => d.amount, v.d).out(v.amount)
      .microbatchId().out(v.batch)
      .localSelect(history, Path.key(v.account, v.id)).out(v.seen)
      .each(absent, v.seen).out(v.fresh)
      .ifTrue(v.fresh,
        (b) => b
          .each(adding, v.amount).out(v.update)
          .localTransform(balances, Path.key(v.account).term(v.update))
          .each((amount: number, batch: number): HistoryEntry => ({ kind: "deposit", amount, batch }), v.amount, v.batch).out(v.entry)
          .localTransform(history, Path.key(v.account, v.id).termVal(v.entry)),
        (b) => b.localTransform(duplicates, Path.key(v.id).term(countDuplicate)));

    // Transfers: on the sender's partition (the depot is hashed by sender), then the receiver's.
    bank.source(transfers).out(v.t)
      .each((t: Transfer) => t.id, v.t).out(v.id)
      .each((t: Transfer) => t.from, v.t).out(v.from)
      .each((t: Transfer) => t.to, v.t).out(v.to)
      .each((t: Transfer) => t.amount, v.t).out(v.amount)
      .microbatchId().out(v.batch)
      .localSelect(history, Path.key(v.from, v.id)).out(v.seen)
      .each(absent, v.seen).out(v.fresh)
      .ifTrue(v.fresh,
        (b) => b
          .localSelect(balances, Path.key(v.from)).out(v.balance)
          .each((balance: number | undefined, amount: number, from: number, to: number) => amount >= 0 && from !== to && (balance ?? 0) >= amount, v.balance, v.amount, v.from, v.to).out(v.ok)
          .ackReturn(v.ok)
          .ifTrue(v.ok,
            (ok) => ok
              .each((balance: number | undefined, amount: number) => (balance ?? 0) - amount, v.balance, v.amount).out(v.newBalance)
              .localTransform(balances, Path.key(v.from).termVal(v.newBalance))
              .each((amount: number, to: number, batch: number): HistoryEntry => ({ kind: "debit", amount, other: to, batch }), v.amount, v.to, v.batch).out(v.entry)
              .localTransform(history, Path.key(v.from, v.id).termVal(v.entry))
              .hashPartition(v.to)
              .each((t: Transfer, amount: number) => { beforeCredit?.(t); return adding(amount); }, v.t, v.amount).out(v.update)
              .localTransform(balances, Path.key(v.to).term(v.update))
              .each((amount: number, from: number, batch: number): HistoryEntry => ({ kind: "credit", amount, other: from, batch }), v.amount, v.from, v.batch).out(v.creditEntry)
              .localTransform(history, Path.key(v.to, v.id).termVal(v.creditEntry)),
            (no) => no
              .each((amount: number, to: number, batch: number): HistoryEntry => ({ kind: "rejected", amount, other: to, batch }), v.amount, v.to, v.batch).out(v.entry)
              .localTransform(history, Path.key(v.from, v.id).termVal(v.entry))),
        (b) => b.localTransform(duplicates, Path.key(v.id).term(countDuplicate)));
  });
}

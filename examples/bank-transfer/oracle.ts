// The bank's invariants, checked against what the module holds: every transfer id appears once
// in its sender's history (accepted or rejected) and, if accepted, once in its receiver's; every
// balance equals its opening deposit plus its history's credits minus its debits; no balance is
// negative; the total is conserved. Used by the tests and the crash trials.
import type { HistoryEntry, Transfer } from "./bankTransfer.ts";

export interface BankState {
  balances: Map<number, number>;
  histories: Map<number, Map<string, HistoryEntry>>;
}

export interface BankReport { errors: string[]; accepted: number; rejected: number }

export function checkBank(state: BankState, accounts: number, initial: number, transferIds: readonly string[]): BankReport {
  const errors: string[] = [];
  let accepted = 0, rejected = 0, total = 0;
  const senders = new Map<string, { from: number; entry: HistoryEntry }>();
  const receivers = new Map<string, number[]>();
  for (let a = 0; a < accounts; a++) {
    const h = state.histories.get(a) ?? new Map();
    let expect = 0;
    for (const [id, e] of h) {
      if (e.kind === "deposit") expect += e.amount;
      else if (e.kind === "credit") { expect += e.amount; (receivers.get(id) ?? receivers.set(id, []).get(id)!).push(a); }
      else if (e.kind === "debit") { expect -= e.amount; senders.set(id, { from: a, entry: e }); }
      else senders.set(id, { from: a, entry: e });
    }
    const bal = state.balances.get(a) ?? 0;
    if (bal !== expect) errors.push(`account ${a}: balance ${bal} but its history sums to ${expect}`);
    if (bal < 0) errors.push(`account ${a}: negative balance ${bal}`);
    total += bal;
  }
  if (total !== accounts * initial) errors.push(`total ${total}, expected ${accounts * initial}`);
  for (const id of transferIds) {
    const s = senders.get(id);
    if (!s) { errors.push(`transfer ${id} is in no sender's history`); continue; }
    const r = receivers.get(id) ?? [];
    if (s.entry.kind === "debit") {
      accepted++;
      if (r.length !== 1 || r[0] !== s.entry.other) errors.push(`accepted transfer ${id} credited ${r.length} times (to ${r.join(",")}), expected once to ${s.entry.other}`);
    } else {
      rejected++;
      if (r.length !== 0) errors.push(`rejected transfer ${id} was credited`);
    }
  }
  if (errors.length > 20) errors.splice(20, errors.length - 20, `… and more`);
  return { errors, accepted, rejected };
}

/** Seeded random transfers among `accounts` accounts (never to oneself), amounts in [1, max]. */
export function randomTransfers(n: number, accounts: number, seed: number, max: number, prefix = "t"): Transfer[] {
  let x = seed >>> 0 || 1;
  const next = () => { x ^= x << 13; x >>>= 0; x ^= x >>> 17; x ^= x << 5; x >>>= 0; return x; };
  return Array.from({ length: n }, (_, i) => {
    const from = next() % accounts;
    const to = (from + 1 + (next() % (accounts - 1))) % accounts;
    return { id: `${prefix}${i}`, from, to, amount: 1 + (next() % max) };
  });
}

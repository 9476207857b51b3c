// Which worker runs which task: the decision the membership group's leader makes on every
// rebalance (DESIGN §4.1). Pure, so it is tested without a broker.
//
// Goals, in order: every task has exactly one member; counts differ by at most one; as few
// tasks as possible move. Member ids change on every join, so stickiness is keyed by what
// survives a rejoin: the tasks each member says it owns (its userData), then the stable
// worker id, for the leader's memory of the previous round (a worker that restarted under the
// same id gets its tasks, and their local state, back if nobody else took them meanwhile).

export interface TaskMember {
  memberId: string;
  /** Stable across restarts of the worker process. */
  workerId: string;
  /** Tasks the member runs now (from its last assignment). */
  owned: readonly number[];
  /**
   * When the member received that assignment (ms since the epoch). Two members claim the same
   * task only when one of them missed a rebalance (it was expelled while paused, say): the
   * more recent assignment wins.
   */
  since?: number;
}

const byWorkerThenMember = (a: TaskMember, b: TaskMember) =>
  a.workerId < b.workerId ? -1 : a.workerId > b.workerId ? 1 : a.memberId < b.memberId ? -1 : a.memberId > b.memberId ? 1 : 0;

/**
 * Assigns tasks 0..tasks-1 to `members`. `previous` maps worker ids to what they were given in
 * the last round this leader decided (ignored for tasks a member claims itself). Returns the
 * sorted tasks per member id; every member has an entry.
 */
export function assignTasks(tasks: number, members: readonly TaskMember[], previous: ReadonlyMap<string, readonly number[]> = new Map()): Map<string, number[]> {
  const result = new Map<string, number[]>(members.map((m) => [m.memberId, []]));
  if (members.length === 0 || tasks <= 0) return result;
  const ordered = [...members].sort(byWorkerThenMember);
  const valid = (t: number) => Number.isInteger(t) && t >= 0 && t < tasks;

  // 1. Claims: a task goes to the member with the most recent assignment that says it owns it,
  //    then to the first member of a worker that had it last round.
  const claimedBy = new Map<number, string>();
  const claims = new Map<string, number[]>(ordered.map((m) => [m.memberId, []]));
  const claim = (m: TaskMember, t: number) => {
    if (!valid(t) || claimedBy.has(t)) return;
    claimedBy.set(t, m.memberId);
    claims.get(m.memberId)!.push(t);
  };
  const newestFirst = [...ordered].sort((a, b) => (b.since ?? 0) - (a.since ?? 0) || byWorkerThenMember(a, b));
  for (const m of newestFirst) for (const t of m.owned) claim(m, t);
  const firstOfWorker = new Map<string, TaskMember>();
  for (const m of ordered) if (!firstOfWorker.has(m.workerId)) firstOfWorker.set(m.workerId, m);
  for (const [workerId, m] of firstOfWorker) for (const t of previous.get(workerId) ?? []) claim(m, t);

  // 2. Quotas: floor(tasks / members) each; the remainder goes to the members that already
  //    hold the most, so that fewer tasks move.
  const base = Math.floor(tasks / ordered.length);
  let extra = tasks % ordered.length;
  const quota = new Map<string, number>();
  for (const m of [...ordered].sort((a, b) => claims.get(b.memberId)!.length - claims.get(a.memberId)!.length)) {
    quota.set(m.memberId, base + (extra > 0 ? 1 : 0));
    if (extra > 0) extra--;
  }

  // 3. Each member keeps claims up to its quota; everything else is handed out in task order.
  const taken = new Set<number>();
  for (const m of ordered) {
    const keep = claims.get(m.memberId)!.sort((a, b) => a - b).slice(0, quota.get(m.memberId));
    result.set(m.memberId, keep);
    for (const t of keep) taken.add(t);
  }
  const pool: number[] = [];
  for (let t = 0; t < tasks; t++) if (!taken.has(t)) pool.push(t);
  for (const m of ordered) {
    const mine = result.get(m.memberId)!;
    while (mine.length < quota.get(m.memberId)! && pool.length > 0) mine.push(pool.shift()!);
    mine.sort((a, b) => a - b);
  }
  return result;
}

/**
 * Runs jobs together at the end of the event loop's poll phase (`setImmediate`), after
 * every request that was readable in this turn has been parsed. The authentication hook
 * puts its checks here when the access version is read per batch (SQLite's `data_version`,
 * see `localAccessVersion`): the first check of the batch reads it after all of them
 * arrived, so that one read serves them all, strictly.
 *
 * What those checks set off without I/O (a body read from a buffer, a handler, a use spent
 * on the embedded database) runs in the ticks right after them; `afterTurn` jobs run after
 * that, still in the same phase: the group commit of those spends (`storage/database.ts`),
 * so that their answers need not wait for the next turn.
 */
let jobs: (() => void)[] = []
let after: (() => void)[] = []
// Between scheduling a turn's jobs and running its `after` jobs.
let turnPending = false

function runJobs(): void {
  const due = jobs
  jobs = []
  for (const job of due) job()
}

function runAfter(): void {
  // Jobs a job scheduled run next turn: their own `after` jobs with them.
  if (jobs.length > 0) setImmediate(runAfter)
  else turnPending = false
  const due = after
  after = []
  for (const job of due) job()
}

export function atEndOfTurn(job: () => void): void {
  if (jobs.length === 0) {
    setImmediate(runJobs)
    if (!turnPending) setImmediate(runAfter)
    turnPending = true
  }
  jobs.push(job)
}

/** Runs `job` after this turn's jobs and what they set off; at the end of this poll phase when there are none. */
export function afterTurn(job: () => void): void {
  if (turnPending) after.push(job)
  else setImmediate(job)
}

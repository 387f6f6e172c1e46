/**
 * Runs jobs together at the end of the event loop's poll phase (`setImmediate`), after
 * every request that was readable in this turn has been parsed. The authentication hook
 * puts its checks here when the access version is read per batch (SQLite's `data_version`,
 * see `localAccessVersion`): the first check of the batch reads it after all of them
 * arrived, so that one read serves them all, strictly.
 */
let jobs: (() => void)[] = []

function runJobs(): void {
  const due = jobs
  jobs = []
  for (const job of due) job()
}

export function atEndOfTurn(job: () => void): void {
  if (jobs.length === 0) setImmediate(runJobs)
  jobs.push(job)
}

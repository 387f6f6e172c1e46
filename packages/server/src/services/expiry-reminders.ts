import { isoAt, type Clock } from '../clock.js'
import type { Storage } from '../storage/index.js'

import type { EventOutbox } from './events.js'

const DAY_MS = 86_400_000
/** Credentials looked at per run; the soonest to expire first, the rest on the next run. */
const BATCH = 1000
/**
 * How long after its expiry a credential still gets `*.expired` (a server down that long
 * catches up). Older ones never do: turning reminders on for an existing deployment must not
 * announce every credential that expired in years past.
 */
const EXPIRED_CATCH_UP_MS = 7 * DAY_MS

export interface ExpiryReminderDependencies {
  readonly storage: Storage
  readonly clock: Clock
  readonly outbox: EventOutbox
  /** Days before expiry to remind at, largest first (`BRANDWAVE_EXPIRY_REMINDER_DAYS`). */
  readonly reminderDays: readonly number[]
}

/**
 * `*.expiring` before a credential expires and `*.expired` when it has (SPEC §10). Each
 * reminder is claimed by a row keyed on (credential, days) in the transaction that writes
 * its event, so however many instances run this, each goes out once. A credential that
 * reaches a later stage before an earlier one was sent (created 5 days before it expires,
 * or a server that was down) gets only the latest: "30 days left" would be wrong by then.
 */
export class ExpiryReminders {
  constructor(private readonly deps: ExpiryReminderDependencies) {}

  /** Sends what is due now; returns how many events it wrote. */
  async run(): Promise<number> {
    const { storage, clock, outbox, reminderDays } = this.deps
    const now = clock.now()
    const horizon = isoAt(now + (reminderDays[0] ?? 0) * DAY_MS)
    const candidates = await storage.events.expiringCredentials(isoAt(now - EXPIRED_CATCH_UP_MS), horizon, BATCH)
    let written = 0
    for (const { credential, sent } of candidates) {
      const expiresAt = Date.parse(credential.expiresAt ?? '')
      const stage = expiresAt <= now ? 0 : reminderDays.filter((days) => now >= expiresAt - days * DAY_MS).at(-1)
      if (stage === undefined || sent.includes(stage)) continue
      const covered = reminderDays.filter((days) => days > stage && !sent.includes(days))
      const claimed = await storage.transaction(async (repos) => {
        if (!(await repos.events.claimReminder(credential.id, stage, covered, isoAt(now)))) return false
        await outbox.expiry(repos.events, credential, stage)
        return true
      })
      if (claimed) written++
    }
    return written
  }
}

import type SqliteDatabase from 'better-sqlite3'
import { CompiledQuery, type Kysely } from 'kysely'
import type { SpendResult } from './credentials.js'
import { isoAt } from '../clock.js'
import type { Dialect, EmbeddedConnection, GroupParticipant } from './database.js'
import { byteOrder } from './lock-order.js'
import type { Database } from './schema.js'

/** One budget's spends of a batch, in arrival order, all for the same refill period. */
export interface KeySpends {
  /** Whose: a family's (a credential and those rotated into it), held by its newest member. */
  readonly familyId: string
  readonly costs: readonly number[]
  /** The start of the refill period the spends fall in; null: the credential does not refill. */
  readonly refillPeriodStart: string | null
  /** When the first of them arrived: what a refill applied by them records. */
  readonly now: string
  /** When the budget they spend was set, as the spenders' records say (`budgetSetAt`): a Redis count's epoch (the database needs none). */
  readonly epoch?: string | null
}

/** Spends a batch (keys in lock order, see lock-order.ts) in one transaction; results in the batch's shape. */
export type SpendTogether = (batch: readonly KeySpends[]) => Promise<SpendResult[][]>

/**
 * Spends on the embedded database without a promise, for the warm verification path:
 * `ready()` says whether one may run now (no transaction of the query builder is open on
 * the connection); `spend` is then one conditional UPDATE, decided at once, in the turn's
 * group transaction. Answer the request only when `committed` settles (see `GroupCommit`).
 */
export interface SpendNow {
  ready(): boolean
  /** Times in ms since the epoch: written out only when a statement needs them. */
  spend(familyId: string, cost: number, refillPeriodStart: number | null, now: number): SpentNow
}

/** A spend decided at once: stored when `committed` settles, and only then to be answered. */
export interface SpentNow {
  readonly result: SpendResult
  readonly committed: Promise<void>
}

/** A family's budget as its holder's row has it: where a count kept elsewhere (Redis) starts from. */
export interface StoredBudget {
  /** Null: unlimited after all. */
  readonly remaining: number | null
  readonly refillAmount: number | null
  readonly refilledAt: string | null
  readonly budgetSetAt: string | null
}

/** Uses spent elsewhere (Redis decided them), to be taken off a budget's row: all of one family, period and epoch. */
export interface SpentElsewhere {
  readonly familyId: string
  readonly spent: number
  readonly refillPeriodStart: string | null
  readonly now: string
  /** The epoch they were counted under: if the budget was set again since, they are not taken off the new one. */
  readonly epoch: string | null
}

/** What spending takes from storage: a batch, asynchronously on any database; one, synchronously, on the embedded one. */
export interface Spending {
  readonly together: SpendTogether
  readonly now: SpendNow | null
  /** The budget a family's holder has now. */
  readonly readBudget: (familyId: string) => Promise<StoredBudget | undefined>
  /** Takes spends decided elsewhere off their budgets' rows, unconditionally (never below 0), in one transaction. */
  readonly writeBehind: (entries: readonly SpentElsewhere[]) => Promise<void>
}

/** One statement the spend of a key asks for: spend `cost` (the row it returns, if any), or read what is left. */
type Step = { readonly spend: number } | { readonly read: true }
type Row = { readonly remaining: number | null } | undefined

/**
 * The spends of one key, exactly: all of them in one conditional UPDATE for their total when
 * that much is left (a busy key costs one statement per batch, not one per request), else one
 * conditional UPDATE each, in arrival order, as if they had come one by one; that happens only
 * near exhaustion. Written once as the steps it takes, so the synchronous (embedded) and the
 * asynchronous drivers below cannot disagree on what is granted.
 */
function* spendKey(costs: readonly number[]): Generator<Step, SpendResult[], Row> {
  if (costs.length > 1) {
    const total = costs.reduce((sum, cost) => sum + cost, 0)
    const row = yield { spend: total }
    // Both statements subtract from a number (a null remaining fails their condition).
    if (row !== undefined && row.remaining !== null) {
      // What each would have seen left after its own spend, had they come one by one.
      const results: SpendResult[] = new Array<SpendResult>(costs.length)
      let left = row.remaining
      for (let i = costs.length - 1; i >= 0; i--) {
        results[i] = { spent: true, remaining: left }
        left += costs[i]!
      }
      return results
    }
  }
  const results: SpendResult[] = []
  for (const cost of costs) {
    const row = yield { spend: cost }
    if (row !== undefined) {
      results.push({ spent: true, remaining: row.remaining })
      continue
    }
    let current = yield { read: true }
    // Enough after all: the statement waited for a row a rotation handed over meanwhile (the
    // holder it looked up is one no longer), or a PATCH landed. Conditional again, once.
    if (current !== undefined && current.remaining !== null && current.remaining >= cost) {
      const again = yield { spend: cost }
      if (again !== undefined) {
        results.push({ spent: true, remaining: again.remaining })
        continue
      }
      current = yield { read: true }
    }
    // Made unlimited meanwhile (the caller's entry is older than the change): nothing to spend.
    results.push(current === undefined || current.remaining === null ? { spent: true, remaining: null } : { spent: false, remaining: current.remaining })
  }
  return results
}

/**
 * The spend of remaining uses, written out once per dialect: it runs on every accepted
 * request of a metered key, where building it with the query builder would cost more than
 * running it. A refill that came due (a period began after `refilled_at`) is folded in: SET
 * and WHERE all read the row as it was before the statement. Values are bound parameters
 * (`@name` here, bound by position: see `positional`).
 *
 * The row spent is the newest of the credential's family (the only one not rotated): its
 * own for a credential never rotated, its successor's for one in a rotation's grace period,
 * so old and new secret spend one budget.
 */
type Statement = 'plain' | 'refilling' | 'read' | 'budget' | 'behindPlain' | 'behindRefilling'
// The holder is looked up in each statement, never remembered: a rotation moves it.
const HOLDER = 'id = (select holder.id from credentials holder where holder.family_id = @family and holder.rotated_to_id is null)'
function statementText(statement: Statement, dialect: Dialect): string {
  const cast = (name: string, type: string) => (dialect === 'postgres' ? `@${name}::${type}` : `@${name}`)
  const [cost, periodStart, now] = [cast('cost', 'int'), cast('periodStart', 'timestamptz'), cast('now', 'timestamptz')]
  const where = HOLDER
  const due = `(refilled_at is null or refilled_at < ${periodStart})`
  // Spent elsewhere already: taken off whatever is there, never below 0, and only from the budget they were counted under.
  const floor = (value: string) => (dialect === 'postgres' ? `greatest(${value}, 0)` : `max(${value}, 0)`)
  const sameEpoch = dialect === 'postgres' ? `budget_set_at is not distinct from ${cast('epoch', 'timestamptz')}` : 'budget_set_at is @epoch'
  switch (statement) {
    case 'plain':
      return `update credentials set remaining = remaining - ${cost} where ${where} and remaining >= ${cost} returning remaining`
    case 'refilling':
      return (
        `update credentials set remaining = (case when ${due} then refill_amount else remaining end) - ${cost}, refilled_at = case when ${due} then ${now} else refilled_at end ` +
        `where ${where} and (case when ${due} then refill_amount else remaining end) >= ${cost} returning remaining`
      )
    case 'read':
      return `select remaining from credentials where ${where}`
    case 'budget':
      return `select remaining, refill_amount, refilled_at, budget_set_at from credentials where ${where}`
    case 'behindPlain':
      return `update credentials set remaining = ${floor(`remaining - ${cost}`)} where ${where} and remaining is not null and ${sameEpoch}`
    case 'behindRefilling':
      return (
        `update credentials set remaining = ${floor(`(case when ${due} then refill_amount else remaining end) - ${cost}`)}, refilled_at = case when ${due} then ${now} else refilled_at end ` +
        `where ${where} and remaining is not null and ${sameEpoch}`
      )
  }
}

/** A statement in positional form, for the query builder's drivers: `?` on SQLite, `$n` (one per name) on PostgreSQL. */
function positional(text: string, dialect: Dialect): { readonly text: string; readonly names: readonly string[] } {
  const names: string[] = []
  const replaced = text.replace(/@(\w+)/g, (_match, name: string) => {
    if (dialect === 'sqlite') return (names.push(name), '?')
    const index = names.indexOf(name)
    return `$${index === -1 ? names.push(name) : index + 1}`
  })
  return { text: replaced, names }
}

const STATEMENTS: readonly Statement[] = ['plain', 'refilling', 'read', 'budget', 'behindPlain', 'behindRefilling']
const POSITIONAL = Object.fromEntries(
  (['sqlite', 'postgres'] as const).map((dialect) => [dialect, Object.fromEntries(STATEMENTS.map((statement) => [statement, positional(statementText(statement, dialect), dialect)]))]),
) as Record<Dialect, Record<Statement, ReturnType<typeof positional>>>

/** Which statement a step of `spendKey` runs, and its values by name. */
function stepOf(key: KeySpends, step: Step): { statement: Statement; values: Record<string, unknown> } {
  const statement: Statement = 'read' in step ? 'read' : key.refillPeriodStart === null ? 'plain' : 'refilling'
  return { statement, values: { family: key.familyId, cost: 'read' in step ? null : step.spend, periodStart: key.refillPeriodStart, now: key.now } }
}

/** Runs one of the statements above through the query builder. */
async function runStatement<R>(db: Kysely<Database>, dialect: Dialect, statement: Statement, values: Record<string, unknown>): Promise<R | undefined> {
  const { text, names } = POSITIONAL[dialect][statement]
  const query: CompiledQuery<R> = CompiledQuery.raw(text, names.map((name) => values[name]))
  const [row] = (await db.executeQuery(query)).rows
  return row
}

/** Runs the spends of a key through the query builder: PostgreSQL, and SQLite inside someone else's transaction. */
async function spendKeyAsync(db: Kysely<Database>, dialect: Dialect, key: KeySpends): Promise<SpendResult[]> {
  const steps = spendKey(key.costs)
  let next = steps.next()
  while (next.done !== true) {
    const { statement, values } = stepOf(key, next.value)
    next = steps.next(await runStatement<{ remaining: number | null }>(db, dialect, statement, values))
  }
  return next.value
}

/**
 * How a batch of spends reaches the database. Every spend is a conditional UPDATE, so
 * concurrent spenders on any number of instances never take more than there is (PostgreSQL
 * re-checks the condition on the row it waited for; SQLite has one writer), and a refill that
 * came due is applied in the same statement, so no scheduled job is needed and no refill is
 * applied twice.
 *
 * On the embedded database, straight through better-sqlite3: its statements prepared once,
 * which is what a spend costs SQLite (a few µs a statement) without the query builder's
 * promises around each, so a verification can spend without leaving the warm path
 * (`SpendNow`). Only when a transaction of the query builder is open on the same connection
 * (between its awaits) does a spend go the builder's way, waiting for the connection like any
 * other query: a synchronous one would otherwise join that transaction and share its fate.
 *
 * Commits: spends decided synchronously join the turn's group transaction
 * (`EmbeddedConnection.inGroupCommit`), so a busy server commits once per turn, not once per
 * request, and each request is answered after the commit. A group skips SQLite's fsync (every
 * other write keeps waiting for one), and the WAL it went to is fsynced off the main thread
 * within a second. A crash of the process loses nothing that was answered; a power loss or a
 * crash of the operating system may forget the spends of that last interval, which are then
 * granted again: the same bound as the Redis path's write-behind (docs/architecture.md).
 * Waiting for an fsync on the main thread (0.4 ms here) for each spend would stall every
 * other request.
 */
export function spending(db: Kysely<Database>, dialect: Dialect, embeddedConnection: EmbeddedConnection | null): Spending {
  const viaQueryBuilder: SpendTogether = async (batch) => {
    const [only] = batch
    // Alone, a spend is its own statement: no transaction to open and close around it.
    if (batch.length === 1 && only !== undefined && only.costs.length === 1) return [await spendKeyAsync(db, dialect, only)]
    return db.transaction().execute(async (trx) => {
      const results: SpendResult[][] = []
      for (const key of batch) results.push(await spendKeyAsync(trx, dialect, key))
      return results
    })
  }
  const readBudget = async (familyId: string): Promise<StoredBudget | undefined> => {
    // Times come back as ISO text from both drivers (database.ts).
    const row = await runStatement<{ remaining: number | null; refill_amount: number | null; refilled_at: string | null; budget_set_at: string | null }>(db, dialect, 'budget', { family: familyId })
    return row === undefined ? undefined : { remaining: row.remaining, refillAmount: row.refill_amount, refilledAt: row.refilled_at, budgetSetAt: row.budget_set_at }
  }
  const writeBehind = async (entries: readonly SpentElsewhere[]): Promise<void> => {
    if (entries.length === 0) return
    // Rows in family order, like every writer of several credentials (lock-order.ts); a family's earlier period first.
    const ordered = [...entries].sort((a, b) => byteOrder(a.familyId, b.familyId) || byteOrder(a.refillPeriodStart ?? '', b.refillPeriodStart ?? ''))
    await db.transaction().execute(async (trx) => {
      for (const entry of ordered) {
        const values = { family: entry.familyId, cost: entry.spent, periodStart: entry.refillPeriodStart, now: entry.now, epoch: entry.epoch }
        await runStatement(trx, dialect, entry.refillPeriodStart === null ? 'behindPlain' : 'behindRefilling', values)
      }
    })
  }
  if (embeddedConnection === null) return { together: viaQueryBuilder, now: null, readBudget, writeBehind }

  const { connection: embedded } = embeddedConnection
  // Prepared once each, on first use.
  const prepared = new Map<string, SqliteDatabase.Statement>()
  const runSync = (statement: Statement, values: Record<string, unknown>): Row => {
    let found = prepared.get(statement)
    if (found === undefined) prepared.set(statement, (found = embedded.prepare(POSITIONAL.sqlite[statement].text)))
    return found.get(...POSITIONAL.sqlite[statement].names.map((name) => values[name])) as Row
  }
  const spendKeySync = (key: KeySpends): SpendResult[] => {
    const steps = spendKey(key.costs)
    let next = steps.next()
    while (next.done !== true) {
      const { statement, values } = stepOf(key, next.value)
      next = steps.next(runSync(statement, values))
    }
    return next.value
  }
  // One per connection, as the group is: every Storage made on it decides on the same figures.
  const budgets = groupBudgets.get(embeddedConnection) ?? new GroupBudgets((familyId, owed) => {
    // It fits: nothing else wrote to the row while the group held the write lock. If not, the group is rolled back.
    if (runSync('plain', { family: familyId, cost: owed }) === undefined) throw new Error(`the uses spent in this group no longer fit the budget of ${familyId}`)
  })
  if (!groupBudgets.has(embeddedConnection)) {
    groupBudgets.set(embeddedConnection, budgets)
    embeddedConnection.joinGroups(budgets)
  }
  // A statement on a budget first writes what the group held back for it. A throw rolls the whole group back.
  const bySpends = (batch: readonly KeySpends[]): SpendResult[][] =>
    batch.map((key) => {
      budgets.settle(key.familyId)
      return spendKeySync(key)
    })
  return {
    readBudget,
    writeBehind,
    together: async (batch) => {
      if (!embeddedConnection.canGroup()) return viaQueryBuilder(batch)
      const { value, committed } = embeddedConnection.inGroupCommit(() => bySpends(batch))
      await committed
      return value
    },
    now: {
      ready: () => embeddedConnection.canGroup(),
      spend: (familyId, cost, refillPeriodStart, now) => {
        if (!embeddedConnection.canGroup()) throw new TypeError('SpendNow.spend: a transaction is open on the connection; check ready() first')
        const { value, committed } = embeddedConnection.inGroupCommit(() => {
          // Settled already when undefined: the group knows nothing of this budget in this period.
          const known = budgets.spend(familyId, cost, refillPeriodStart)
          if (known !== undefined) return known
          const periodStart = refillPeriodStart === null ? null : isoAt(refillPeriodStart)
          const [result] = spendKeySync({ familyId, costs: [cost], refillPeriodStart: periodStart, now: isoAt(now) })
          budgets.learn(familyId, refillPeriodStart, result!)
          return result!
        })
        return { result: value, committed }
      },
    },
  }
}

const groupBudgets = new WeakMap<EmbeddedConnection, GroupBudgets>()

/**
 * What the group transaction knows of the budgets it spent. It holds the database's write
 * lock, and a statement of the query builder ends it before running (`GroupCommit`), so a
 * budget's figure, once a statement of the group returned it, changes only by the group's
 * own spends until the group ends. The next spends of that budget in the group are decided
 * on that figure, exactly, without a statement each: what they took is written in one
 * UPDATE just before the commit (or before any other statement on that budget). A busy key
 * then costs two statements and one commit per turn, however many requests it served.
 */
class GroupBudgets implements GroupParticipant {
  private readonly known = new Map<string, { readonly periodStart: number | null; remaining: number; owed: number }>()

  constructor(private readonly write: (familyId: string, owed: number) => void) {}

  /** Decided on what the group knows, or undefined: then a statement decides, and `learn` is told. */
  spend(familyId: string, cost: number, periodStart: number | null): SpendResult | undefined {
    const budget = this.known.get(familyId)
    // Another refill period began within the group: its statement applies the refill.
    if (budget === undefined || budget.periodStart !== periodStart) return (this.settle(familyId), undefined)
    if (budget.remaining < cost) return { spent: false, remaining: budget.remaining }
    budget.remaining -= cost
    budget.owed += cost
    return { spent: true, remaining: budget.remaining }
  }

  learn(familyId: string, periodStart: number | null, result: SpendResult): void {
    if (result.spent && result.remaining !== null) this.known.set(familyId, { periodStart, remaining: result.remaining, owed: 0 })
  }

  /** Writes what was held back for this budget and forgets it: a statement is about to read or spend it. */
  settle(familyId: string): void {
    const budget = this.known.get(familyId)
    if (budget === undefined) return
    this.known.delete(familyId)
    if (budget.owed > 0) this.write(familyId, budget.owed)
  }

  beforeCommit(): void {
    for (const familyId of [...this.known.keys()]) this.settle(familyId)
  }

  ended(): void {
    this.known.clear()
  }
}

import type { Compilable, CompiledQuery } from 'kysely'

const PLACEHOLDER = '\u0000brandwave:parameter'

/**
 * A query of one string parameter, built and compiled on first use; every call binds a
 * new value to the same SQL. For the verification lookups, where building a join costs
 * Kysely several times what running it costs SQLite. The value is still a bound
 * parameter, never part of the SQL text.
 *
 * @example
 * const byHash = compiledOnce((hash) => db.selectFrom('credentials').selectAll().where('token_hash', '=', hash))
 * const { rows } = await db.executeQuery(byHash(tokenHash))
 */
export function compiledOnce<R>(build: (value: string) => Compilable<R>): (value: string) => CompiledQuery<R> {
  let compiled: CompiledQuery<R> | undefined
  return (value) => {
    if (compiled === undefined) {
      compiled = build(PLACEHOLDER).compile()
      if (compiled.parameters.length !== 1 || compiled.parameters[0] !== PLACEHOLDER) {
        throw new TypeError('compiledOnce: the query must take its value as its one and only parameter')
      }
    }
    return { ...compiled, parameters: [value] }
  }
}

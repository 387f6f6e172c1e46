import { Kysely, SqliteDialect } from 'kysely'
import SqliteDatabase from 'better-sqlite3'
import { afterAll, describe, expect, it } from 'vitest'
import { compiledOnce } from './compiled-once.js'

interface Tables {
  items: { id: string; name: string }
}

describe('compiledOnce', () => {
  const db = new Kysely<Tables>({ dialect: new SqliteDialect({ database: new SqliteDatabase(':memory:') }) })
  afterAll(() => db.destroy())

  it('binds each value to the same SQL, never into it', async () => {
    await db.schema.createTable('items').addColumn('id', 'text').addColumn('name', 'text').execute()
    await db.insertInto('items').values([{ id: 'a', name: 'first' }, { id: "b' or '1'='1", name: 'second' }]).execute()
    let builds = 0
    const byId = compiledOnce((id) => {
      builds += 1
      return db.selectFrom('items').select('name').where('id', '=', id)
    })
    const first = byId('a')
    const hostile = byId("b' or '1'='1")
    expect(first.sql).toBe(hostile.sql)
    expect(hostile.sql).not.toContain('or')
    expect((await db.executeQuery(first)).rows).toEqual([{ name: 'first' }])
    expect((await db.executeQuery(hostile)).rows).toEqual([{ name: 'second' }])
    expect((await db.executeQuery(byId('none'))).rows).toEqual([])
    expect(builds).toBe(1)
  })

  it('refuses a query whose value is not its one parameter', () => {
    const twoParameters = compiledOnce((id) => db.selectFrom('items').selectAll().where('id', '=', id).where('name', '=', 'x'))
    expect(() => twoParameters('a')).toThrow(/one and only parameter/)
    const valueInlined = compiledOnce(() => db.selectFrom('items').selectAll().where('id', '=', 'constant'))
    expect(() => valueInlined('a')).toThrow(/one and only parameter/)
  })
})

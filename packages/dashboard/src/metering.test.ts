import { BrandwaveValidationError } from '@brandwave/sdk'
import { describe, expect, it } from 'vitest'
import { createBody, EMPTY_DRAFT, serverProblems, updateBody, type MeteringDraft } from './metering.js'

const budgeted: MeteringDraft = { externalId: 'cus_1', metadata: '{\n  "plan": "pro"\n}', remaining: '10', refillInterval: 'monthly', refillAmount: '10', refillDay: '' }

describe('the owner and usage limits of the New form and the Edit', () => {
  it('a new credential sends only what was filled in; a refill without remaining is left to start at its amount', () => {
    expect(createBody(EMPTY_DRAFT)).toEqual({ ok: true, body: {} })
    expect(createBody({ ...EMPTY_DRAFT, externalId: ' cus_9 ', refillInterval: 'daily', refillAmount: '50', refillDay: '7' })).toEqual({
      ok: true,
      body: { externalId: 'cus_9', refill: { interval: 'daily', amount: 50 } },
    })
  })

  it('metadata must be a JSON object: arrays, strings and broken JSON are refused with a problem on the field', () => {
    for (const metadata of ['[1]', '"pro"', '42', 'null', '{"plan": ']) {
      const result = createBody({ ...EMPTY_DRAFT, metadata })
      expect(result.ok, metadata).toBe(false)
      if (!result.ok) expect(Object.keys(result.problems)).toEqual(['metadata'])
    }
  })

  it('numbers are whole and in range; a refill needs an amount, and a monthly day is 1 to 31', () => {
    const problems = (draft: Partial<MeteringDraft>) => {
      const result = createBody({ ...EMPTY_DRAFT, ...draft })
      return result.ok ? [] : Object.keys(result.problems)
    }
    expect(problems({ remaining: '-1' })).toEqual(['remaining'])
    expect(problems({ remaining: '1.5' })).toEqual(['remaining'])
    expect(problems({ remaining: '2147483648' })).toEqual(['remaining'])
    expect(problems({ remaining: '0' })).toEqual([])
    expect(problems({ refillInterval: 'daily' })).toEqual(['refillAmount'])
    expect(problems({ refillInterval: 'monthly', refillAmount: '1', refillDay: '32' })).toEqual(['refillDay'])
  })

  it('an edit sends only what changed, as re-sending a budget would restart it; emptied fields are sent as null', () => {
    expect(updateBody(budgeted, budgeted)).toEqual({ ok: true, body: {} })
    expect(updateBody({ ...budgeted, metadata: '{"plan": "team"}' }, budgeted)).toEqual({ ok: true, body: { metadata: { plan: 'team' } } })
    expect(updateBody({ ...budgeted, refillDay: '15' }, budgeted)).toEqual({ ok: true, body: { refill: { interval: 'monthly', amount: 10, day: 15 } } })
    expect(updateBody({ ...budgeted, externalId: '', metadata: '', remaining: '', refillInterval: 'none' }, budgeted)).toEqual({
      ok: true,
      body: { externalId: null, metadata: null, remaining: null, refill: null },
    })
  })

  it('emptying the uses of a budget that has a refill is a contradiction the Edit names, rather than dropping the refill', () => {
    const result = updateBody({ ...budgeted, remaining: '' }, budgeted)
    expect(result.ok).toBe(false)
    if (!result.ok) expect(Object.keys(result.problems)).toEqual(['remaining'])
  })

  it("the API's 400 lands on the field its JSON pointer names; anything else is left for the form's general error", () => {
    const error = (field: string) => new BrandwaveValidationError({ status: 400, code: 'validation_failed', message: 'no', requestId: null, details: [{ field, message: 'is wrong' }] })
    expect(serverProblems(error('/metadata'))).toEqual({ problems: { metadata: 'Metadata is wrong.' }, allPlaced: true })
    expect(serverProblems(error('/refill/day'))).toEqual({ problems: { refillDay: 'Day of month is wrong.' }, allPlaced: true })
    expect(serverProblems(error('/name')).allPlaced).toBe(false)
    expect(serverProblems(new Error('offline'))).toEqual({ problems: {}, allPlaced: false })
  })
})

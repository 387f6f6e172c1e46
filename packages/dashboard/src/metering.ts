import { BrandwaveError, type BodyOf, type Credential } from '@brandwave/sdk'

/**
 * A credential's owner, metadata and budget (issue 24) as typed into a form: text, so that a
 * half-typed value is kept as the person left it and judged only when they submit.
 */
export interface MeteringDraft {
  readonly externalId: string
  readonly metadata: string
  readonly remaining: string
  readonly refillInterval: 'none' | 'daily' | 'monthly'
  readonly refillAmount: string
  readonly refillDay: string
}

export type MeteringField = 'externalId' | 'metadata' | 'remaining' | 'refill' | 'refillAmount' | 'refillDay'
export type MeteringProblems = Partial<Record<MeteringField, string>>
export type MeteringBody = Pick<BodyOf<'updateApiKey'>, 'externalId' | 'metadata' | 'remaining' | 'refill'>

export const EMPTY_DRAFT: MeteringDraft = { externalId: '', metadata: '', remaining: '', refillInterval: 'none', refillAmount: '', refillDay: '' }

const MAX_USES = 2_147_483_647

/** What a credential holds, as the edit form starts from. */
export function draftOf(credential: Credential): MeteringDraft {
  return {
    externalId: credential.externalId ?? '',
    metadata: credential.metadata === null ? '' : JSON.stringify(credential.metadata, null, 2),
    remaining: credential.remaining === null ? '' : String(credential.remaining),
    refillInterval: credential.refill?.interval ?? 'none',
    refillAmount: credential.refill === null ? '' : String(credential.refill.amount),
    refillDay: credential.refill?.day == null ? '' : String(credential.refill.day),
  }
}

function wholeNumber(text: string, min: number, max: number): number | null {
  if (!/^\d{1,10}$/.test(text)) return null
  const value = Number(text)
  return value >= min && value <= max ? value : null
}

type Parsed = { ok: true; metadata: Record<string, unknown> | null } | { ok: false; problems: MeteringProblems }

/**
 * What is wrong with a draft, worded for the person typing. `initial` is what the credential
 * holds (the empty draft for a new one): emptying a budget that had a refill is a contradiction
 * only when editing, as a new credential's refill starts it at the refill's amount.
 *
 * The limits of metadata beyond "a JSON object" (4 KiB, 5 levels) are the server's to judge:
 * its 400 lands on the same field, and one copy of those rules cannot drift from the other.
 */
function parse(draft: MeteringDraft, initial: MeteringDraft): Parsed {
  const problems: MeteringProblems = {}
  const externalId = draft.externalId.trim()
  if (externalId.length > 255) problems.externalId = `Owner ID: at most 255 characters (this is ${externalId.length}).`
  // eslint-disable-next-line no-control-regex -- the API refuses control characters in plain text.
  else if (/[\u0000-\u001F\u007F]/.test(externalId)) problems.externalId = 'Owner ID: one line, without control characters.'

  let metadata: Record<string, unknown> | null = null
  const metadataText = draft.metadata.trim()
  if (metadataText !== '') {
    let value: unknown
    try {
      value = JSON.parse(metadataText)
      if (typeof value !== 'object' || value === null || Array.isArray(value)) problems.metadata = 'Metadata must be a JSON object, such as {"plan": "pro"}: not an array, a string or a number.'
      else metadata = value as Record<string, unknown>
    } catch (error) {
      problems.metadata = `Metadata is not valid JSON (${error instanceof Error ? error.message : 'it does not parse'}). Write an object, such as {"plan": "pro"}.`
    }
  }

  const remainingText = draft.remaining.trim()
  if (remainingText !== '' && wholeNumber(remainingText, 0, MAX_USES) === null) problems.remaining = `Remaining uses: a whole number from 0 to ${MAX_USES}, or empty for unlimited.`
  if (draft.refillInterval !== 'none') {
    if (wholeNumber(draft.refillAmount.trim(), 1, MAX_USES) === null) problems.refillAmount = `Refill amount: a whole number of uses from 1 to ${MAX_USES}.`
    const day = draft.refillDay.trim()
    if (draft.refillInterval === 'monthly' && day !== '' && wholeNumber(day, 1, 31) === null) problems.refillDay = 'Day of month: a whole number from 1 to 31 (in shorter months, their last day), or empty for the 1st.'
    if (remainingText === '' && initial.remaining.trim() !== '' && problems.remaining === undefined) {
      problems.remaining = 'Remaining uses: empty means unlimited, which takes no refill. Give a number, or choose No refill.'
    }
  }
  return Object.keys(problems).length > 0 ? { ok: false, problems } : { ok: true, metadata }
}

function refillOf(draft: MeteringDraft): NonNullable<MeteringBody['refill']> | null {
  if (draft.refillInterval === 'none') return null
  const day = draft.refillDay.trim()
  return {
    interval: draft.refillInterval,
    amount: Number(draft.refillAmount.trim()),
    ...(draft.refillInterval === 'monthly' && day !== '' && { day: Number(day) }),
  }
}

/** The body fields of a new credential: only what was filled in. */
export function createBody(draft: MeteringDraft): { ok: true; body: MeteringBody } | { ok: false; problems: MeteringProblems } {
  const parsed = parse(draft, EMPTY_DRAFT)
  if (!parsed.ok) return parsed
  const externalId = draft.externalId.trim()
  const remaining = draft.remaining.trim()
  const refill = refillOf(draft)
  return {
    ok: true,
    body: {
      ...(externalId !== '' && { externalId }),
      ...(parsed.metadata !== null && { metadata: parsed.metadata }),
      ...(remaining !== '' && { remaining: Number(remaining) }),
      ...(refill !== null && { refill }),
    },
  }
}

/**
 * The PATCH body: only what changed, with null for what was emptied. Sending an unchanged
 * budget would not be harmless: setting `remaining` or `refill` starts the budget afresh.
 */
export function updateBody(draft: MeteringDraft, initial: MeteringDraft): { ok: true; body: MeteringBody } | { ok: false; problems: MeteringProblems } {
  const parsed = parse(draft, initial)
  if (!parsed.ok) return parsed
  const body: { -readonly [K in keyof MeteringBody]: MeteringBody[K] } = {}
  const externalId = draft.externalId.trim()
  if (externalId !== initial.externalId) body.externalId = externalId === '' ? null : externalId
  if (draft.metadata.trim() !== initial.metadata.trim()) body.metadata = parsed.metadata
  const remaining = draft.remaining.trim()
  if (remaining !== initial.remaining) body.remaining = remaining === '' ? null : Number(remaining)
  const refill = refillOf(draft)
  if (JSON.stringify(refill) !== JSON.stringify(refillOf(initial))) body.refill = refill
  return { ok: true, body }
}

const SERVER_FIELDS: ReadonlyArray<readonly [RegExp, MeteringField, string]> = [
  [/^\/externalId(\/|$)/, 'externalId', 'Owner ID'],
  [/^\/metadata(\/|$)/, 'metadata', 'Metadata'],
  [/^\/remaining$/, 'remaining', 'Remaining uses'],
  [/^\/refill\/amount$/, 'refillAmount', 'Refill amount'],
  [/^\/refill\/day$/, 'refillDay', 'Day of month'],
  [/^\/refill(\/|$)/, 'refill', 'Refill'],
]

/**
 * The API's 400 on these fields (a JSON pointer in `details[].field`), put beside the field it
 * is about. `allPlaced` tells whether anything is left for the form's general error.
 */
export function serverProblems(error: unknown): { problems: MeteringProblems; allPlaced: boolean } {
  if (!(error instanceof BrandwaveError) || error.details.length === 0) return { problems: {}, allPlaced: false }
  const problems: MeteringProblems = {}
  let allPlaced = true
  for (const detail of error.details) {
    const match = SERVER_FIELDS.find(([pattern]) => pattern.test(detail.field))
    if (match === undefined) {
      allPlaced = false
      continue
    }
    const [, field, label] = match
    problems[field] ??= `${label} ${detail.message}.`
  }
  return { problems, allPlaced }
}

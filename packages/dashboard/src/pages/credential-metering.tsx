import { useUpdateApiKey, useUpdatePersonalAccessToken } from '@brandwave/react'
import type { Credential } from '@brandwave/sdk'
import { useEffect, useId, useRef, useState, type FormEvent, type ReactNode } from 'react'
import { Button } from 'react-aria-components'
import { draftOf, serverProblems, updateBody, type MeteringDraft, type MeteringField, type MeteringProblems } from '../metering.js'
import { ErrorMessage } from '../ui.js'

/** Which problems a change makes stale: a problem stays until its field changes or the form is sent again. */
const CLEARS: Record<keyof MeteringDraft, readonly MeteringField[]> = {
  externalId: ['externalId'],
  metadata: ['metadata'],
  remaining: ['remaining'],
  // "Empty takes no refill" is shown on Remaining uses, and choosing No refill settles it.
  refillInterval: ['refill', 'refillAmount', 'refillDay', 'remaining'],
  refillAmount: ['refillAmount', 'refill'],
  refillDay: ['refillDay', 'refill'],
}

/** A draft of the owner, metadata and budget, with the problems found in it and a way to send focus to the first. */
export function useMeteringDraft(initial: MeteringDraft) {
  const [draft, setDraft] = useState(initial)
  const [problems, setProblemsState] = useState<MeteringProblems>({})
  const [focusRequest, setFocusRequest] = useState(0)
  const change = (patch: Partial<MeteringDraft>) => {
    setDraft((current) => ({ ...current, ...patch }))
    setProblemsState((current) => {
      const next = { ...current }
      for (const key of Object.keys(patch) as (keyof MeteringDraft)[]) for (const field of CLEARS[key]) delete next[field]
      return next
    })
  }
  /** Shows these problems and moves focus to the first field they are about, so it is read out with its error. */
  const setProblems = (next: MeteringProblems) => {
    setProblemsState(next)
    if (Object.keys(next).length > 0) setFocusRequest((count) => count + 1)
  }
  return { draft, change, problems, setProblems, focusRequest }
}

function FieldError({ id, problem }: { id: string; problem: string | undefined }): ReactNode {
  return (
    <div id={id} className="field-error" aria-live="polite">
      {problem !== undefined && <p>{problem}</p>}
    </div>
  )
}

/**
 * The fields of a credential's owner, metadata and remaining uses, for the New form and the
 * details' Edit. Each field names its hint and its error (`aria-describedby`), and is marked
 * `aria-invalid` while the error stands.
 */
export function MeteringFields(props: {
  one: string
  draft: MeteringDraft
  change: (patch: Partial<MeteringDraft>) => void
  problems: MeteringProblems
  focusRequest: number
  editing: boolean
}): ReactNode {
  const { one, draft, change, problems, focusRequest, editing } = props
  const id = useId()
  const container = useRef<HTMLDivElement>(null)
  useEffect(() => {
    if (focusRequest > 0) container.current?.querySelector<HTMLElement>('[aria-invalid="true"]')?.focus()
  }, [focusRequest])
  const described = (field: string) => `${id}-${field}-hint ${id}-${field}-error`
  const invalid = (field: MeteringField) => problems[field] !== undefined

  return (
    <div className="metering" ref={container}>
      <label>
        Owner ID
        <input
          maxLength={255}
          autoComplete="off"
          spellCheck={false}
          value={draft.externalId}
          onChange={(event) => change({ externalId: event.target.value })}
          aria-invalid={invalid('externalId')}
          aria-describedby={described('externalId')}
          placeholder="cus_123"
        />
      </label>
      <p id={`${id}-externalId-hint`} className="hint">
        Optional. Who the {one} is for in your own system, such as a customer id; verification returns it and lists filter by it.{editing && ' Empty removes it.'}
      </p>
      <FieldError id={`${id}-externalId-error`} problem={problems.externalId} />

      <label>
        Metadata (JSON)
        <textarea
          className="code"
          rows={4}
          spellCheck={false}
          value={draft.metadata}
          onChange={(event) => change({ metadata: event.target.value })}
          aria-invalid={invalid('metadata')}
          aria-describedby={described('metadata')}
          placeholder='{"plan": "pro"}'
        />
      </label>
      <p id={`${id}-metadata-hint`} className="hint">
        Optional. A JSON object returned wherever the {one} is (verification, lists): at most 4 KiB, nested at most 5 levels deep. Not for secrets.{editing && ' Empty removes it.'}
      </p>
      <FieldError id={`${id}-metadata-error`} problem={problems.metadata} />

      <label>
        Remaining uses
        <input
          inputMode="numeric"
          autoComplete="off"
          value={draft.remaining}
          onChange={(event) => change({ remaining: event.target.value })}
          aria-invalid={invalid('remaining')}
          aria-describedby={described('remaining')}
        />
      </label>
      <p id={`${id}-remaining-hint`} className="hint">
        Optional. Each accepted request and each verification spends one; at 0 the {one} is refused until a refill. Empty: unlimited{editing ? '' : ', or the refill amount with a refill'}.
        {editing && ' Changing it, or the refill, starts the budget afresh from now.'}
      </p>
      <FieldError id={`${id}-remaining-error`} problem={problems.remaining} />

      <fieldset className="inline">
        <legend>Refill</legend>
        {(
          [
            ['none', 'No refill'],
            ['daily', 'Daily'],
            ['monthly', 'Monthly'],
          ] as const
        ).map(([interval, label]) => (
          <label key={interval}>
            <input
              type="radio"
              name={`${id}-refill`}
              value={interval}
              checked={draft.refillInterval === interval}
              onChange={() => change({ refillInterval: interval })}
              aria-describedby={described('refill')}
            />{' '}
            {label}
          </label>
        ))}
      </fieldset>
      <p id={`${id}-refill-hint`} className="hint">
        Puts the remaining uses back to the refill amount: daily at 00:00 UTC, or monthly on a day of the month.
      </p>
      <FieldError id={`${id}-refill-error`} problem={problems.refill} />
      {draft.refillInterval !== 'none' && (
        <>
          <label>
            Refill amount
            <input
              inputMode="numeric"
              autoComplete="off"
              aria-required="true"
              value={draft.refillAmount}
              onChange={(event) => change({ refillAmount: event.target.value })}
              aria-invalid={invalid('refillAmount')}
              aria-describedby={described('refillAmount')}
            />
          </label>
          <p id={`${id}-refillAmount-hint`} className="hint">
            The remaining uses after each refill.
          </p>
          <FieldError id={`${id}-refillAmount-error`} problem={problems.refillAmount} />
        </>
      )}
      {draft.refillInterval === 'monthly' && (
        <>
          <label>
            Day of month
            <input
              inputMode="numeric"
              autoComplete="off"
              value={draft.refillDay}
              onChange={(event) => change({ refillDay: event.target.value })}
              aria-invalid={invalid('refillDay')}
              aria-describedby={described('refillDay')}
              placeholder="1"
            />
          </label>
          <p id={`${id}-refillDay-hint`} className="hint">
            Optional; the 1st otherwise. In shorter months, their last day.
          </p>
          <FieldError id={`${id}-refillDay-error`} problem={problems.refillDay} />
        </>
      )}
    </div>
  )
}

/** A disclosure that keeps the New form short: the fields stay in their state while it is closed, and are sent. */
export function MeteringDisclosure(props: { open: boolean; onToggle: () => void; children: ReactNode }): ReactNode {
  const panelId = useId()
  return (
    <>
      <button type="button" className="button disclosure" aria-expanded={props.open} aria-controls={panelId} onClick={props.onToggle}>
        <span aria-hidden="true">{props.open ? '▾' : '▸'} </span>
        Owner and usage limits
      </button>
      <div id={panelId}>{props.open && props.children}</div>
    </>
  )
}

/** The details' Edit: only what changed is sent, as re-sending a budget would restart it. */
export function MeteringEditor({ kind, credential, one, onDone }: { kind: 'apiKeys' | 'personalAccessTokens'; credential: Credential; one: string; onDone: (saved: boolean) => void }): ReactNode {
  // Both hooks, one used, as hooks cannot be chosen conditionally.
  const updateKey = useUpdateApiKey()
  const updateToken = useUpdatePersonalAccessToken()
  const update = kind === 'apiKeys' ? updateKey : updateToken
  // What the credential held when Edit was pressed: the changes are judged against it.
  const [initial] = useState(() => draftOf(credential))
  const metering = useMeteringDraft(initial)
  const headingId = useId()
  const form = useRef<HTMLFormElement>(null)
  const placed = serverProblems(update.error)
  // Edit opens the form in place of its button: focus goes to its first field rather than to the top of the page.
  useEffect(() => {
    form.current?.querySelector<HTMLElement>('input, textarea')?.focus()
  }, [])

  const submit = (event: FormEvent) => {
    event.preventDefault()
    const result = updateBody(metering.draft, initial)
    if (!result.ok) return metering.setProblems(result.problems)
    metering.setProblems({})
    if (Object.keys(result.body).length === 0) return onDone(false)
    const callbacks = { onSuccess: () => onDone(true), onError: (error: unknown) => metering.setProblems(serverProblems(error).problems) }
    if (kind === 'apiKeys') updateKey.mutate({ id: credential.id, ...result.body }, callbacks)
    else updateToken.mutate({ id: credential.id, ...result.body }, callbacks)
  }

  return (
    <form className="form metering-edit" ref={form} aria-labelledby={headingId} onSubmit={submit} noValidate>
      <h3 id={headingId}>Edit owner and usage limits</h3>
      <MeteringFields one={one} draft={metering.draft} change={metering.change} problems={metering.problems} focusRequest={metering.focusRequest} editing />
      <ErrorMessage error={placed.allPlaced ? null : update.error} />
      <div className="actions">
        <Button className="button" onPress={() => onDone(false)}>
          Cancel
        </Button>
        <button type="submit" className="button primary" disabled={update.isPending}>
          Save
        </button>
      </div>
    </form>
  )
}

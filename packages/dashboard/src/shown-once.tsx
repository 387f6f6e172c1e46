import { useState, type ReactNode } from 'react'
import { Button } from 'react-aria-components'
import { ModalDialog } from './ui.js'

/** A secret or link shown one time, with a copy button; `Done` forgets it for good. */
export function ShownOnceDialog(props: { title: string; label: string; value: string; warning: ReactNode; onDone: () => void }): ReactNode {
  const [copied, setCopied] = useState<'no' | 'yes' | 'failed'>('no')
  const copy = () => {
    navigator.clipboard.writeText(props.value).then(
      () => setCopied('yes'),
      () => setCopied('failed'),
    )
  }
  return (
    <ModalDialog title={props.title} isOpen onClose={props.onDone} dismissable={false}>
      <p className="warning" role="note">
        {props.warning}
      </p>
      <label>
        {props.label}
        <input className="secret" readOnly value={props.value} onFocus={(event) => event.target.select()} />
      </label>
      <p aria-live="polite" className="hint">
        {copied === 'yes' ? 'Copied to the clipboard.' : copied === 'failed' ? 'Could not copy: select the text and copy it yourself.' : ''}
      </p>
      <div className="actions">
        <Button className="button" onPress={copy}>
          Copy
        </Button>
        <Button className="button primary" onPress={props.onDone}>
          Done
        </Button>
      </div>
    </ModalDialog>
  )
}

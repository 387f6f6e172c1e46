import type { ReactNode } from 'react'
import { Button, Dialog, Heading, Modal, ModalOverlay } from 'react-aria-components'
import { describeError } from './api.js'

/** An API error, next to what caused it; announced to screen readers as it appears. */
export function ErrorMessage({ error, id }: { error: unknown; id?: string }): ReactNode {
  if (error === null || error === undefined) return null
  const { message, details } = describeError(error)
  return (
    <div className="error" role="alert" id={id}>
      <p>{message}</p>
      {details.length > 0 && (
        <ul>
          {details.map((detail) => (
            <li key={detail}>{detail}</li>
          ))}
        </ul>
      )}
    </div>
  )
}

/**
 * A modal dialog (React Aria: focus trapped and restored, Escape closes, the page behind
 * hidden from assistive technology). `dismissable: false` for what must be acknowledged.
 */
export function ModalDialog(props: {
  title: string
  isOpen: boolean
  onClose: () => void
  children: ReactNode
  role?: 'dialog' | 'alertdialog'
  dismissable?: boolean
}): ReactNode {
  const dismissable = props.dismissable ?? true
  return (
    <ModalOverlay
      className="overlay"
      isOpen={props.isOpen}
      onOpenChange={(open) => {
        if (!open) props.onClose()
      }}
      isDismissable={dismissable}
      isKeyboardDismissDisabled={!dismissable}
    >
      <Modal className="modal">
        <Dialog className="dialog" role={props.role ?? 'dialog'}>
          <Heading slot="title">{props.title}</Heading>
          {props.children}
        </Dialog>
      </Modal>
    </ModalOverlay>
  )
}

/** Asks before something that cannot be undone. */
export function ConfirmDialog(props: {
  title: string
  isOpen: boolean
  onCancel: () => void
  onConfirm: () => void
  confirmLabel: string
  pending: boolean
  error: unknown
  children: ReactNode
}): ReactNode {
  return (
    <ModalDialog title={props.title} isOpen={props.isOpen} onClose={props.onCancel} role="alertdialog">
      {props.children}
      <ErrorMessage error={props.error} />
      <div className="actions">
        <Button className="button" onPress={props.onCancel}>
          Cancel
        </Button>
        <Button className="button danger" onPress={props.onConfirm} isDisabled={props.pending}>
          {props.confirmLabel}
        </Button>
      </div>
    </ModalDialog>
  )
}

export function formatTime(value: string | null): string {
  if (value === null) return '—'
  return new Date(value).toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' })
}

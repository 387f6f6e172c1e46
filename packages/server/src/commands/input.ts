import { InvalidArgumentError } from 'commander'
import type { TSchema } from 'typebox'

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i

/** A flag's value that is not what it must be: a usage error (exit 2), like an unknown flag. */
export class UsageError extends Error {
  override readonly name = 'UsageError'
}

/** An integer flag value within bounds, checked while parsing so the mistake is a usage error. */
export function integerIn(min: number, max: number): (value: string) => number {
  return (value) => {
    const number = Number(value)
    if (!/^\d+$/.test(value) || !Number.isSafeInteger(number) || number < min || number > max) {
      throw new InvalidArgumentError(`must be a whole number from ${min} to ${max}.`)
    }
    return number
  }
}

export function uuidArgument(value: string): string {
  if (!UUID.test(value)) throw new InvalidArgumentError('must be an id (a UUID).')
  return value.toLowerCase()
}

/**
 * Checks what the flags add up to against the API's own request schema (packages/contract),
 * with the API's validator: the CLI accepts exactly what the endpoint would. A failure
 * names the flag, not the JSON field.
 */
export async function checkBody<T>(schema: TSchema, body: T, flags: Readonly<Record<string, string>>): Promise<T> {
  // Loaded when needed: `--help`, usage errors and `scan` stay quick.
  const { validatorCompiler } = await import('../http/validation.js')
  const validate = validatorCompiler()({ schema, method: 'POST', url: '', httpPart: 'body' }) as ((data: unknown) => boolean) & { errors?: { instancePath: string; message?: string }[] | null }
  if (validate(body)) return body
  const error = validate.errors?.[0]
  const field = error?.instancePath.split('/')[1] ?? ''
  throw new UsageError(`${flags[field] ?? (field === '' ? 'the input' : field)} ${error?.message ?? 'is not valid'}.`)
}

import { styleText } from 'node:util'

type Style = 'bold' | 'dim' | 'green' | 'red' | 'yellow'

/**
 * Colours only for a person at a terminal, and never when `NO_COLOR` is set (no-color.org):
 * pipes, files and CI logs get plain text.
 */
export function colours(stream: NodeJS.WriteStream, env: NodeJS.ProcessEnv = process.env): (style: Style, text: string) => string {
  const enabled = stream.isTTY && (env.NO_COLOR === undefined || env.NO_COLOR === '')
  return (style, text) => (enabled ? styleText(style, text) : text)
}

/** A failure the operator can act on: printed as one line, exit code 1. */
export class CliFailure extends Error {
  override readonly name = 'CliFailure'
}

export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`)
}

/** Aligned columns for a terminal; a `--json` caller gets the records instead. */
export function printTable(rows: readonly (readonly string[])[]): void {
  const widths = rows.reduce<number[]>((max, row) => row.map((cell, i) => Math.max(max[i] ?? 0, cell.length)), [])
  for (const row of rows) process.stdout.write(`${row.map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i] ?? 0))).join('  ')}\n`)
}

import { Ajv, type Options } from 'ajv'
import addFormats from 'ajv-formats'
import { fullFormats } from 'ajv-formats/dist/formats.js'
import type { FastifySchemaCompiler } from 'fastify'

function createAjv(options: Options): Ajv {
  const ajv = new Ajv({
    // Unknown fields are an error, never silently dropped: a typo must not pass unnoticed.
    removeAdditional: false,
    useDefaults: true,
    // The first error only: enough to fix a request, and bounded work on hostile input.
    allErrors: false,
    strict: false,
    // Issues carry the offending value, so a message can name it ("unknown scope foo:bar").
    verbose: true,
    ...options,
  })
  addFormats.default(ajv, ['email', 'uuid'])
  // RFC 3339 allows a leap second (":60"), which a JavaScript Date cannot hold: accepted, it
  // would fail later as a 500. A date-time passes only if Date can represent it.
  const rfc3339 = fullFormats['date-time'] as { validate: (value: string) => boolean }
  ajv.addFormat('date-time', { type: 'string', validate: (value: string) => rfc3339.validate(value) && !Number.isNaN(Date.parse(value)) })
  return ajv
}

/**
 * Bodies are JSON and must carry the right types (`"name": 5` is refused, not turned into
 * "5"); query strings and path parameters are text, so numbers in them are converted.
 */
export function validatorCompiler(): FastifySchemaCompiler<unknown> {
  compilers ??= { strict: createAjv({ coerceTypes: false }), coercing: createAjv({ coerceTypes: 'array' }) }
  const { strict, coercing } = compilers
  return ({ schema, httpPart }) => (httpPart === 'body' ? strict : coercing).compile(schema as object)
}

// One pair per process: Ajv keeps what it compiled by schema object, and every app in the
// process validates with the contract's same schema objects (a test run starts dozens of apps).
let compilers: { readonly strict: Ajv; readonly coercing: Ajv } | undefined

import type { FastifyBaseLogger } from 'fastify'
import type { Bindings, ChildLoggerOptions, LogFn } from 'pino'

const LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const
type Level = (typeof LEVELS)[number]

// The log methods are put on the prototype below: one function each, not one per request.
// eslint-disable-next-line @typescript-eslint/no-unsafe-declaration-merging, @typescript-eslint/no-empty-object-type
interface LazyChildLogger extends Pick<FastifyBaseLogger, Level> {}

/**
 * A request's logger that becomes a real pino child only when something is logged. Fastify
 * gives every request a child logger, and building one (bindings, serializers, redaction)
 * cost more than the rest of the global per-request work together, while most requests log
 * nothing at the production level. Lines come out exactly as from an eager child.
 */
// eslint-disable-next-line @typescript-eslint/no-unsafe-declaration-merging
class LazyChildLogger implements FastifyBaseLogger {
  private logger: FastifyBaseLogger | undefined

  constructor(
    private readonly parent: FastifyBaseLogger,
    private readonly bindings: Bindings,
    private readonly options: ChildLoggerOptions,
  ) {}

  get real(): FastifyBaseLogger {
    this.logger ??= this.parent.child(this.bindings, this.options)
    return this.logger
  }

  get level(): string {
    return this.logger?.level ?? this.options.level ?? this.parent.level
  }

  set level(level: string) {
    this.real.level = level
  }

  child(bindings: Bindings, options?: ChildLoggerOptions): FastifyBaseLogger {
    return this.real.child(bindings, options)
  }
}

for (const level of LEVELS) {
  const log: LogFn = function (this: LazyChildLogger, ...args: Parameters<LogFn>) {
    this.real[level](...args)
  }
  LazyChildLogger.prototype[level] = log
}

/** Fastify's `childLoggerFactory` option. */
export function lazyChildLoggerFactory(logger: FastifyBaseLogger, bindings: Bindings, options: ChildLoggerOptions): FastifyBaseLogger {
  return new LazyChildLogger(logger, bindings, options)
}

import { Counter, type Registry } from 'prom-client'

type Label = 'method' | 'route' | 'status'

interface Series {
  readonly labels: Record<Label, string | number>
  count: number
  reported: number
}

/**
 * Counts requests by method, route pattern and status in plain maps, and hands the counts
 * to prom-client when `/metrics` is scraped. prom-client hashes and validates the label
 * object on every `inc`, which cost more per request than routing; here a request costs
 * three map lookups on strings that are the same objects each time (the method from the
 * parser, the route pattern from its options) and an addition.
 */
export class RequestCounter {
  private readonly routes = new Map<string, Map<string, Map<number, Series>>>()

  constructor(registry: Registry) {
    const series = () => this.series()
    new Counter({
      name: 'brandwave_http_requests_total',
      help: 'HTTP requests by route pattern and status.',
      labelNames: ['method', 'route', 'status'],
      registers: [registry],
      // Before each scrape: report what was counted since the last one.
      collect() {
        for (const entry of series()) {
          if (entry.count === entry.reported) continue
          this.inc(entry.labels, entry.count - entry.reported)
          entry.reported = entry.count
        }
      },
    })
  }

  count(method: string, route: string, status: number): void {
    let methods = this.routes.get(route)
    if (methods === undefined) this.routes.set(route, (methods = new Map<string, Map<number, Series>>()))
    let statuses = methods.get(method)
    if (statuses === undefined) methods.set(method, (statuses = new Map<number, Series>()))
    const entry = statuses.get(status)
    if (entry === undefined) statuses.set(status, { labels: { method, route, status }, count: 1, reported: 0 })
    else entry.count += 1
  }

  private *series(): Generator<Series> {
    for (const methods of this.routes.values()) for (const statuses of methods.values()) yield* statuses.values()
  }
}

/**
 * The same for a counter with one label of few values (outcome codes): a map lookup and an
 * addition per request, handed to prom-client at each scrape.
 */
export class OneLabelCounter<L extends string> {
  private readonly counts = new Map<string, { count: number; reported: number }>()

  constructor(registry: Registry, options: { readonly name: string; readonly help: string; readonly label: L }) {
    const counts = this.counts
    const { label } = options
    new Counter({
      name: options.name,
      help: options.help,
      labelNames: [label],
      registers: [registry],
      collect() {
        for (const [value, entry] of counts) {
          if (entry.count === entry.reported) continue
          this.inc({ [label]: value } as Record<L, string>, entry.count - entry.reported)
          entry.reported = entry.count
        }
      },
    })
  }

  count(value: string): void {
    const entry = this.counts.get(value)
    if (entry === undefined) this.counts.set(value, { count: 1, reported: 0 })
    else entry.count += 1
  }
}

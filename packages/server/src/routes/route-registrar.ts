import type { Operation } from '@brandwave/contract'
import type { OperationHandler } from '../http/register-operation.js'

/** Registers one contract operation with its handler in the current route group. */
export type RouteRegistrar = <O extends Operation>(operation: O, handler: OperationHandler<O>) => void

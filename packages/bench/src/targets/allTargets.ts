// Every benchmarked server, in report order; the Amber target is recorded as n/a until it is wired.
import type { BenchTarget } from '../BenchTarget.ts'
import { amberTarget } from './amber.ts'
import { hocuspocusMemoryTarget, hocuspocusSqliteTarget } from './hocuspocus.ts'
import { yWebsocketRefTarget } from './yWebsocketRef.ts'

export const ALL_TARGETS: readonly BenchTarget[] = [
  hocuspocusMemoryTarget,
  hocuspocusSqliteTarget,
  yWebsocketRefTarget,
  amberTarget,
]

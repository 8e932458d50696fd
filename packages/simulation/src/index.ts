export { LoopbackSocket, LOOPBACK_ACCESS } from './LoopbackSocket.ts'
export type { LoopbackOptions } from './LoopbackSocket.ts'
export { Simulation, createCounters, describeDifference, missingTokens, settle, visibleContent } from './Simulation.ts'
export type { SentUpdate, SimulationCounters, SimulationOptions, Token } from './Simulation.ts'

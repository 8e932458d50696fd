export { LoopbackSocket } from './LoopbackSocket.ts'
export type { LoopbackOptions } from './LoopbackSocket.ts'

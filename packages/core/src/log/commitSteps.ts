// The steps between receiving a client's update and acknowledging it, in order. The crash-matrix test
// injects a fault at every one of them (and checks that this list and its tests stay in step).

export const UPDATE_STEPS = [
  /** The frame is decoded. */
  'decode',
  /** The update is checked in isolation: size, struct count, dependencies. */
  'guard',
  /** The update is integrated into the live document. */
  'apply',
  /** The update is relayed to the other subscribers (before any storage write starts). */
  'broadcast',
  /** The update joins the open commit batch with its vault sequence number. */
  'enqueue',
  /** The batch's rows are handed to hot storage. */
  'write',
  /** Hot storage reported the batch durable. */
  'durable',
  /** Acks are being sent to the authors. */
  'ack',
] as const
export type UpdateStep = (typeof UPDATE_STEPS)[number]

/** Test hook: called at each step; throwing simulates a crash of the room at that point. */
export type FaultInjector = (step: UpdateStep) => void

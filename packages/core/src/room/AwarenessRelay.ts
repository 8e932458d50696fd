// Presence for one document without y-protocols' Awareness class (whose constructor starts an
// interval timer, which would keep a Durable Object awake): the newest state per awareness client,
// replayed to new subscribers and cleared when the session that carried it closes.

import * as decoding from 'lib0/decoding'
import * as encoding from 'lib0/encoding'

interface ClientState {
  readonly clock: number
  readonly state: string
}

export class AwarenessRelay {
  private readonly states = new Map<number, ClientState>()

  /** Records an awareness update; returns the awareness client ids it touched. Throws on malformed input. */
  apply(update: Uint8Array): number[] {
    const decoder = decoding.createDecoder(update)
    const count = decoding.readVarUint(decoder)
    if (count > update.length) throw new Error('awareness count exceeds the update')
    const touched: number[] = []
    for (let i = 0; i < count; i++) {
      const clientId = decoding.readVarUint(decoder)
      const clock = decoding.readVarUint(decoder)
      const state = decoding.readVarString(decoder)
      JSON.parse(state) // refuse non-JSON states before relaying them
      const current = this.states.get(clientId)
      if (!current || current.clock < clock || (current.clock === clock && state === 'null')) {
        if (state === 'null') this.states.delete(clientId)
        else this.states.set(clientId, { clock, state })
      }
      touched.push(clientId)
    }
    if (decoder.pos !== update.length) throw new Error('trailing bytes in awareness update')
    return touched
  }

  get size(): number {
    return this.states.size
  }

  /** Every known state as one update, or undefined when nobody is present. */
  encodeAll(): Uint8Array | undefined {
    if (this.states.size === 0) return undefined
    return encode([...this.states].map(([clientId, { clock, state }]) => ({ clientId, clock, state })))
  }

  /** Removes the given clients and returns the update that tells everyone so. */
  remove(clientIds: Iterable<number>): Uint8Array | undefined {
    const removed: Array<{ clientId: number; clock: number; state: string }> = []
    for (const clientId of clientIds) {
      const current = this.states.get(clientId)
      if (!current) continue
      this.states.delete(clientId)
      removed.push({ clientId, clock: current.clock + 1, state: 'null' })
    }
    return removed.length > 0 ? encode(removed) : undefined
  }
}

function encode(states: ReadonlyArray<{ clientId: number; clock: number; state: string }>): Uint8Array {
  const encoder = encoding.createEncoder()
  encoding.writeVarUint(encoder, states.length)
  for (const { clientId, clock, state } of states) {
    encoding.writeVarUint(encoder, clientId)
    encoding.writeVarUint(encoder, clock)
    encoding.writeVarString(encoder, state)
  }
  return encoding.toUint8Array(encoder)
}

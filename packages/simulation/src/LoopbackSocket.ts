// An in-process socket pair between a VaultClient and a VaultRoom. Delivery is explicit: frames wait
// in per-direction queues until the simulation (or `autoFlush`) delivers them, so a test controls
// ordering across sockets, drops and duplicates, and can cut a socket mid-flight.

import type { SocketLike } from '@amber/client'
import { createSessionId } from '@amber/core'
import type { ConnectRoute, Connection, SessionAccess, SessionState, VaultRoom } from '@amber/core'
import { VaultRole } from '@amber/protocol'

/** What an in-process socket is granted unless a test says otherwise: it stands for the vault's owner. */
export const LOOPBACK_ACCESS: SessionAccess = { role: VaultRole.Owner, tokenId: 'loopback' }

export interface LoopbackOptions {
  /** The room the socket reaches when it opens (looked up then, so a restarted room is used). */
  readonly room: () => VaultRoom | undefined
  readonly route?: ConnectRoute
  /** What the host's authentication granted; {@link LOOPBACK_ACCESS} by default. */
  readonly access?: SessionAccess
  /** Deliver frames on a microtask instead of waiting for `deliver` calls. */
  readonly autoFlush?: boolean
  readonly onActivity?: () => void
}

export class LoopbackSocket implements SocketLike {
  binaryType = 'arraybuffer'
  onopen: SocketLike['onopen'] = null
  onmessage: SocketLike['onmessage'] = null
  onclose: SocketLike['onclose'] = null
  onerror: SocketLike['onerror'] = null
  /** Frames from the client not yet handed to the room. */
  readonly toServer: Uint8Array[] = []
  /** Frames from the room not yet handed to the client. */
  readonly toClient: Uint8Array[] = []
  closed = false
  state: SessionState | undefined
  private room: VaultRoom | undefined
  readonly connection: Connection

  constructor(private readonly options: LoopbackOptions) {
    this.connection = {
      send: (frame) => {
        if (!this.closed) this.toClient.push(frame)
        this.activity()
      },
      close: (code, reason) => {
        this.terminate(code, reason, false)
      },
      saveState: (state) => {
        this.state = state
      },
    }
    queueMicrotask(() => this.open())
  }

  private open(): void {
    if (this.closed) return
    const room = this.options.room()
    if (!room || room.isBroken) {
      this.terminate(1006, 'server unavailable', false)
      return
    }
    this.room = room
    room.connect(this.connection, this.options.route ?? { kind: 'vault' }, createSessionId(), this.options.access ?? LOOPBACK_ACCESS)
    this.onopen?.()
  }

  send(data: Uint8Array): void {
    if (this.closed) return
    this.toServer.push(data.slice())
    this.activity()
  }

  close(code = 1000, reason = ''): void {
    this.terminate(code, reason, true)
  }

  /** Cuts the socket: queued frames in both directions are lost, both ends see the close. */
  terminate(code: number, reason: string, notifyRoom = true): void {
    if (this.closed) return
    this.closed = true
    this.toServer.length = 0
    this.toClient.length = 0
    if (notifyRoom && this.room && !this.room.isBroken) this.room.disconnect(this.connection)
    else if (!notifyRoom && this.room) this.room.disconnect(this.connection)
    queueMicrotask(() => this.onclose?.({ code, reason }))
  }

  /** Hands the next client frame to the room (awaiting its handling); false if none was queued. */
  async deliverToServer(duplicate = false): Promise<boolean> {
    const frame = this.toServer.shift()
    if (!frame || this.closed || !this.room) return false
    await this.room.receive(this.connection, frame)
    if (duplicate && !this.closed) await this.room.receive(this.connection, frame)
    return true
  }

  /** Hands the next room frame to the client; false if none was queued. */
  deliverToClient(): boolean {
    const frame = this.toClient.shift()
    if (!frame || this.closed) return false
    this.onmessage?.({ data: frame })
    return true
  }

  private activity(): void {
    this.options.onActivity?.()
    if (this.options.autoFlush) queueMicrotask(() => void this.flushAll())
  }

  private flushing = false
  private async flushAll(): Promise<void> {
    if (this.flushing) return
    this.flushing = true
    try {
      while (!this.closed && (this.toServer.length > 0 || this.toClient.length > 0)) {
        while (this.deliverToClient()) {
          /* drain */
        }
        await this.deliverToServer()
      }
    } finally {
      this.flushing = false
    }
  }
}

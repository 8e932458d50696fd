// What a host (the Durable Object, a Node test harness) provides to a VaultRoom, and what it gets back.

import type { VaultRole } from '@amber/protocol'

/** One client socket as the room sees it. The host wraps its real WebSocket in this. */
export interface Connection {
  /** Sends one binary frame; a no-op once the socket is closed. */
  send(frame: Uint8Array): void
  close(code: number, reason: string): void
  /** Keeps small per-socket state across hibernation (a WebSocket attachment on Cloudflare). */
  saveState(state: SessionState): void
}

/**
 * What the host's authentication granted a socket. The host checks the token before the socket reaches
 * the room; the room enforces the role, the expiry and its limits on every frame.
 */
export interface SessionAccess {
  readonly role: VaultRole
  /** The token the session was opened with (the host revokes sockets by it). */
  readonly tokenId: string
  /** When the token expires (ms since epoch, the room's clock); the first frame at or after it closes the socket. */
  readonly expiresAt?: number
}

/** Per-socket state small enough for a socket attachment. Subscriptions live in storage instead. */
export type SessionState =
  | {
      readonly kind: 'vault'
      readonly sessionId: string
      readonly access: SessionAccess
      /** Undefined until the Hello frame arrived. */
      readonly hello?: { readonly deviceId: string; readonly version: number; readonly subscribeAll: boolean }
    }
  | { readonly kind: 'y'; readonly sessionId: string; readonly access: SessionAccess; readonly docId: string }

/** How a new socket entered the room. */
export type ConnectRoute = { readonly kind: 'vault' } | { readonly kind: 'y'; readonly path: string }

/** The host's alarm: the room asks to be woken (its `alarm()` called) at or after `at` (ms since epoch). */
export interface RoomScheduler {
  /** The earliest pending request wins; asking again for a later time leaves an earlier one in place. */
  wakeAt(at: number): void
}

/**
 * A device's sync state, for the host's device registry: emitted once a vault session's Hello is handled
 * (`connected: true`) and when that session goes away (`connected: false`).
 */
export interface DeviceEvent {
  readonly deviceId: string
  readonly tokenId: string
  readonly role: VaultRole
  readonly connected: boolean
  /** The last committed cursor seq sent to the session: everything up to it reached the device. */
  readonly ackedSeq: number
  /** The vault's committed seq at the time of the event. */
  readonly headSeq: number
  /** The room's clock (ms since epoch). */
  readonly at: number
}

export interface RoomLogger {
  warn(message: string, fields?: Record<string, unknown>): void
  error(message: string, fields?: Record<string, unknown>): void
}

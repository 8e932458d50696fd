// What a host (the Durable Object, a Node test harness) provides to a VaultRoom, and what it gets back.

/** One client socket as the room sees it. The host wraps its real WebSocket in this. */
export interface Connection {
  /** Sends one binary frame; a no-op once the socket is closed. */
  send(frame: Uint8Array): void
  close(code: number, reason: string): void
  /** Keeps small per-socket state across hibernation (a WebSocket attachment on Cloudflare). */
  saveState(state: SessionState): void
}

/** Per-socket state small enough for a socket attachment. Subscriptions live in storage instead. */
export type SessionState =
  | {
      readonly kind: 'vault'
      readonly sessionId: string
      /** Undefined until the Hello frame arrived. */
      readonly hello?: { readonly deviceId: string; readonly version: number; readonly subscribeAll: boolean }
    }
  | { readonly kind: 'y'; readonly sessionId: string; readonly docId: string }

/** How a new socket entered the room. */
export type ConnectRoute = { readonly kind: 'vault' } | { readonly kind: 'y'; readonly path: string }

/** The host's alarm: the room asks to be woken (its `alarm()` called) at or after `at` (ms since epoch). */
export interface RoomScheduler {
  /** The earliest pending request wins; asking again for a later time leaves an earlier one in place. */
  wakeAt(at: number): void
}

export interface RoomLogger {
  warn(message: string, fields?: Record<string, unknown>): void
  error(message: string, fields?: Record<string, unknown>): void
}

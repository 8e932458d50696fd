// Wraps a hibernatable WebSocket as the core's Connection. Per-socket state goes into the socket's
// attachment, which survives hibernation; nothing here lives only in memory.

import type { Connection, SessionState } from '@amber/core'

export function createConnection(ws: WebSocket): Connection {
  return {
    send(frame) {
      // The room may broadcast to a socket whose close is in flight; sending then throws in workerd.
      if (ws.readyState !== WebSocket.READY_STATE_OPEN) return
      ws.send(frame)
    },
    close(code, reason) {
      if (ws.readyState === WebSocket.READY_STATE_CLOSED) return
      ws.close(code, reason)
    },
    saveState(state: SessionState) {
      ws.serializeAttachment(state)
    },
  }
}

// How the SDK dials the vault socket in each runtime. Long-lived tokens never go in URLs: Node (`ws`)
// sends `Authorization` on the upgrade request, Workers upgrade through `fetch` with the header, and
// browsers (which cannot set headers on a WebSocket) fetch a single-use ticket before every (re)connect.

import { FATAL_CLOSE_CODE, FatalReason } from '@amber/protocol'
import type { SocketLike } from '../VaultClient.ts'
import { ClientErrorCode, VaultError } from '../VaultError.ts'
import { EventTargetSocket } from './EventTargetSocket.ts'
import type { EventTargetWebSocket } from './EventTargetSocket.ts'

/** A bearer token, or a function returning a fresh one (called before every connect). */
export type Credential = string | (() => string | Promise<string>)

/**
 * A WebSocket constructor: the browser's, or Node's `ws` package (`import WebSocket from 'ws'`), whose
 * second argument may be `{ headers }`.
 */
export type WebSocketConstructor = new (url: string, ...rest: never[]) => unknown

/** How the SDK calls it: `(url)` in ticket mode, `(url, { headers })` in header mode (the `ws` signature). */
type Dialer = new (url: string, options?: { headers: Record<string, string> }) => unknown

/** What `connectSocket` is asked to open. */
export interface SocketRequest {
  /** `ws:` or `wss:` URL of the vault's sync endpoint. */
  readonly url: string
  /** Headers for the upgrade request (`Authorization` when a credential is set). */
  readonly headers: Readonly<Record<string, string>>
}

/** How the credential reaches the socket. */
export type SocketAuth = 'header' | 'ticket'

export interface ConnectorOptions {
  /** Server origin, e.g. `https://sync.example.com` (a path prefix is kept). */
  readonly url: string
  readonly vaultId: string
  readonly credential?: Credential
  readonly WebSocket?: WebSocketConstructor
  readonly auth?: SocketAuth
  readonly connectSocket?: (request: SocketRequest) => SocketLike | Promise<SocketLike>
  readonly fetch?: typeof fetch
}

interface TicketAnswer {
  readonly ticket: string
  readonly expiresAt: number
}

/** The server's HTTP base (`http:`/`https:`), without a trailing slash. */
export function httpBase(url: string): string {
  const parsed = new URL(url)
  if (parsed.protocol === 'ws:') parsed.protocol = 'http:'
  else if (parsed.protocol === 'wss:') parsed.protocol = 'https:'
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:')
    throw new TypeError(`unsupported server URL ${url}`)
  parsed.search = ''
  parsed.hash = ''
  return parsed.toString().replace(/\/+$/, '')
}

function vaultPath(vaultId: string): string {
  return `/api/v1/vaults/${encodeURIComponent(vaultId)}`
}

/** The vault's HTTP API root, e.g. `https://sync.example.com/api/v1/vaults/v1`. */
export function vaultApiBase(url: string, vaultId: string): string {
  return `${httpBase(url)}${vaultPath(vaultId)}`
}

/** The `Authorization` header for a credential (none without one). */
export async function bearer(credential: Credential | undefined): Promise<Record<string, string>> {
  if (credential === undefined) return {}
  const token = typeof credential === 'string' ? credential : await credential()
  return { Authorization: `Bearer ${token}` }
}

/** A 401/403/404 answer means the credential or the vault is wrong: retrying cannot help. */
export function fatalForStatus(status: number, what: string): VaultError | undefined {
  const code =
    status === 401
      ? ClientErrorCode.Unauthorized
      : status === 403
        ? FatalReason.Forbidden
        : status === 404
          ? FatalReason.NotFound
          : undefined
  return code === undefined ? undefined : new VaultError(code, `${what} answered ${status}`, { fatal: true })
}

/**
 * Fetches a single-use socket ticket. Throws a fatal `VaultError` on 401/403/404 and a plain error
 * (retried with backoff) on network failures and other statuses.
 */
export async function fetchTicket(options: ConnectorOptions): Promise<TicketAnswer> {
  const fetchImpl = options.fetch ?? globalThis.fetch
  const res = await fetchImpl(`${vaultApiBase(options.url, options.vaultId)}/tickets`, {
    method: 'POST',
    headers: { ...(await bearer(options.credential)), 'Content-Type': 'application/json' },
    body: '{}',
  })
  const fatal = fatalForStatus(res.status, 'the ticket request')
  if (fatal) throw fatal
  if (!res.ok) throw new Error(`the ticket request answered ${res.status}`)
  const body = (await res.json()) as Partial<TicketAnswer>
  if (typeof body.ticket !== 'string') throw new Error('the ticket answer has no ticket')
  return { ticket: body.ticket, expiresAt: typeof body.expiresAt === 'number' ? body.expiresAt : 0 }
}

function isWorkersRuntime(): boolean {
  return typeof (globalThis as { WebSocketPair?: unknown }).WebSocketPair === 'function'
}

/** Returns the `connect` function a `VaultClient` calls before every (re)connect. */
export function createConnector(options: ConnectorOptions): () => Promise<SocketLike> {
  const httpUrl = `${vaultApiBase(options.url, options.vaultId)}/sync`
  const wsUrl = httpUrl.replace(/^http/, 'ws')
  const GlobalWebSocket = (globalThis as { WebSocket?: WebSocketConstructor }).WebSocket
  const WebSocketImpl = (options.WebSocket ?? GlobalWebSocket) as Dialer | undefined
  const auth: SocketAuth =
    options.auth ??
    (options.connectSocket || (options.WebSocket && options.WebSocket !== GlobalWebSocket)
      ? 'header'
      : 'ticket')

  if (options.connectSocket) {
    const connectSocket = options.connectSocket
    return async () => connectSocket({ url: wsUrl, headers: await bearer(options.credential) })
  }
  if (!options.WebSocket && isWorkersRuntime()) {
    return async () => {
      const fetchImpl = options.fetch ?? globalThis.fetch
      const res = await fetchImpl(httpUrl, {
        headers: { Upgrade: 'websocket', ...(await bearer(options.credential)) },
      })
      const fatal = fatalForStatus(res.status, 'the socket upgrade')
      if (fatal) throw fatal
      const ws = (res as Response & { webSocket?: (EventTargetWebSocket & { accept(): void }) | null })
        .webSocket
      if (res.status !== 101 || !ws) throw new Error(`the socket upgrade answered ${res.status}`)
      ws.accept()
      return new EventTargetSocket(ws, true)
    }
  }
  if (!WebSocketImpl) {
    throw new TypeError('no WebSocket implementation: pass `WebSocket` (e.g. the `ws` package on Node 20)')
  }
  if (auth === 'header') {
    return async () => {
      const headers = await bearer(options.credential)
      const socket = new WebSocketImpl(wsUrl, { headers })
      return withUpgradeStatus(socket as SocketLike)
    }
  }
  return async () => {
    const url =
      options.credential === undefined
        ? wsUrl
        : `${wsUrl}?ticket=${encodeURIComponent((await fetchTicket(options)).ticket)}`
    return new WebSocketImpl(url) as SocketLike
  }
}

/**
 * `ws` reports a refused upgrade as an error "Unexpected server response: 401" followed by close 1006.
 * Turn 401/403/404 into the fatal close, so a bad token stops the client instead of retrying forever.
 */
function withUpgradeStatus(socket: SocketLike): SocketLike {
  let fatal: VaultError | undefined
  const wrapper: SocketLike = {
    get binaryType() {
      return socket.binaryType
    },
    set binaryType(value) {
      socket.binaryType = value
    },
    send: (data) => socket.send(data),
    close: (code, reason) => socket.close(code, reason),
    onopen: null,
    onmessage: null,
    onclose: null,
    onerror: null,
  }
  socket.onopen = (event) => wrapper.onopen?.(event)
  socket.onmessage = (event) => wrapper.onmessage?.(event)
  socket.onerror = (event) => {
    const message = (event as { message?: unknown } | undefined)?.message
    const status =
      typeof message === 'string' ? /Unexpected server response: (\d{3})/.exec(message)?.[1] : undefined
    if (status !== undefined) fatal = fatalForStatus(Number(status), 'the socket upgrade')
    wrapper.onerror?.(event)
  }
  socket.onclose = (event) =>
    wrapper.onclose?.(fatal ? { code: FATAL_CLOSE_CODE, reason: fatal.code } : event)
  return wrapper
}

// The internal request the Worker sends a VaultDO for a new socket: the validated vault id, route and
// the caller's access ride in headers the Worker always overwrites, so a client cannot choose them and
// the DO never re-parses URLs or credentials. Only the Worker can reach the DO, so these are trusted.

import type { ConnectRoute, SessionAccess } from '@amber/core'
import { VaultRole } from '@amber/protocol'

const VAULT_ID_HEADER = 'X-Amber-Vault-Id'
const ROUTE_HEADER = 'X-Amber-Route'
const ACCESS_HEADER = 'X-Amber-Access'
const ROLES = new Set<string>(Object.values(VaultRole))

export interface VaultUpgrade {
  readonly vaultId: string
  readonly route: ConnectRoute
  readonly access: SessionAccess
}

/** Copies the client's upgrade request, adding the vault id, route and access for the DO. */
export function createVaultUpgrade(request: Request, { vaultId, route, access }: VaultUpgrade): Request {
  const headers = new Headers(request.headers)
  // The DO needs none of the client's credentials; they stop here.
  headers.delete('Authorization')
  headers.set(VAULT_ID_HEADER, vaultId)
  // Header values must be ByteStrings; a note path may hold any Unicode, so it travels percent-encoded.
  headers.set(ROUTE_HEADER, route.kind === 'vault' ? 'vault' : `y:${encodeURIComponent(route.path)}`)
  headers.set(ACCESS_HEADER, encodeURIComponent(JSON.stringify(access)))
  const url = new URL(request.url)
  url.search = '' // a ticket in the query is spent; it goes no further
  return new Request(url, { method: 'GET', headers })
}

/** Undefined when the request did not come from createVaultUpgrade. */
export function readVaultUpgrade(request: Request): VaultUpgrade | undefined {
  const vaultId = request.headers.get(VAULT_ID_HEADER)
  const route = request.headers.get(ROUTE_HEADER)
  const access = parseAccess(request.headers.get(ACCESS_HEADER))
  if (vaultId === null || route === null || access === undefined) return undefined
  if (route === 'vault') return { vaultId, route: { kind: 'vault' }, access }
  if (route.startsWith('y:')) return { vaultId, route: { kind: 'y', path: decodeURIComponent(route.slice(2)) }, access }
  return undefined
}

function parseAccess(header: string | null): SessionAccess | undefined {
  if (header === null) return undefined
  const value = JSON.parse(decodeURIComponent(header)) as Partial<SessionAccess>
  if (typeof value.role !== 'string' || !ROLES.has(value.role) || typeof value.tokenId !== 'string') return undefined
  return typeof value.expiresAt === 'number'
    ? { role: value.role, tokenId: value.tokenId, expiresAt: value.expiresAt }
    : { role: value.role, tokenId: value.tokenId }
}

// The internal request the Worker sends a VaultDO for a new socket: the validated vault id and route ride
// in headers the Worker always overwrites, so a client cannot choose them and the DO never re-parses URLs.

import type { ConnectRoute } from '@amber/core'

const VAULT_ID_HEADER = 'X-Amber-Vault-Id'
const ROUTE_HEADER = 'X-Amber-Route'

export interface VaultUpgrade {
  readonly vaultId: string
  readonly route: ConnectRoute
}

/** Copies the client's upgrade request, adding the vault id and route for the DO. */
export function createVaultUpgrade(request: Request, { vaultId, route }: VaultUpgrade): Request {
  const headers = new Headers(request.headers)
  headers.set(VAULT_ID_HEADER, vaultId)
  // Header values must be ByteStrings; a note path may hold any Unicode, so it travels percent-encoded.
  headers.set(ROUTE_HEADER, route.kind === 'vault' ? 'vault' : `y:${encodeURIComponent(route.path)}`)
  return new Request(request.url, { method: 'GET', headers })
}

/** Undefined when the request did not come from createVaultUpgrade. */
export function readVaultUpgrade(request: Request): VaultUpgrade | undefined {
  const vaultId = request.headers.get(VAULT_ID_HEADER)
  const route = request.headers.get(ROUTE_HEADER)
  if (vaultId === null || route === null) return undefined
  if (route === 'vault') return { vaultId, route: { kind: 'vault' } }
  if (route.startsWith('y:')) return { vaultId, route: { kind: 'y', path: decodeURIComponent(route.slice(2)) } }
  return undefined
}

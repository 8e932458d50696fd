// The JSON shapes of the registry API (docs/security.md), shared by the Worker that answers them and
// the SDKs that call it. Times are milliseconds since the epoch.

import type { VaultRole } from './VaultRole.ts'

/** The audience a foreign-identity JWT must carry to be a credential for Amber. */
export const AMBER_JWT_AUDIENCE = 'amber-sync'

/** `POST /api/v1/vaults` */
export interface CreatedVault {
  readonly vaultId: string
  /** The vault's first owner token. Shown once: the server keeps only its hash. */
  readonly token: string
  readonly tokenId: string
}

/** `GET /api/v1/vaults/:vaultId` */
export interface VaultInfo {
  readonly vaultId: string
  readonly name: string
  readonly createdAt: number
  /** Note bytes stored, as the vault last reported them. */
  readonly storedBytes: number
  /** Binary bytes stored (packs and manifests), as the vault last reported them. */
  readonly binaryBytes: number
  /** The caller's role on this vault. */
  readonly role: VaultRole
}

/** `POST /api/v1/vaults/:vaultId/tokens` */
export interface MintedToken {
  readonly tokenId: string
  /** The secret. Shown once. */
  readonly token: string
  readonly role: VaultRole
  readonly label: string
  readonly expiresAt: number | null
}

/** One entry of `GET /api/v1/vaults/:vaultId/tokens`: never the secret or its hash. */
export interface TokenInfo {
  readonly tokenId: string
  readonly vaultId: string
  readonly role: VaultRole
  readonly label: string
  readonly createdAt: number
  readonly expiresAt: number | null
  readonly revokedAt: number | null
  readonly lastUsedAt: number | null
}

/** One entry of `GET /api/v1/vaults/:vaultId/devices`. */
export interface DeviceInfo {
  readonly deviceId: string
  /** The token id (or `ext:<verifier>:<subject>`) the device last connected with. */
  readonly credentialId: string
  readonly role: VaultRole
  readonly firstSeenAt: number
  readonly lastSeenAt: number
  readonly connected: boolean
  /** The vault log position the device has received… */
  readonly ackedSeq: number
  /** …and the vault's head when that was reported: equal means the device was up to date. */
  readonly headSeq: number
}

/** `POST /api/v1/vaults/:vaultId/tickets` */
export interface Ticket {
  /** Opens one WebSocket (`?ticket=`) before `expiresAt`. */
  readonly ticket: string
  readonly expiresAt: number
}

/** Every error answer of the API. */
export interface ApiErrorBody {
  readonly error: { readonly code: string; readonly message: string }
}

// @amber/server-sdk: what another Grove app's server needs to give its users Amber vaults.

export { AmberAdmin, AmberApiError } from './AmberAdmin.ts'
export type { AmberAdminOptions } from './AmberAdmin.ts'
export { signVaultJwt } from './signVaultJwt.ts'
export type { VaultJwtClaims } from './signVaultJwt.ts'
export { AMBER_JWT_AUDIENCE, VaultRole } from '@amber/protocol'
export type { CreatedVault, DeviceInfo, MintedToken, Ticket, TokenInfo, VaultInfo } from '@amber/protocol'

// @amber/server-sdk: what another Grove app's server needs to give its users Amber vaults.

export { AmberAdmin, AmberApiError } from './AmberAdmin.ts'
export type { AmberAdminOptions, CreatedVault, DeviceInfo, MintedToken, Ticket, TokenInfo, VaultInfo } from './AmberAdmin.ts'
export { AMBER_JWT_AUDIENCE, signVaultJwt } from './signVaultJwt.ts'
export type { VaultJwtClaims } from './signVaultJwt.ts'
export { VaultRole } from '@amber/protocol'

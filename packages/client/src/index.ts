export { VaultClient, REMOTE_ORIGIN } from './VaultClient.ts'
export type { VaultClientOptions, VaultClientEvents, ClientStatus, SocketLike } from './VaultClient.ts'

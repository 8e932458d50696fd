// What a session may do in a vault. The host authenticates and picks the role; the room enforces it.

export const VaultRole = { Owner: 'owner', Editor: 'editor', Viewer: 'viewer' } as const
export type VaultRole = (typeof VaultRole)[keyof typeof VaultRole]

/** Owners and editors write content (notes and the tree); viewers only read and share presence. */
export function canWrite(role: VaultRole): boolean {
  return role === VaultRole.Owner || role === VaultRole.Editor
}

// Who is calling: the admin (the AMBER_ADMIN_TOKEN secret), the holder of an Amber token, or a foreign
// identity a configured verifier vouches for. Anything else is nobody.

import type { Env } from '../Env.ts'
import { identityVerifiers } from '../identity/verifiers.ts'
import type { Grant, Registry } from '../registry/Registry.ts'
import { TOKEN_PREFIX, secretsEqual } from './secrets.ts'

export type Principal = { readonly kind: 'admin' } | { readonly kind: 'member'; readonly grant: Grant }

/** The credential id the admin's tickets and sockets carry. */
export const ADMIN_CREDENTIAL_ID = 'admin'

/** The bearer credential of an Authorization header; undefined when absent, null when malformed. */
export function bearerCredential(header: string | undefined): string | undefined | null {
  if (header === undefined) return undefined
  const match = /^Bearer[ ]+([\x21-\x7e]{1,4096})$/i.exec(header.trim())
  return match?.[1] ?? null
}

export async function authenticate(credential: string, env: Env, registry: Registry): Promise<Principal | undefined> {
  const admin = env.AMBER_ADMIN_TOKEN
  // An unset or empty admin secret disables the admin, it never matches an empty credential.
  if (admin !== undefined && admin.length > 0 && (await secretsEqual(credential, admin))) return { kind: 'admin' }
  if (credential.startsWith(TOKEN_PREFIX)) {
    const grant = await registry.verifyToken(credential)
    return grant === undefined ? undefined : { kind: 'member', grant }
  }
  for (const verifier of identityVerifiers(env)) {
    const foreign = await verifier.verify(credential)
    if (foreign === undefined) continue
    return {
      kind: 'member',
      grant: { vaultId: foreign.vaultId, role: foreign.role, credentialId: `ext:${verifier.name}:${foreign.subject}`, expiresAt: foreign.expiresAt },
    }
  }
  return undefined
}

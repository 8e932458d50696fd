// Where another Grove app plugs in its own identity: a verifier maps a credential that is not an Amber
// token (a JWT its login issued, say) to a role on one vault. The Worker asks each configured verifier
// in turn (identityVerifiers in ./verifiers.ts); the first that recognises the credential decides.

import type { VaultRole } from '@amber/protocol'
import type { Env } from '../Env.ts'

export interface ForeignGrant {
  /** Stable id of the person or service in the foreign system; devices and tickets record it. */
  readonly subject: string
  readonly vaultId: string
  readonly role: VaultRole
  /** ms since the epoch; the socket opened with this credential closes then. Null for no expiry. */
  readonly expiresAt: number | null
}

export interface IdentityVerifier {
  /** Short name, part of the credential id recorded for the grant (`ext:<name>:<subject>`). */
  readonly name: string
  /**
   * The grant for `credential`, or undefined when it is not this verifier's kind of credential or does
   * not verify (bad signature, expired, wrong audience). Must not throw for malformed input.
   */
  verify(credential: string): Promise<ForeignGrant | undefined>
}

/** Builds the verifiers a deployment enables, from its env. */
export type IdentityVerifierFactory = (env: Env) => IdentityVerifier | undefined

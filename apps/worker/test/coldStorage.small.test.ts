// Cold storage with tiny thresholds (vitest.config.ts, project workerd-small-thresholds): hot log entries
// are flushed to R2 segments under vaults/<id>/, segments are compacted into a snapshot, and a restarted
// DO rebuilds exactly the same state from them.

import { coldKeys, parseColdKey } from '@amber/core'
import { abortAllDurableObjects, env, runDurableObjectAlarm, runInDurableObject } from 'cloudflare:test'
import { describe, expect, it } from 'vitest'
import { DoSqliteStorageAdapter } from '../src/storage/DoSqliteStorageAdapter.ts'
import { connectInWorkerd, createTestVault } from './support/connectInWorkerd.ts'
import { VaultTestClient } from './support/VaultTestClient.ts'
import { createNote, expectSameDoc, textOf } from './support/vaultHelpers.ts'

async function coldKeysOf(vaultId: string): Promise<string[]> {
  const keys: string[] = []
  let cursor: string | undefined
  do {
    const page = await env.BLOBS.list({ prefix: `vaults/${vaultId}/`, ...(cursor === undefined ? {} : { cursor }) })
    keys.push(...page.objects.map((o) => o.key.slice(`vaults/${vaultId}/`.length)))
    cursor = page.truncated ? page.cursor : undefined
  } while (cursor !== undefined)
  return keys
}

describe('R2 segments and snapshots', () => {
  it('are written under vaults/<id>/ and a restarted DO reloads the same state', async () => {
    const vault = await createTestVault()
    const vaultId = vault.vaultId
    const stub = env.VAULT.get(env.VAULT.idFromName(vaultId))
    const a = new VaultTestClient('device-a')
    await connectInWorkerd(a, vault)
    await a.whenCaughtUp()
    const id = createNote(a, 'Cold/Note.md')
    const text = a.doc(id).getText('content')

    let sawSegment = false
    let sawSnapshot = false
    let rounds = 0
    let alarmsRun = 0
    // Each round is an acked edit plus the alarm the room asked for; stop once both kinds of objects exist.
    while (!(sawSegment && sawSnapshot) && rounds < 40) {
      text.insert(text.length, `edit ${rounds} `.repeat(4))
      await a.whenAllAcked()
      // The room asked for a wake-up (RoomScheduler.wakeAt → setAlarm); run it now instead of waiting.
      if (await runDurableObjectAlarm(stub)) alarmsRun++
      // Besides the vault's lineage record, only segments and snapshots.
      const parsed = (await coldKeysOf(vaultId)).filter((key) => key !== coldKeys.lineage).map(parseColdKey)
      expect(parsed, 'every object under the vault prefix is a segment or snapshot').not.toContain(undefined)
      sawSegment ||= parsed.some((k) => k?.kind === 'segment' && k.docId === id)
      sawSnapshot ||= parsed.some((k) => k?.kind === 'snapshot' && k.docId === id)
      rounds++
    }
    expect(alarmsRun, 'alarms scheduled by the room').toBeGreaterThan(0)
    expect(sawSegment, `a segment for the note after ${rounds} rounds`).toBe(true)
    expect(sawSnapshot, `a snapshot for the note after ${rounds} rounds`).toBe(true)

    // The hot log no longer holds everything: flushed entries left SQLite.
    const hotLog = await runInDurableObject(stub, (_i, state) => new DoSqliteStorageAdapter(state.storage).listKeys(`log/${id}/`))
    expect(hotLog.length).toBeLessThan(rounds)

    await abortAllDurableObjects()
    const fresh = new VaultTestClient('device-fresh')
    await connectInWorkerd(fresh, vault)
    await fresh.whenCaughtUp()
    await fresh.waitFor(() => textOf(fresh, id) === text.toString(), 'the note rebuilt from R2 and SQLite')
    expectSameDoc(fresh.doc(id), a.doc(id), 'note after restart')
    expectSameDoc(fresh.tree, a.tree, 'tree after restart')
  })
})

import { hocuspocusMemoryTarget, hocuspocusSqliteTarget } from './targets/hocuspocus.ts'
import { yWebsocketRefTarget } from './targets/yWebsocketRef.ts'
for (const t of [hocuspocusMemoryTarget, hocuspocusSqliteTarget, yWebsocketRefTarget]) {
  const s = await t.start({ storageDir: '/tmp/bstore' })
  const a = await t.openNote(s.url, 'n1'); const b = await t.openNote(s.url, 'n1')
  const got = new Promise<void>((r) => b.onRemoteUpdate(() => r()))
  const t0 = performance.now(); a.doc.getText('content').insert(0, 'x'); await got
  console.log(t.name, 'latency', performance.now() - t0, b.doc.getText('content').toString(), await s.memory?.(), a.wireLog())
  await a.close(); await b.close(); await s.stop(); console.log('stopped')
}
setTimeout(() => { console.log(process.getActiveResourcesInfo()); }, 2000).unref()

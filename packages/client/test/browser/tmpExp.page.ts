import * as Y from 'yjs'
import { IndexedDbStore } from '../../src/store/IndexedDbStore.ts'
const noteText = (i: number) => `# Note ${i}\n\nA small note of about a hundred characters, linking [[note-${i + 1}]].\n`
;(globalThis as any).exp = {
  async write(n: number) {
    const t0 = performance.now()
    const store = await IndexedDbStore.open('exp')
    const t1 = performance.now()
    const updates = Array.from({ length: n }, (_, i) => { const d = new Y.Doc(); d.getText('content').insert(0, noteText(i)); return { docId: `notes/${i}.md`, update: Y.encodeStateAsUpdate(d) } })
    const t2 = performance.now()
    await store.commit({ appendUpdates: updates })
    const t3 = performance.now()
    // raw: plain puts in one tx
    const db: IDBDatabase = await new Promise((res, rej) => { const r = indexedDB.open('raw', 1); r.onupgradeneeded = () => r.result.createObjectStore('docs'); r.onsuccess = () => res(r.result); r.onerror = rej })
    const t4 = performance.now()
    await new Promise((res) => { const tx = db.transaction('docs', 'readwrite'); const s = tx.objectStore('docs'); updates.forEach((u, i) => s.put(u.update, [u.docId, 0])); tx.oncomplete = res })
    const t5 = performance.now()
    await store.close(); db.close()
    return { open: t1 - t0, gen: t2 - t1, commitOneBatch: t3 - t2, rawOpen: t5 - t4 > 0 ? t4 - t3 : 0, rawPuts: t5 - t4 }
  },
  async read(n: number) {
    const t0 = performance.now()
    const store = await IndexedDbStore.open('exp')
    const t1 = performance.now()
    const ids = await store.listDocs()
    const t2 = performance.now()
    const all = await Promise.all(ids.map((id) => store.readDoc(id)))
    const t3 = performance.now()
    for (const u of all) { const d = new Y.Doc(); for (const x of u) Y.applyUpdate(d, x) }
    const t4 = performance.now()
    const db: IDBDatabase = await new Promise((res, rej) => { const r = indexedDB.open('raw', 1); r.onsuccess = () => res(r.result); r.onerror = rej })
    const t5 = performance.now()
    const vals: any[] = await new Promise((res) => { const r = db.transaction('docs').objectStore('docs').getAll(); r.onsuccess = () => res(r.result) })
    const t6 = performance.now()
    return { n: ids.length, open: t1 - t0, list: t2 - t1, readAll: t3 - t2, apply: t4 - t3, rawOpen: t5 - t4, rawGetAll: t6 - t5, rawN: vals.length }
  },
}

import { measureRoomMemory } from './measureVault.ts'
const settings = { notes: Number(process.env.N ?? 10000), longHistoryShare: 0.05, longHistoryEdits: 300, idleClients: 100 }
console.log(JSON.stringify(await measureRoomMemory(settings), null, 1))

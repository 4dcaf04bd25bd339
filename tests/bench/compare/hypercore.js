'use strict'
// The Hypercore peer of compare/run.sh: a writer that holds N blocks and
// serves replication on 127.0.0.1, and a reader, in its own process, that
// downloads them all through the relay. Driven by run.sh; prints
// "word value..." lines on stdout, times as wall-clock ms (Date.now(), as
// the relay's and the daemons' time stamps).
//
//   node hypercore.js writer DIR N SIZE
//     appends N blocks of SIZE random bytes (1,000 per append), then
//     prints "key HEX", "storage_bytes B", "listening PORT"; serves every
//     connection with its own replication stream until SIGTERM.
//   node hypercore.js reader DIR KEY PORT N
//     opens an empty core in DIR (default storage), prints "ready", then
//     reads commands on stdin:
//       sync   connect, download blocks 0..N-1, print
//              "synced MS LENGTH CPU_S" (MS: all N stored), close
//       noop   a fresh connection with nothing new: update({wait: true})
//              (the writer's length proven), close; print "noop MS_TAKEN"
//       quit   close the core and exit
const Hypercore = require('hypercore')
const crypto = require('crypto')
const fs = require('fs')
const net = require('net')
const path = require('path')
const readline = require('readline')

function dirBytes (dir) {
  let total = 0
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name)
    if (e.isDirectory()) total += dirBytes(p)
    else if (e.isFile()) total += fs.statSync(p).size
  }
  return total
}

async function writer (dir, n, size) {
  const core = new Hypercore(dir)
  await core.ready()
  // Random blocks (nothing compresses), from a pool so the RNG is not timed.
  const pool = crypto.randomBytes(size * 1024)
  for (let i = 0; i < n; i += 1000) {
    const batch = []
    for (let j = i; j < Math.min(n, i + 1000); j++) {
      const k = (j * 7919) % 1024
      batch.push(pool.subarray(k * size, k * size + size))
    }
    await core.append(batch)
  }
  if (core.length !== n) throw new Error('writer length ' + core.length)
  const server = net.createServer((socket) => {
    const s = core.replicate(false, { keepAlive: false })
    socket.on('error', () => {})
    s.on('error', () => {})
    s.pipe(socket).pipe(s)
  })
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve))
  console.log('key ' + core.key.toString('hex'))
  console.log('storage_bytes ' + dirBytes(dir))
  console.log('listening ' + server.address().port)
  await new Promise((resolve) => process.once('SIGTERM', resolve))
  server.close()
  await core.close()
}

function connect (core, port) {
  const socket = net.connect(port, '127.0.0.1')
  const stream = core.replicate(true, { keepAlive: false })
  socket.on('error', () => {})
  stream.on('error', () => {})
  stream.pipe(socket).pipe(stream)
  return { socket, stream }
}

async function disconnect ({ socket, stream }) {
  const closed = new Promise((resolve) => socket.once('close', resolve))
  stream.destroy()
  socket.destroy()
  await closed
}

async function reader (dir, keyHex, port, n) {
  const core = new Hypercore(dir, Buffer.from(keyHex, 'hex'))
  await core.ready()
  console.log('ready')
  const rl = readline.createInterface({ input: process.stdin })
  for await (const line of rl) {
    const cmd = line.trim()
    if (cmd === 'sync') {
      const cpu0 = process.cpuUsage()
      const conn = connect(core, port)
      await core.download({ start: 0, end: n }).done()
      while (core.contiguousLength < n) await new Promise((resolve) => setTimeout(resolve, 1))
      const t = Date.now()
      const cpu = process.cpuUsage(cpu0)
      await disconnect(conn)
      console.log('synced ' + t + ' ' + core.contiguousLength + ' ' + ((cpu.user + cpu.system) / 1e6).toFixed(2))
      console.log('storage_bytes ' + dirBytes(dir))
    } else if (cmd === 'noop') {
      const t0 = Date.now()
      const conn = connect(core, port)
      const done = core.findingPeers()
      conn.socket.once('connect', () => done())
      await core.update({ wait: true })
      if (core.length !== n || core.contiguousLength !== n) throw new Error('noop: length ' + core.length)
      const t = Date.now() - t0
      await disconnect(conn)
      console.log('noop ' + t)
    } else if (cmd === 'quit') {
      break
    }
  }
  await core.close()
}

const [role, dir, ...rest] = process.argv.slice(2)
const main = role === 'writer'
  ? () => writer(dir, Number(rest[0]), Number(rest[1]))
  : role === 'reader'
    ? () => reader(dir, rest[0], Number(rest[1]), Number(rest[2]))
    : () => Promise.reject(new Error('usage: hypercore.js writer|reader ...'))
main().then(() => process.exit(0), (err) => { console.error('hypercore.js: ' + (err.stack || err)); process.exit(1) })

// Starting and stopping the real mpauth server in demo mode, for the e2e
// global setup and teardown. Demo mode (no WECHAT_* variables) serves the
// fake WeChat, with its device API, under /_fakewechat/.
const { execFileSync, spawn } = require('child_process')
const fs = require('fs')
const net = require('net')
const os = require('os')
const path = require('path')
const http = require('../support/http')

const REPO = path.resolve(__dirname, '..', '..', '..')
const READY_TIMEOUT_MS = 60 * 1000
const STOP_TIMEOUT_MS = 25 * 1000

function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer()
    server.on('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address()
      server.close(() => resolve(port))
    })
  })
}

function adminURL() {
  return process.env.TEST_DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/postgres'
}

function databaseURL(name) {
  const url = new URL(adminURL())
  url.pathname = '/' + name
  if (!url.searchParams.has('sslmode')) url.searchParams.set('sslmode', 'disable')
  return url.toString()
}

function psql(sql) {
  execFileSync('psql', [adminURL(), '-v', 'ON_ERROR_STOP=1', '-q', '-c', sql], { stdio: ['ignore', 'ignore', 'pipe'] })
}

// The server gets a clean environment: an inherited WECHAT_APPID would turn
// demo mode off, an inherited DATABASE_URL would point at someone's data.
function serverEnv(port, dbURL, workDir) {
  const env = {}
  Object.keys(process.env).forEach(key => {
    if (/^(WECHAT_|MPAUTH_)/.test(key) || key === 'DATABASE_URL') return
    env[key] = process.env[key]
  })
  return Object.assign(env, {
    MPAUTH_ADDR: `127.0.0.1:${port}`,
    MPAUTH_ENV: 'development',
    MPAUTH_DATA_DIR: workDir,
    DATABASE_URL: dbURL,
  })
}

function logTail(logPath) {
  try {
    return fs.readFileSync(logPath, 'utf8').split('\n').slice(-40).join('\n')
  } catch (e) {
    return '(no server log)'
  }
}

async function waitReady(baseURL, child, logPath) {
  const deadline = Date.now() + READY_TIMEOUT_MS
  let last = 'no answer yet'
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`mpauth exited (${child.exitCode || child.signalCode}) before it was ready:\n${logTail(logPath)}`)
    }
    try {
      const res = await http.send('GET', baseURL + '/readyz', { timeoutMs: 2000 })
      if (res.status === 200) return
      last = `HTTP ${res.status}`
    } catch (err) {
      last = err.message
    }
    await new Promise(resolve => setTimeout(resolve, 100))
  }
  throw new Error(`mpauth not ready within ${READY_TIMEOUT_MS} ms (last: ${last}):\n${logTail(logPath)}`)
}

function stopProcess(child) {
  if (!child || child.exitCode !== null || child.signalCode !== null) return Promise.resolve()
  return new Promise(resolve => {
    const timer = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS)
    child.once('exit', () => {
      clearTimeout(timer)
      resolve()
    })
    child.kill('SIGTERM')
  })
}

// start builds the binary, creates a fresh database and starts the server.
// It resolves with the running server; on any failure it undoes what it did.
async function start() {
  const workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'mpauth-miniprogram-'))
  const running = { workDir, dbName: '', child: null, baseURL: '', logPath: path.join(workDir, 'server.log') }
  try {
    const bin = path.join(workDir, 'mpauth')
    execFileSync('go', ['build', '-o', bin, '.'], { cwd: REPO, stdio: 'inherit' })

    running.dbName = `mpauth_miniprogram_${process.pid}_${Date.now()}`
    psql(`CREATE DATABASE ${running.dbName}`)

    const port = await freePort()
    running.baseURL = `http://127.0.0.1:${port}`
    const log = fs.openSync(running.logPath, 'a')
    running.child = spawn(bin, ['serve'], {
      cwd: workDir,
      env: serverEnv(port, databaseURL(running.dbName), workDir),
      stdio: ['ignore', log, log],
    })
    fs.closeSync(log)
    await waitReady(running.baseURL, running.child, running.logPath)
    return running
  } catch (err) {
    await stop(running)
    throw err
  }
}

async function stop(running) {
  if (!running) return
  await stopProcess(running.child)
  if (running.dbName) {
    try {
      psql(`DROP DATABASE IF EXISTS ${running.dbName} WITH (FORCE)`)
    } catch (err) {
      console.warn(`could not drop test database ${running.dbName}: ${err.stderr || err.message}`)
    }
  }
  if (process.env.MPAUTH_KEEP_LOG) {
    console.log(`mpauth log kept in ${running.logPath}`)
  } else {
    fs.rmSync(running.workDir, { recursive: true, force: true })
  }
}

module.exports = { start, stop }

const server = require('./server')

// Once per run: build mpauth, give it a fresh database, start it in demo
// mode and wait for /readyz. Tests find it through MPAUTH_E2E_URL.
module.exports = async function globalSetup() {
  const running = await server.start()
  globalThis.__MPAUTH_E2E__ = running
  process.env.MPAUTH_E2E_URL = running.baseURL
}

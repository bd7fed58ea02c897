const server = require('./server')

// SIGTERM the server (it drains and exits), then drop its database.
module.exports = async function globalTeardown() {
  await server.stop(globalThis.__MPAUTH_E2E__)
}

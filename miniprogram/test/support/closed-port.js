// closedPortURL returns an http URL on 127.0.0.1 where nothing listens: a
// port the kernel just handed out and that was closed again.
const net = require('net')

function closedPortURL() {
  return new Promise((resolve, reject) => {
    const server = net.createServer()
    server.on('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address()
      server.close(() => resolve(`http://127.0.0.1:${port}`))
    })
  })
}

module.exports = { closedPortURL }

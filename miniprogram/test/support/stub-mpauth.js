// A scripted stand-in for the mpauth server, for the unit tests that must
// pass before the real server exists. It speaks the documented contract and
// nothing more; the e2e tests run the same client against the real server.
const http = require('http')

function startStubMpauth() {
  const state = {
    tokens: new Map(), // token → user id
    logins: [], // login request bodies
    nextToken: 0,
    // Scripted answers: path → [{status, code, message, headers}] used once each.
    failures: new Map(),
    phone: null,
  }

  function fail(res, status, code, message, headers = {}) {
    res.writeHead(status, Object.assign({ 'Content-Type': 'application/json' }, headers))
    res.end(JSON.stringify({ error: { code, message, requestId: 'req-test' } }))
  }

  function ok(res, status, body) {
    if (body === undefined) {
      res.writeHead(status)
      res.end()
      return
    }
    res.writeHead(status, { 'Content-Type': 'application/json' })
    res.end(JSON.stringify(body))
  }

  const server = http.createServer((req, res) => {
    const chunks = []
    req.on('data', c => chunks.push(c))
    req.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8')
      const body = text ? JSON.parse(text) : {}
      const scripted = state.failures.get(req.url)
      if (scripted && scripted.length) {
        const f = scripted.shift()
        if (f.raw) {
          res.writeHead(f.status, { 'Content-Type': 'text/html' })
          res.end(f.raw)
          return
        }
        fail(res, f.status, f.code, f.message, f.headers)
        return
      }
      if (req.method === 'POST' && req.url === '/api/v1/login') {
        state.logins.push(body)
        if (!body.code) return fail(res, 400, 'invalid_request', 'code is required')
        const token = `token-${++state.nextToken}`
        state.tokens.set(token, 'user-1')
        return ok(res, 200, {
          token,
          expiresAt: new Date(Date.now() + 3600 * 1000).toISOString(),
          user: { id: 'user-1', phoneBound: false, isNew: state.nextToken === 1 },
        })
      }
      const auth = req.headers.authorization || ''
      const token = auth.replace(/^Bearer /, '')
      if (!state.tokens.has(token)) return fail(res, 401, 'unauthorized', 'Please log in again.')
      if (req.method === 'GET' && req.url === '/api/v1/me') {
        return ok(res, 200, { user: { id: 'user-1', phoneBound: !!state.phone, phone: state.phone } })
      }
      if (req.method === 'POST' && req.url === '/api/v1/phone') {
        if (body.cloudID && !body.code && !body.encryptedData) {
          return fail(res, 400, 'not_supported', 'cloudID only works inside WeChat cloud functions.')
        }
        if (!body.code && !(body.encryptedData && body.iv)) return fail(res, 400, 'invalid_request', 'code or encryptedData and iv are required')
        state.phone = { countryCode: '86', masked: '138****8000' }
        return ok(res, 200, { phone: state.phone })
      }
      if (req.method === 'POST' && req.url === '/api/v1/logout') {
        state.tokens.delete(token)
        return ok(res, 204)
      }
      return fail(res, 404, 'not_found', 'No such route.')
    })
  })

  return new Promise(resolve => {
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address()
      resolve({
        url: `http://127.0.0.1:${port}`,
        state,
        // failNext(path, failure) makes the next request to path fail.
        failNext(path, failure) {
          if (!state.failures.has(path)) state.failures.set(path, [])
          state.failures.get(path).push(failure)
        },
        revokeAll() {
          state.tokens.clear()
        },
        close: () => new Promise(done => server.close(done)),
      })
    })
  })
}

module.exports = { startStubMpauth }

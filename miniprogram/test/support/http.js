// Plain HTTP for the tests, on Node's own http module (jsdom hides fetch).
const http = require('http')

// send(method, url, {body, headers, timeoutMs}) resolves with
// {status, headers, text, json} for any status, rejects on a network error.
function send(method, url, { body, headers = {}, timeoutMs = 15000 } = {}) {
  const payload = body === undefined ? undefined : (typeof body === 'string' ? body : JSON.stringify(body))
  const allHeaders = Object.assign({}, headers)
  if (payload !== undefined && !Object.keys(allHeaders).some(k => k.toLowerCase() === 'content-type')) {
    allHeaders['Content-Type'] = 'application/json'
  }
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method, headers: allHeaders, timeout: timeoutMs }, res => {
      const chunks = []
      res.on('data', chunk => chunks.push(chunk))
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8')
        let json
        try {
          json = text ? JSON.parse(text) : undefined
        } catch (e) {
          json = undefined
        }
        resolve({ status: res.statusCode, headers: res.headers, text, json })
      })
      res.on('error', reject)
    })
    req.on('timeout', () => req.destroy(new Error('timeout')))
    req.on('error', reject)
    if (payload !== undefined) req.write(payload)
    req.end()
  })
}

// postJSON posts body and returns the JSON answer, failing on a non-2xx.
async function postJSON(url, body) {
  const res = await send('POST', url, { body })
  if (res.status < 200 || res.status >= 300) {
    throw new Error(`POST ${url}: HTTP ${res.status}: ${res.text}`)
  }
  return res.json
}

module.exports = { send, postJSON }

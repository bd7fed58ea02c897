// The request helper (lib/request.js) against a scripted server.
const { launch, stubDevice } = require('../support/launch')
const { startStubMpauth } = require('../support/stub-mpauth')
const { closedPortURL } = require('../support/closed-port')
const { messages } = require('../support/fake-wx')

let server
let mp

beforeEach(async () => {
  server = await startStubMpauth()
  mp = await launch({ baseURL: server.url, device: stubDevice() })
  await mp.loaded
})

afterEach(async () => {
  mp.close()
  await server.close()
})

test('sends the stored token as a Bearer header', async () => {
  await mp.request({ path: '/api/v1/me' })
  const [, second] = mp.requestsTo('/api/v1/me')
  expect(second.header.Authorization).toBe('Bearer token-1')
})

test('unauthorized: logs in again and retries once', async () => {
  server.revokeAll()
  const body = await mp.request({ path: '/api/v1/me' })

  expect(body.user.id).toBe('user-1')
  expect(mp.wx.record.logins).toBe(2)
  expect(mp.requestsTo('/api/v1/me').slice(1).map(r => [r.header.Authorization, r.statusCode]))
    .toEqual([['Bearer token-1', 401], ['Bearer token-2', 200]])
  expect(messages(mp.wx)).toEqual([])
})

test('unauthorized after the retry is final and shown', async () => {
  server.failNext('/api/v1/me', { status: 401, code: 'unauthorized', message: 'Please log in again.' })
  server.failNext('/api/v1/me', { status: 401, code: 'unauthorized', message: 'Please log in again.' })

  await expect(mp.request({ path: '/api/v1/me' })).rejects.toMatchObject({ code: 'unauthorized', status: 401 })
  expect(mp.requestsTo('/api/v1/me')).toHaveLength(3) // launch, first try, one retry
  expect(mp.wx.record.logins).toBe(2)
  expect(messages(mp.wx)).toEqual(['Please log in again.'])
})

test('requests refused together share one new login', async () => {
  server.revokeAll()
  await Promise.all([
    mp.request({ path: '/api/v1/me' }),
    mp.request({ path: '/api/v1/me' }),
    mp.request({ path: '/api/v1/me' }),
  ])
  expect(mp.wx.record.logins).toBe(2)
  expect(server.state.logins).toHaveLength(2)
})

test('relogin_required: logs in again and retries a request that does not depend on the old key', async () => {
  server.failNext('/api/v1/me', { status: 401, code: 'relogin_required', message: 'Please log in again.' })
  await mp.request({ path: '/api/v1/me' })
  expect(mp.wx.record.logins).toBe(2)
  expect(mp.requestsTo('/api/v1/me').map(r => r.statusCode)).toEqual([200, 401, 200])
})

test.each([
  ['phone_in_use', 409, 'This phone number is bound to another account.'],
  ['user_blocked', 403, 'This account is blocked.'],
  ['risk_blocked', 403, 'WeChat flagged this login as risky.'],
  ['invalid_request', 400, 'The request is malformed.'],
])('%s: the server\'s message is shown in a modal', async (code, status, message) => {
  server.failNext('/api/v1/me', { status, code, message })
  await expect(mp.request({ path: '/api/v1/me' })).rejects.toMatchObject({ code, status, message, requestId: 'req-test' })
  expect(mp.wx.record.modals).toEqual([message])
  expect(mp.wx.record.logins).toBe(1)
})

test('rate_limited: a toast with the server\'s message, and Retry-After on the error', async () => {
  server.failNext('/api/v1/me', { status: 429, code: 'rate_limited', message: 'Too many requests.', headers: { 'Retry-After': '30' } })
  await expect(mp.request({ path: '/api/v1/me' })).rejects.toMatchObject({ code: 'rate_limited', retryAfter: 30 })
  expect(mp.wx.record.toasts).toEqual(['Too many requests.'])
})

test('a reply that is not mpauth JSON still gives a sentence', async () => {
  server.failNext('/api/v1/me', { status: 502, raw: '<html>Bad Gateway</html>' })
  await expect(mp.request({ path: '/api/v1/me' })).rejects.toMatchObject({ code: 'server_error', status: 502 })
  expect(mp.wx.record.modals).toEqual(['服务器出了点问题，请稍后再试'])
})

test('silent: the caller shows the error itself', async () => {
  server.failNext('/api/v1/me', { status: 409, code: 'phone_in_use', message: 'In use.' })
  await expect(mp.request({ path: '/api/v1/me', silent: true })).rejects.toMatchObject({ code: 'phone_in_use' })
  expect(messages(mp.wx)).toEqual([])
})

test('204 resolves with null', async () => {
  await expect(mp.request({ path: '/api/v1/logout', method: 'POST' })).resolves.toBeNull()
})

test('server down: a clear message, shown and in the error', async () => {
  require('../../config').baseURL = await closedPortURL()
  await expect(mp.request({ path: '/api/v1/me' })).rejects.toMatchObject({
    code: 'network_error',
    message: '服务器暂时无法连接，请稍后再试',
  })
  expect(mp.wx.record.toasts).toEqual(['服务器暂时无法连接，请稍后再试'])
})

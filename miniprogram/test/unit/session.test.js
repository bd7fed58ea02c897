// Login at launch, as specified in lib/session.js and app.js, against a
// scripted server.
const { launch, stubDevice } = require('../support/launch')
const { startStubMpauth } = require('../support/stub-mpauth')
const { messages } = require('../support/fake-wx')
const { closedPortURL } = require('../support/closed-port')
const { waitFor } = require('../support/wait-for')

const STORAGE_KEY = 'mpauth.session'

let server
let mp

beforeEach(async () => {
  server = await startStubMpauth()
})

afterEach(async () => {
  if (mp) mp.close()
  mp = null
  await server.close()
})

function storedSession(expiresInMs) {
  return {
    [STORAGE_KEY]: {
      token: 'token-from-last-run',
      expiresAt: new Date(Date.now() + expiresInMs).toISOString(),
      user: { id: 'user-1', phoneBound: false, isNew: false },
    },
  }
}

test('first launch logs in once however many callers want a token', async () => {
  mp = await launch({ baseURL: server.url, device: stubDevice() })
  const [a, b] = await Promise.all([
    mp.request({ path: '/api/v1/me' }),
    mp.request({ path: '/api/v1/me' }),
    mp.app.getToken(),
    mp.loaded,
  ])

  expect(a.user.id).toBe('user-1')
  expect(b.user.id).toBe('user-1')
  expect(mp.wx.record.logins).toBe(1)
  expect(server.state.logins).toEqual([{ code: 'code-1', appid: 'wxdemo000000000001' }])
  expect(mp.wx.getStorageSync(STORAGE_KEY).token).toBe('token-1')
})

test('a stored token is kept while wx.checkSession succeeds', async () => {
  server.state.tokens.set('token-from-last-run', 'user-1')
  mp = await launch({ baseURL: server.url, device: stubDevice(), storage: storedSession(3600e3) })
  await mp.loaded

  expect(mp.wx.record.checkSessions).toBe(1)
  expect(mp.wx.record.logins).toBe(0)
  expect(mp.requestsTo('/api/v1/me')[0].header.Authorization).toBe('Bearer token-from-last-run')
})

test('a failed wx.checkSession logs in again once', async () => {
  server.state.tokens.set('token-from-last-run', 'user-1')
  mp = await launch({ baseURL: server.url, device: stubDevice({ sessionValid: false }), storage: storedSession(3600e3) })
  await Promise.all([mp.loaded, mp.request({ path: '/api/v1/me' })])

  expect(mp.wx.record.logins).toBe(1)
  expect(mp.requestsTo('/api/v1/me').map(r => r.header.Authorization)).toEqual(['Bearer token-1', 'Bearer token-1'])
})

test('an expired stored token is not sent: the app logs in without asking WeChat first', async () => {
  mp = await launch({ baseURL: server.url, device: stubDevice(), storage: storedSession(-1000) })
  await mp.loaded

  expect(mp.wx.record.checkSessions).toBe(0)
  expect(mp.wx.record.logins).toBe(1)
  expect(mp.requestsTo('/api/v1/me').map(r => r.header.Authorization)).toEqual(['Bearer token-1'])
})

test('invalid_code from the server gets one fresh wx.login code', async () => {
  server.failNext('/api/v1/login', { status: 400, code: 'invalid_code', message: 'The login code is invalid.' })
  mp = await launch({ baseURL: server.url, device: stubDevice() })
  await mp.loaded

  expect(mp.wx.record.logins).toBe(2)
  expect(server.state.logins.map(l => l.code)).toEqual(['code-2'])
  expect(messages(mp.wx)).toEqual([])
})

test('invalid_code twice is shown to the user', async () => {
  const warn = jest.spyOn(console, 'warn').mockImplementation(() => {})
  const invalid = { status: 400, code: 'invalid_code', message: 'The login code is invalid.' }
  server.failNext('/api/v1/login', invalid)
  server.failNext('/api/v1/login', invalid)
  mp = await launch({ baseURL: server.url, device: stubDevice() })
  await mp.loaded

  expect(mp.wx.record.logins).toBe(2)
  expect(messages(mp.wx)).toEqual(['The login code is invalid.'])
  expect(warn).toHaveBeenCalledTimes(1)
})

test('logout revokes the token on the server and forgets it', async () => {
  mp = await launch({ baseURL: server.url, device: stubDevice() })
  await mp.loaded
  await mp.session.logout()

  expect(mp.requestsTo('/api/v1/logout').map(r => r.header.Authorization)).toEqual(['Bearer token-1'])
  expect(server.state.tokens.size).toBe(0)
  expect(mp.wx.getStorageSync(STORAGE_KEY)).toBe('')
  expect(mp.session.storedToken()).toBe('')
})

test('the server down at launch: one clear message, and 重试 logs in once it is back', async () => {
  const warn = jest.spyOn(console, 'warn').mockImplementation(() => {})
  mp = await launch({ baseURL: await closedPortURL(), device: stubDevice() })
  await mp.loaded

  expect(mp.wx.record.logins).toBe(1)
  expect(mp.wx.record.toasts).toEqual(['服务器暂时无法连接，请稍后再试'])
  expect(warn).toHaveBeenCalledTimes(1)
  expect(mp.page.dom.textContent).toContain('登录失败')

  require('../../config').baseURL = server.url
  mp.page.querySelector('#retry-button').dispatchEvent('tap')

  await waitFor(() => mp.page.dom.textContent.includes('user-1'), { what: 'the user after 重试' })
  expect(mp.wx.record.logins).toBe(2)
  expect(mp.page.querySelector('#retry-button')).toBeFalsy()
})

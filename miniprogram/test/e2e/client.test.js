// The sample mini program against the real mpauth server (demo mode, started
// by global-setup.js) and its fake WeChat: real app.js and page code, real
// HTTP, the phone simulated by the fake's device API.
const { launch } = require('../support/launch')
const { closedPortURL } = require('../support/closed-port')
const { messages } = require('../support/fake-wx')
const { send } = require('../support/http')
const { waitFor } = require('../support/wait-for')
const { newPhone, newUser, phoneEvent, serverURL, wechatDevice } = require('./device')

const NETWORK_MESSAGE = '服务器暂时无法连接，请稍后再试'

jest.setTimeout(30000)

let mp

afterEach(() => {
  if (mp) mp.close()
  mp = null
})

// start launches the sample as a new user's first launch and waits until the
// page shows who is logged in.
async function start(label) {
  const user = newUser(label)
  const device = wechatDevice(user)
  mp = await launch({ baseURL: serverURL(), device })
  await mp.loaded
  return { user, device }
}

// tapAndWaitForPhone taps the button with detail and expects the number
// bound without a single wx.login on the way.
async function tapAndWaitForPhone(detail) {
  const logins = mp.wx.record.logins
  mp.tapPhoneButton(detail)
  await waitFor(() => mp.shownPhone() || messages(mp.wx).filter(m => m !== '手机号已绑定').length, {
    what: 'the phone to show, or an error',
  })
  expect(messages(mp.wx)).toEqual(['手机号已绑定'])
  expect(mp.wx.record.logins).toBe(logins)
}

async function me() {
  const { user } = await mp.request({ path: '/api/v1/me' })
  return user
}

test('first launch logs in exactly once, however many callers want the token', async () => {
  const user = newUser('first-launch')
  const device = wechatDevice(user)
  mp = await launch({ baseURL: serverURL(), device })
  const [a, b] = await Promise.all([me(), me(), mp.app.getToken(), mp.loaded])

  expect(device.logins).toBe(1)
  expect(mp.wx.record.logins).toBe(1)
  expect(a.id).toBeTruthy()
  expect(b.id).toBe(a.id)
  expect(a.phoneBound).toBe(false)
  expect(mp.page.dom.textContent).toContain(a.id)
  expect(messages(mp.wx)).toEqual([])
})

test('the next launch keeps the stored token while wx.checkSession succeeds', async () => {
  const { user } = await start('relaunch')
  const storage = { 'mpauth.session': mp.wx.getStorageSync('mpauth.session') }
  mp.close()

  const device = wechatDevice(user)
  mp = await launch({ baseURL: serverURL(), device, storage })
  await mp.loaded
  expect(mp.wx.record.checkSessions).toBe(1)
  expect(device.logins).toBe(0)
  expect(messages(mp.wx)).toEqual([])
})

test('phone by code (base library 2.21.2+) binds and shows the masked number', async () => {
  const { user } = await start('phone-code')
  const phone = newPhone()
  const detail = await phoneEvent(user, phone.e164)
  expect(detail.code).toBeTruthy()

  await tapAndWaitForPhone(detail)

  expect(mp.shownPhone()).toBe(phone.masked)
  expect(mp.requestsTo('/api/v1/phone').map(r => Object.keys(r.data))).toEqual([['code']])
  const user1 = await me()
  expect(user1.phoneBound).toBe(true)
  expect(`+${user1.phone.countryCode} ${user1.phone.masked}`).toBe(phone.masked)
})

test('phone by legacy ciphertext (no code in the event) binds', async () => {
  const { user } = await start('phone-legacy')
  const phone = newPhone()
  const { errMsg, encryptedData, iv } = await phoneEvent(user, phone.e164)

  await tapAndWaitForPhone({ errMsg, encryptedData, iv })

  expect(mp.shownPhone()).toBe(phone.masked)
  expect(mp.requestsTo('/api/v1/phone').map(r => r.data)).toEqual([{ encryptedData, iv }])
  expect((await me()).phoneBound).toBe(true)
})

test('the user declines: no request, a friendly message', async () => {
  await start('declines')
  mp.tapPhoneButton({ errMsg: 'getPhoneNumber:fail user deny' })

  await waitFor(() => mp.wx.record.toasts.length, { what: 'the message' })
  expect(mp.wx.record.toasts).toEqual(['未获得手机号授权，需要时可再点一次按钮'])
  expect(mp.requestsTo('/api/v1/phone')).toEqual([])
  expect((await me()).phoneBound).toBe(false)
})

test('a token the server does not know: the helper logs in again and retries once', async () => {
  const { device } = await start('bogus-token')
  const stored = mp.wx.getStorageSync('mpauth.session')
  mp.wx.setStorageSync('mpauth.session', Object.assign({}, stored, { token: 'bogus' }))

  const user = await me()

  expect(user.id).toBeTruthy()
  expect(device.logins).toBe(2)
  expect(mp.requestsTo('/api/v1/me').slice(1).map(r => r.statusCode)).toEqual([401, 200])
  expect(mp.wx.getStorageSync('mpauth.session').token).not.toBe('bogus')
  expect(messages(mp.wx)).toEqual([])
})

test('a token revoked behind the app\'s back (logout elsewhere): log in again and retry once', async () => {
  const { device } = await start('revoked')
  const before = await me()
  const token = mp.session.storedToken()
  const logout = await send('POST', serverURL() + '/api/v1/logout', { headers: { Authorization: 'Bearer ' + token } })
  expect(logout.status).toBe(204)

  const after = await me()

  expect(after.id).toBe(before.id)
  expect(device.logins).toBe(2)
  expect(mp.requestsTo('/api/v1/me').slice(-2).map(r => r.statusCode)).toEqual([401, 200])
  expect(messages(mp.wx)).toEqual([])
})

test('the rotation trap: a wx.login between the button and the request still binds the phone', async () => {
  const { user, device } = await start('rotation')
  const phone = newPhone()
  // Ciphertext made with the session_key of the launch login.
  const { errMsg, encryptedData, iv } = await phoneEvent(user, phone.e164)

  // Something in the app logs in again before the button's request leaves:
  // WeChat may rotate the session_key, and the server learns the new one.
  await mp.session.relogin(mp.session.storedToken())
  expect(device.logins).toBe(2)

  await tapAndWaitForPhone({ errMsg, encryptedData, iv })

  expect(mp.shownPhone()).toBe(phone.masked)
  expect(device.logins).toBe(2) // the page itself never called wx.login
})

test('the server down: a clear message, shown and in the error', async () => {
  const warn = jest.spyOn(console, 'warn').mockImplementation(() => {})
  const device = wechatDevice(newUser('server-down'))
  mp = await launch({ baseURL: await closedPortURL(), device })
  await mp.loaded

  expect(mp.wx.record.toasts).toEqual([NETWORK_MESSAGE])
  expect(device.logins).toBe(1)
  expect(warn).toHaveBeenCalledWith('mpauth login failed at launch:', 'network_error', NETWORK_MESSAGE)
  await expect(mp.request({ path: '/api/v1/me', silent: true })).rejects.toMatchObject({
    code: 'network_error',
    message: NETWORK_MESSAGE,
  })
})

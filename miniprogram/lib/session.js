// The mpauth login state of this mini program: the API token kept in
// storage, and the one rule that matters most: at most one wx.login in
// flight. Every wx.login may rotate the user's session_key on WeChat's side,
// and the server can only decrypt open data (a legacy phone number) made
// with a key it knows. Parallel logins race each other's keys.
const config = require('../config')
const http = require('./http')

const STORAGE_KEY = 'mpauth.session'

// Treat a token this close to its expiry as gone, so a request never
// leaves with a token that dies on the way.
const EXPIRY_LEEWAY_MS = 60 * 1000

// The login (or launch check) in flight, shared by every caller.
let pending = null

function readSession() {
  const stored = wx.getStorageSync(STORAGE_KEY)
  if (!stored || !stored.token) return null
  const expiresAt = Date.parse(stored.expiresAt)
  if (expiresAt && expiresAt - EXPIRY_LEEWAY_MS <= Date.now()) return null
  return stored
}

function storedToken() {
  const stored = readSession()
  return stored ? stored.token : ''
}

// storedUser is the user the server returned at the last login
// ({id, phoneBound, isNew}), or null.
function storedUser() {
  const stored = readSession()
  return stored ? stored.user : null
}

function clearSession() {
  wx.removeStorageSync(STORAGE_KEY)
}

// shared runs fn unless a run is already in flight, in which case the
// caller joins that one.
function shared(fn) {
  if (!pending) {
    const settle = () => { pending = null }
    pending = fn().then(
      token => { settle(); return token },
      err => { settle(); throw err },
    )
  }
  return pending
}

function wxLogin() {
  return new Promise((resolve, reject) => {
    wx.login({
      success: res => resolve(res.code),
      fail: res => reject(http.apiError({
        code: 'wechat_login_failed',
        message: '微信登录失败，请稍后再试',
        cause: res && res.errMsg,
      })),
    })
  })
}

// wxCheckSession resolves true while WeChat still holds the login state
// (and so the session_key the server has) as valid.
function wxCheckSession() {
  return new Promise(resolve => {
    wx.checkSession({
      success: () => resolve(true),
      fail: () => resolve(false),
    })
  })
}

function appid() {
  if (config.appid) return config.appid
  try {
    const id = wx.getAccountInfoSync().miniProgram.appId
    // DevTools' tourist mode reports a placeholder no server knows.
    return id && id !== 'touristappid' ? id : ''
  } catch (e) {
    return ''
  }
}

async function exchange(code) {
  const data = { code }
  const id = appid()
  if (id) data.appid = id
  const res = await http.send({ path: '/api/v1/login', method: 'POST', data })
  if (!http.isSuccess(res)) throw http.errorFromResponse(res)
  return res.data
}

async function loginWithWeChat() {
  let answer
  try {
    answer = await exchange(await wxLogin())
  } catch (err) {
    if (err.code !== 'invalid_code') throw err
    // The code was refused (single-use, five minutes, one appid): one fresh
    // code is worth a try; a second refusal is a real problem.
    answer = await exchange(await wxLogin())
  }
  wx.setStorageSync(STORAGE_KEY, {
    token: answer.token,
    expiresAt: answer.expiresAt,
    user: answer.user,
  })
  return answer.token
}

// restoreOrLogin is what the app runs at launch: keep the stored token while
// wx.checkSession says WeChat's login state is still good, otherwise log in.
function restoreOrLogin() {
  return shared(async () => {
    if (readSession() && await wxCheckSession()) {
      // Read again: a token stored meanwhile by another caller wins.
      const token = storedToken()
      if (token) return token
    }
    return loginWithWeChat()
  })
}

// getToken resolves with a token to send: the one in flight, the stored
// one, or a new login.
function getToken() {
  if (pending) return pending
  const token = storedToken()
  if (token) return Promise.resolve(token)
  return shared(loginWithWeChat)
}

// relogin replaces a token the server refused. When several requests fail
// with the same stale token at once, only the first logs in; the others get
// the token it obtains.
async function relogin(staleToken) {
  if (pending) {
    const token = await pending.catch(() => '')
    if (token && token !== staleToken) return token
  }
  const token = storedToken()
  if (token && token !== staleToken) return token
  if (pending) return pending
  clearSession()
  return shared(loginWithWeChat)
}

// logout revokes the token on the server and forgets it here, even when the
// server cannot be reached: the user asked to be logged out.
async function logout() {
  const token = storedToken()
  clearSession()
  if (!token) return
  try {
    await http.send({ path: '/api/v1/logout', method: 'POST', token })
  } catch (err) {
    // Nothing to tell the user: the token is gone from this phone.
  }
}

module.exports = {
  STORAGE_KEY,
  getToken,
  logout,
  relogin,
  restoreOrLogin,
  storedToken,
  storedUser,
}

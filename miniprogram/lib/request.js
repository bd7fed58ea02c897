// request is how pages call mpauth: it adds the token, logs in again once
// when the server says the login is gone, and shows the server's sentence
// for every other failure.
const http = require('./http')
const session = require('./session')

// Codes after which a fresh wx.login can help. unauthorized: the API token
// expired or was revoked. relogin_required: the server's session_key for
// this user is stale.
const RELOGIN_CODES = ['unauthorized', 'relogin_required']

// Failures that pass on their own: a short toast is enough.
const TRANSIENT_CODES = [http.NETWORK_ERROR, 'rate_limited', 'wechat_unavailable']

// showError tells the user what went wrong, in the server's own words.
function showError(err) {
  const message = (err && err.message) || http.NETWORK_MESSAGE
  if (err && TRANSIENT_CODES.indexOf(err.code) >= 0) {
    wx.showToast({ title: message, icon: 'none', duration: 3000 })
    return
  }
  wx.showModal({ title: '提示', content: message, showCancel: false })
}

async function sendWithToken(options, token) {
  const res = await http.send({
    path: options.path,
    method: options.method,
    data: options.data,
    token,
  })
  if (http.isSuccess(res)) return res.statusCode === 204 ? null : res.data
  throw http.errorFromResponse(res)
}

async function sendAuthorized(options) {
  const token = await session.getToken()
  try {
    return await sendWithToken(options, token)
  } catch (err) {
    if (RELOGIN_CODES.indexOf(err.code) < 0) throw err
    const fresh = await session.relogin(token)
    // A body made under the old session_key (the phone button's ciphertext)
    // cannot be decrypted once the server asks for a new key: replaying it is
    // useless, the user has to produce a new one.
    if (err.code === 'relogin_required' && options.sessionBound) throw err
    return sendWithToken(options, fresh) // once: a second refusal is final
  }
}

// request({path, method, data, sessionBound, silent}) resolves with the
// response body (null for 204) or rejects with an ApiError
// ({code, message, status, requestId, retryAfter}).
//
//   sessionBound: the body only works with the session_key it was made
//                 under; after relogin_required it is not replayed.
//   silent:       the caller shows the error itself (see showError).
async function request(options) {
  const opts = Object.assign({ method: 'GET' }, options)
  try {
    return await sendAuthorized(opts)
  } catch (err) {
    if (!opts.silent) showError(err)
    throw err
  }
}

module.exports = {
  request,
  showError,
}

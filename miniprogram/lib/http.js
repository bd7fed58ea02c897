// The one place the sample talks to the mpauth server over wx.request, and
// the one shape every failure takes: an Error with a stable `code` the UI
// can decide on, and a `message` fit to show a person.
const config = require('../config')

const NETWORK_ERROR = 'network_error'
const NETWORK_MESSAGE = '服务器暂时无法连接，请稍后再试'
const SERVER_MESSAGE = '服务器出了点问题，请稍后再试'

// apiError builds a plain Error rather than a subclass: transpiled
// `class extends Error` breaks instanceof on older base libraries.
function apiError(fields) {
  const err = new Error(fields.message)
  err.name = 'ApiError'
  err.code = fields.code
  err.status = fields.status || 0
  err.requestId = fields.requestId || ''
  err.retryAfter = fields.retryAfter || 0
  if (fields.cause) err.cause = fields.cause
  return err
}

function isSuccess(res) {
  return res.statusCode >= 200 && res.statusCode < 300
}

function headerValue(header, name) {
  const wanted = name.toLowerCase()
  const key = Object.keys(header || {}).find(k => k.toLowerCase() === wanted)
  return key ? header[key] : undefined
}

// errorFromResponse reads mpauth's error body,
// {"error": {"code", "message", "requestId"}}. Anything else (a proxy's HTML
// page, an empty 502) becomes server_error so the UI still has a sentence.
function errorFromResponse(res) {
  const body = res.data && typeof res.data === 'object' ? res.data.error : null
  const retryAfter = parseInt(headerValue(res.header, 'Retry-After'), 10) || 0
  if (!body || !body.code) {
    return apiError({ code: 'server_error', message: SERVER_MESSAGE, status: res.statusCode, retryAfter })
  }
  return apiError({
    code: body.code,
    message: body.message || SERVER_MESSAGE,
    status: res.statusCode,
    requestId: body.requestId,
    retryAfter,
  })
}

// send performs one request and resolves with wx.request's response for any
// HTTP status. It rejects only when no answer came back (server down, DNS,
// timeout, domain not whitelisted), with code network_error.
function send({ path, method = 'GET', data, token }) {
  const header = { 'Content-Type': 'application/json' }
  if (token) header.Authorization = 'Bearer ' + token
  return new Promise((resolve, reject) => {
    wx.request({
      url: config.baseURL + path,
      method,
      // An object with a JSON content type goes out as JSON. Never
      // form-encode open data: a form body turns the "+" in base64
      // encryptedData and iv into spaces and the server cannot decrypt it.
      data,
      header,
      timeout: config.timeout,
      success: resolve,
      fail: res => {
        reject(apiError({
          code: NETWORK_ERROR,
          message: NETWORK_MESSAGE,
          cause: res && res.errMsg,
        }))
      },
    })
  })
}

module.exports = {
  NETWORK_ERROR,
  NETWORK_MESSAGE,
  apiError,
  errorFromResponse,
  isSuccess,
  send,
}

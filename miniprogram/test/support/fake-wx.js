// A `wx` for tests whose APIs are backed by real things: wx.login and
// wx.checkSession by a device (the fake WeChat's device API, or a stub),
// wx.request by real HTTP, storage by a Map, and the UI calls recorded.
const { URL } = require('url')
const http = require('./http')

function callback(opts, ok, res) {
  const fn = ok ? opts.success : opts.fail
  if (fn) fn(res)
  if (opts.complete) opts.complete(res)
}

// wx.request turns GET data into a query string and sends an object body
// as JSON when the content type is JSON (its default).
function requestTarget(url, method, data) {
  if (method !== 'GET' || !data || typeof data !== 'object') return url
  const target = new URL(url)
  Object.keys(data).forEach(k => target.searchParams.set(k, String(data[k])))
  return target.toString()
}

function createFakeWx({ device, appid }) {
  const storage = new Map()
  const record = {
    logins: 0,
    checkSessions: 0,
    requests: [], // {method, url, path, header, data, statusCode}
    toasts: [],
    modals: [],
  }

  const wx = {
    record,

    login(opts = {}) {
      record.logins++
      device.login().then(
        code => callback(opts, true, { code, errMsg: 'login:ok' }),
        err => callback(opts, false, { errMsg: 'login:fail ' + err.message }),
      )
    },

    checkSession(opts = {}) {
      record.checkSessions++
      device.checkSession().then(
        ok => callback(opts, ok, { errMsg: ok ? 'checkSession:ok' : 'checkSession:fail session time out' }),
        err => callback(opts, false, { errMsg: 'checkSession:fail ' + err.message }),
      )
    },

    request(opts) {
      const method = (opts.method || 'GET').toUpperCase()
      const header = Object.assign({}, opts.header)
      const url = requestTarget(opts.url, method, opts.data)
      const entry = { method, url, path: new URL(url).pathname, header, data: opts.data, statusCode: 0 }
      record.requests.push(entry)
      let body
      if (method !== 'GET' && opts.data !== undefined) {
        body = typeof opts.data === 'string' ? opts.data : JSON.stringify(opts.data)
      }
      http.send(method, url, { body, headers: header, timeoutMs: opts.timeout || 60000 }).then(
        res => {
          entry.statusCode = res.status
          const data = res.json !== undefined && opts.dataType !== 'text' ? res.json : res.text
          callback(opts, true, { statusCode: res.status, data, header: res.headers, errMsg: 'request:ok' })
        },
        err => callback(opts, false, { errMsg: 'request:fail ' + err.message }),
      )
      return { abort() {} }
    },

    setStorageSync(key, value) {
      // Storage keeps a copy, as the real one (it serialises).
      storage.set(key, JSON.parse(JSON.stringify(value)))
    },
    getStorageSync(key) {
      return storage.has(key) ? storage.get(key) : ''
    },
    removeStorageSync(key) {
      storage.delete(key)
    },
    clearStorageSync() {
      storage.clear()
    },

    showToast(opts) {
      record.toasts.push(opts.title)
      callback(opts, true, { errMsg: 'showToast:ok' })
    },
    showModal(opts) {
      record.modals.push(opts.content)
      callback(opts, true, { confirm: true, cancel: false, errMsg: 'showModal:ok' })
    },
    showLoading(opts) {
      callback(opts, true, { errMsg: 'showLoading:ok' })
    },
    hideLoading(opts = {}) {
      callback(opts, true, { errMsg: 'hideLoading:ok' })
    },

    getAccountInfoSync() {
      return { miniProgram: { appId: appid, envVersion: 'develop', version: '' } }
    },
  }
  return wx
}

// messages is everything shown to the user, toasts and modals alike.
function messages(wx) {
  return wx.record.toasts.concat(wx.record.modals)
}

module.exports = { createFakeWx, messages }

// The simulated phone: the fake WeChat's device API, served by mpauth in
// demo mode. wx.login, wx.checkSession and the getPhoneNumber button of the
// sample are backed by these calls.
const { postJSON } = require('../support/http')
const { DEMO_APPID } = require('../support/launch')

function serverURL() {
  const url = process.env.MPAUTH_E2E_URL
  if (!url) throw new Error('MPAUTH_E2E_URL is not set: the e2e global setup did not run')
  return url
}

function deviceURL(action) {
  return `${serverURL()}/_fakewechat/_device/${action}`
}

let seq = 0

// newUser names a WeChat user no other test (or run) has used.
function newUser(label) {
  seq++
  return `${label}-${process.pid}-${Date.now()}-${seq}`
}

// newPhone returns a mainland mobile number no other test has bound, with
// the masked form the server is expected to show for it.
function newPhone() {
  seq++
  const digits = String((Date.now() * 1000 + process.pid * 10 + seq) % 1e8).padStart(8, '0')
  const national = '139' + digits
  return { e164: '+86' + national, masked: `+86 ${national.slice(0, 3)}****${national.slice(-4)}` }
}

// wechatDevice is what the fake wx asks for wx.login and wx.checkSession.
function wechatDevice(user, appid = DEMO_APPID) {
  const device = {
    logins: 0,
    async login() {
      device.logins++
      const { code } = await postJSON(deviceURL('login'), { appid, user })
      return code
    },
    async checkSession() {
      const { ok } = await postJSON(deviceURL('checksession'), { appid, user })
      return ok
    },
  }
  return device
}

// phoneEvent is the getPhoneNumber button's e.detail after the user agreed:
// {errMsg, code, encryptedData, iv}, the ciphertext made with the user's
// current session_key.
function phoneEvent(user, phone, appid = DEMO_APPID) {
  return postJSON(deviceURL('phone'), { appid, user, phone })
}

module.exports = { newPhone, newUser, phoneEvent, serverURL, wechatDevice }

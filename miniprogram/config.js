// Where the sample finds its mpauth server. Change baseURL and nothing else
// to point the sample at your deployment.
//
// In production WeChat only lets a mini program call https hosts listed in
// the admin console (开发管理 → 开发设置 → 服务器域名 → request 合法域名).
// A local server over http works in WeChat DevTools once "不校验合法域名"
// (Details → Local settings) is ticked.
module.exports = {
  baseURL: 'http://127.0.0.1:8080',

  // The appid sent with each login. Leave it empty to send the appid WeChat
  // reports for this mini program (wx.getAccountInfoSync); set it when the
  // server serves several mini programs and you run the sample under another
  // appid, e.g. 'wxdemo000000000001' for a server in demo mode.
  appid: '',

  // Milliseconds before a request to mpauth gives up (wx.request's timeout).
  timeout: 15000,
}

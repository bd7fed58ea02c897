// launch starts the real sample (app.js, then pages/index) the way WeChat
// would, inside miniprogram-simulate, against the given server and device.
//
// miniprogram-simulate renders components, not pages, so Page() is shimmed
// to register the page's options as a component whose methods include the
// page's lifecycle functions, which the harness calls as WeChat would.
const path = require('path')
const { createFakeWx } = require('./fake-wx')

const ROOT = path.resolve(__dirname, '..', '..')
const DEMO_APPID = 'wxdemo000000000001'

function pageAsComponent(options) {
  const definition = { data: options.data || {}, methods: {} }
  Object.keys(options).forEach(key => {
    if (typeof options[key] === 'function') definition.methods[key] = options[key]
  })
  return definition
}

// launch({baseURL, device, appid, storage}) → handle. storage pre-fills
// wx storage, as left by an earlier run of the app.
async function launch({ baseURL, device, appid = DEMO_APPID, storage = {} }) {
  jest.resetModules()
  // A fresh registry gives a fresh app: new module state, no login in flight.
  const simulate = require('miniprogram-simulate')
  const wx = Object.assign(global.wx, createFakeWx({ device, appid }))
  global.wx = wx
  Object.keys(storage).forEach(key => wx.setStorageSync(key, storage[key]))

  let app = null
  global.App = options => { app = options }
  global.getApp = () => app
  global.Page = options => global.Component(pageAsComponent(options))

  const config = require(path.join(ROOT, 'config'))
  config.baseURL = baseURL
  config.appid = ''

  require(path.join(ROOT, 'app'))
  if (!app) throw new Error('app.js did not call App()')
  app.onLaunch({ path: 'pages/index/index', query: {}, scene: 1001 })

  const pageId = simulate.load(path.join(ROOT, 'pages', 'index', 'index'), 'index-page')
  const page = simulate.render(pageId)
  page.attach(document.createElement('parent-wrapper'))
  const loaded = page.instance.onLoad({})

  return {
    app,
    wx,
    page,
    loaded,
    session: require(path.join(ROOT, 'lib', 'session')),
    request: require(path.join(ROOT, 'lib', 'request')).request,

    // tapPhoneButton fires the button's getphonenumber event with detail,
    // as WeChat does after the user answers its dialog.
    tapPhoneButton(detail) {
      const button = page.querySelector('#phone-button')
      if (!button) throw new Error('no #phone-button on the page (phone already bound?)')
      button.dispatchEvent('getphonenumber', { detail })
    },

    // shownPhone is the bound number as the page shows it, or ''.
    shownPhone() {
      const node = page.querySelector('#phone')
      return node ? node.dom.textContent.trim() : ''
    },

    // requestsTo lists the requests the app sent to a path.
    requestsTo(pathname) {
      return wx.record.requests.filter(r => r.path === pathname)
    },

    close() {
      page.detach()
    },
  }
}

// stubDevice is a phone whose wx.login hands out codes from a counter.
function stubDevice({ sessionValid = true } = {}) {
  let n = 0
  return {
    login: async () => `code-${++n}`,
    checkSession: async () => sessionValid,
  }
}

module.exports = { DEMO_APPID, ROOT, launch, stubDevice }

const session = require('./lib/session')

App({
  // Log in at launch so the first page never waits on a tap. Requests that
  // start meanwhile join this login instead of starting their own (see
  // lib/session.js: never two wx.login calls at once).
  onLaunch() {
    session.restoreOrLogin().catch(err => {
      // Pages show the error when their request fails; nothing more to do.
      console.warn('mpauth login failed at launch:', err.code, err.message)
    })
  },

  // For pages that need the token itself (e.g. to open a WebSocket).
  getToken() {
    return session.getToken()
  },
})

const { request, showError } = require('../../lib/request')
const { declined, formatPhone, phonePayload } = require('../../lib/phone')

Page({
  data: {
    userId: '',
    phone: '', // "+86 138****8000" once bound
    binding: false,
    loadFailed: false,
  },

  onLoad() {
    return this.loadProfile()
  },

  async loadProfile() {
    this.setData({ loadFailed: false })
    try {
      const { user } = await request({ path: '/api/v1/me' })
      this.setData({ userId: user.id, phone: formatPhone(user.phone) })
    } catch (err) {
      // request has shown the message; offer to try again.
      this.setData({ loadFailed: true })
    }
  },

  onRetry() {
    return this.loadProfile()
  },

  // Do not call wx.login in this handler, nor before the request below. The
  // legacy e.detail.encryptedData is encrypted with the session_key of the
  // last wx.login, and a new wx.login may rotate that key: the server would
  // then hold a key that no longer matches this ciphertext. This is the
  // classic bug of "login, then decrypt" samples. The app logged in at
  // launch; send e.detail as it is.
  async onGetPhoneNumber(e) {
    const detail = e.detail || {}
    if (declined(detail)) {
      wx.showToast({ title: '未获得手机号授权，需要时可再点一次按钮', icon: 'none', duration: 3000 })
      return
    }
    if (this.data.binding) return
    this.setData({ binding: true })
    try {
      const { phone } = await request({
        path: '/api/v1/phone',
        method: 'POST',
        data: phonePayload(detail),
        sessionBound: true,
        silent: true,
      })
      this.setData({ phone: formatPhone(phone) })
      wx.showToast({ title: '手机号已绑定', icon: 'success' })
    } catch (err) {
      if (err.code === 'relogin_required') {
        // request has logged in again; this ciphertext is useless now and only
        // a new tap produces one the server can decrypt.
        wx.showModal({ title: '请再试一次', content: '登录状态已更新，请再点一次“授权手机号”。', showCancel: false })
      } else {
        showError(err)
      }
    } finally {
      this.setData({ binding: false })
    }
  },
})

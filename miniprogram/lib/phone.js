// What the getPhoneNumber button hands over, and what to send for it.
// e.detail = {errMsg, code, encryptedData, iv, cloudID}.

// declined reports whether there is no number to send: the user refused or
// WeChat could not ask. errMsg is then "getPhoneNumber:fail user deny",
// "getPhoneNumber:fail:user deny", "getPhoneNumber:fail no permission" (the
// appid is not verified for the API) and the like.
function declined(detail) {
  if (!detail) return true
  const errMsg = String(detail.errMsg || '')
  if (errMsg.indexOf('deny') >= 0 || errMsg.indexOf('fail') >= 0) return true
  return !detail.code && !detail.encryptedData && !detail.cloudID
}

// phonePayload is the body of POST /api/v1/phone: the event's own values,
// untouched. Base library 2.21.2+ puts a one-time `code` in the event;
// older ones give only `encryptedData` + `iv`, encrypted with the
// session_key of the last wx.login. A lone cloudID goes through so the
// server can answer not_supported (it works only inside WeChat cloud
// functions).
function phonePayload(detail) {
  if (detail.code) return { code: detail.code }
  if (detail.encryptedData && detail.iv) return { encryptedData: detail.encryptedData, iv: detail.iv }
  if (detail.cloudID) return { cloudID: detail.cloudID }
  return {}
}

// formatPhone renders {countryCode, masked} as "+86 138****8000".
function formatPhone(phone) {
  if (!phone) return ''
  return phone.countryCode ? '+' + phone.countryCode + ' ' + phone.masked : phone.masked
}

module.exports = {
  declined,
  formatPhone,
  phonePayload,
}

// What the page does with the getPhoneNumber button's event.
const { launch, stubDevice } = require('../support/launch')
const { startStubMpauth } = require('../support/stub-mpauth')
const { waitFor } = require('../support/wait-for')
const { messages } = require('../support/fake-wx')
const { declined, formatPhone, phonePayload } = require('../../lib/phone')

describe('lib/phone', () => {
  test.each([
    ['getPhoneNumber:fail user deny', true],
    ['getPhoneNumber:fail:user deny', true],
    ['getPhoneNumber:fail no permission', true],
    ['getPhoneNumber:ok', false],
  ])('errMsg %s declined=%s', (errMsg, want) => {
    expect(declined({ errMsg, code: 'c' })).toBe(want)
  })

  test('an event with nothing to send counts as declined', () => {
    expect(declined({ errMsg: 'getPhoneNumber:ok' })).toBe(true)
    expect(declined(undefined)).toBe(true)
  })

  test.each([
    ['code wins when present', { code: 'c', encryptedData: 'e', iv: 'i', cloudID: 'x' }, { code: 'c' }],
    ['legacy ciphertext when there is no code', { encryptedData: 'a+b/c=', iv: 'i+v=', cloudID: 'x' }, { encryptedData: 'a+b/c=', iv: 'i+v=' }],
    ['a lone cloudID goes through for the server to refuse', { cloudID: 'x' }, { cloudID: 'x' }],
  ])('payload: %s', (_, detail, want) => {
    expect(phonePayload(Object.assign({ errMsg: 'getPhoneNumber:ok' }, detail))).toEqual(want)
  })

  test('formatPhone', () => {
    expect(formatPhone({ countryCode: '86', masked: '138****8000' })).toBe('+86 138****8000')
    expect(formatPhone(null)).toBe('')
  })
})

describe('pages/index getPhoneNumber', () => {
  let server
  let mp

  beforeEach(async () => {
    server = await startStubMpauth()
    mp = await launch({ baseURL: server.url, device: stubDevice() })
    await mp.loaded
  })

  afterEach(async () => {
    mp.close()
    await server.close()
  })

  async function tapAndSettle(detail, what) {
    const before = messages(mp.wx).length
    mp.tapPhoneButton(detail)
    await waitFor(() => messages(mp.wx).length > before, { what })
  }

  test('a code from the button is sent alone, and the page shows the masked number', async () => {
    await tapAndSettle({ errMsg: 'getPhoneNumber:ok', code: 'phone-code', encryptedData: 'ZW5j', iv: 'aXY=' }, 'the result')
    expect(mp.requestsTo('/api/v1/phone').map(r => r.data)).toEqual([{ code: 'phone-code' }])
    expect(mp.shownPhone()).toBe('+86 138****8000')
    expect(mp.wx.record.toasts).toEqual(['手机号已绑定'])
  })

  test('legacy ciphertext (no code) is sent as encryptedData + iv, untouched', async () => {
    await tapAndSettle({ errMsg: 'getPhoneNumber:ok', encryptedData: 'YWJj+/==', iv: 'aXY+/w==' }, 'the result')
    expect(mp.requestsTo('/api/v1/phone').map(r => r.data)).toEqual([{ encryptedData: 'YWJj+/==', iv: 'aXY+/w==' }])
    expect(mp.shownPhone()).toBe('+86 138****8000')
    expect(mp.wx.record.logins).toBe(1)
  })

  test.each([
    'getPhoneNumber:fail user deny',
    'getPhoneNumber:fail no permission',
  ])('%s: no request, a friendly message', async errMsg => {
    await tapAndSettle({ errMsg }, 'the message')
    expect(mp.requestsTo('/api/v1/phone')).toEqual([])
    expect(mp.wx.record.toasts).toEqual(['未获得手机号授权，需要时可再点一次按钮'])
    expect(mp.wx.record.logins).toBe(1)
  })

  test('relogin_required: logs in again, does not replay the ciphertext, asks for a new tap', async () => {
    server.failNext('/api/v1/phone', { status: 401, code: 'relogin_required', message: 'Session expired.' })
    await tapAndSettle({ errMsg: 'getPhoneNumber:ok', encryptedData: 'c3RhbGU=', iv: 'aXY=' }, 'the request to tap again')

    expect(mp.requestsTo('/api/v1/phone')).toHaveLength(1)
    expect(mp.wx.record.logins).toBe(2)
    expect(mp.wx.record.modals).toEqual(['登录状态已更新，请再点一次“授权手机号”。'])

    await waitFor(() => !mp.page.instance.data.binding, { what: 'the button to come back' })
    await tapAndSettle({ errMsg: 'getPhoneNumber:ok', encryptedData: 'ZnJlc2g=', iv: 'aXY=' }, 'the second tap')
    expect(mp.shownPhone()).toBe('+86 138****8000')
    expect(mp.requestsTo('/api/v1/phone').map(r => r.header.Authorization)).toEqual(['Bearer token-1', 'Bearer token-2'])
  })

  test('an expired token on the phone request: log in again and send the same event once more', async () => {
    server.revokeAll()
    await tapAndSettle({ errMsg: 'getPhoneNumber:ok', code: 'phone-code' }, 'the result')
    expect(mp.shownPhone()).toBe('+86 138****8000')
    expect(mp.requestsTo('/api/v1/phone').map(r => [r.data.code, r.statusCode])).toEqual([['phone-code', 401], ['phone-code', 200]])
  })

  test('phone_in_use: the server\'s sentence in a modal, the button stays', async () => {
    server.failNext('/api/v1/phone', { status: 409, code: 'phone_in_use', message: 'This number is bound to another account.' })
    await tapAndSettle({ errMsg: 'getPhoneNumber:ok', code: 'phone-code' }, 'the message')
    expect(mp.wx.record.modals).toEqual(['This number is bound to another account.'])
    expect(mp.shownPhone()).toBe('')
  })

  test('cloudID only: the server says not_supported and the page shows it', async () => {
    await tapAndSettle({ errMsg: 'getPhoneNumber:ok', cloudID: 'cloud-1' }, 'the message')
    expect(mp.wx.record.modals).toEqual(['cloudID only works inside WeChat cloud functions.'])
  })
})

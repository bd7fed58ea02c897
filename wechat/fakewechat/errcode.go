package fakewechat

// WeChat's errcodes as the fake uses them. Where WeChat's documentation names
// none for a case (a missing parameter on one API, say), the fake borrows the
// global return code WeChat gives elsewhere for the same mistake.
const (
	errBusy               = -1
	errInvalidCredential  = 40001 // token unknown, superseded or invalidated
	errInvalidGrantType   = 40002
	errInvalidOpenID      = 40003
	errInvalidAppID       = 40013
	errInvalidAccessToken = 40014 // token malformed: empty, bad charset, too long
	errInvalidCode        = 40029 // js_code or phone code wrong, expired, used (phone) or for another app
	errInvalidArgs        = 40097
	errInvalidAppSecret   = 40125
	errCodeUsed           = 40163 // js_code exchanged before
	errHighRiskUser       = 40226
	errAccessTokenMissing = 41001
	errAppIDMissing       = 41002
	errAppSecretMissing   = 41004
	errCodeMissing        = 41008
	errOpenIDMissing      = 41009
	errAccessTokenExpired = 42001
	errRequireGET         = 43001
	errRequirePOST        = 43002
	errDailyQuota         = 45009
	errTooFrequent        = 45011
	errDataFormat         = 47001 // body is not the JSON the API expects
	errInvalidSignature   = 87009
)

// errMsgs are WeChat's own English errmsg texts. WeChat appends ", rid: ..."
// to each (see wechatError), so clients must never compare errmsg.
var errMsgs = map[int]string{
	errBusy:               "system error",
	errInvalidCredential:  "invalid credential, access_token is invalid or not latest",
	errInvalidGrantType:   "invalid grant_type",
	errInvalidOpenID:      "invalid openid",
	errInvalidAppID:       "invalid appid",
	errInvalidAccessToken: "invalid access_token",
	errInvalidCode:        "invalid code",
	errInvalidArgs:        "invalid args",
	errInvalidAppSecret:   "invalid appsecret",
	errCodeUsed:           "code been used",
	errHighRiskUser:       "high risk user",
	errAccessTokenMissing: "access_token missing",
	errAppIDMissing:       "appid missing",
	errAppSecretMissing:   "appsecret missing",
	errCodeMissing:        "missing code",
	errOpenIDMissing:      "missing openid",
	errAccessTokenExpired: "access_token expired",
	errRequireGET:         "require GET method",
	errRequirePOST:        "require POST method",
	errDailyQuota:         "reach max api daily quota limit",
	errTooFrequent:        "api minute-quota reach limit  mustslower  retry next minute",
	errDataFormat:         "data format error",
	errInvalidSignature:   "invalid signature",
}

// wechatError is an errcode answer of a WeChat API.
type wechatError struct {
	code int
}

func errcode(code int) *wechatError { return &wechatError{code: code} }

func (e *wechatError) msg() string {
	if m, ok := errMsgs[e.code]; ok {
		return m
	}
	return "injected fault"
}

package wechat

import (
	"context"
	"net/http"
	"net/url"
)

// PhoneNumber exchanges the code from a getPhoneNumber button (base library
// 2.21.2 and later) for the user's phone number (POST
// /wxa/business/getuserphonenumber, the access token in the URL). The code
// is single-use and lives 5 minutes, and each success may be billed, so the
// call is never replayed after a lost answer. The caller checks the
// watermark with CheckWatermark. openID, when not empty, is the user the
// code must have been issued to (WeChat's optional openid): a code taken
// from another user's phone is then refused.
func (c *Client) PhoneNumber(ctx context.Context, appID, phoneCode, openID string) (PhoneInfo, error) {
	var info PhoneInfo
	err := c.withToken(ctx, appID, endpointPhoneNumber, func(token Secret) error {
		var r PhoneNumberResponse
		err := c.do(ctx, request{
			endpoint: endpointPhoneNumber,
			method:   http.MethodPost,
			path:     "/wxa/business/getuserphonenumber",
			query:    url.Values{"access_token": {token.Reveal()}},
			body:     PhoneNumberRequest{Code: phoneCode, OpenID: openID},
		}, &r)
		if err != nil {
			return err
		}
		if r.PhoneInfo == nil || (r.PhoneInfo.PhoneNumber == "" && r.PhoneInfo.PurePhoneNumber == "") {
			return incomplete(endpointPhoneNumber, "phone_info")
		}
		info = *r.PhoneInfo
		return nil
	})
	return info, err
}

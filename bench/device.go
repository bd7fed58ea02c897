package bench

import (
	"context"

	"github.com/mpauth/mpauth/wechat/fakewechat"
)

// Device plays the phones: wx.login and the getPhoneNumber button.
type Device interface {
	Login(ctx context.Context, appID, user string) (code string, err error)
	Phone(ctx context.Context, appID, user, phone string) (fakewechat.PhoneEvent, error)
}

// LocalDevice plays the phones on a fake WeChat in this process. In
// production wx.login runs on the phone, not on the server's machine; here
// the load generator shares the server's cores, so a loopback HTTP hop per
// wx.login would take CPU from the server it measures. The server's own
// code2Session and getuserphonenumber calls still cross HTTP to the fake.
type LocalDevice struct{ Fake *fakewechat.Server }

func (d LocalDevice) Login(_ context.Context, appID, user string) (string, error) {
	return d.Fake.DeviceLogin(appID, user, false)
}

func (d LocalDevice) Phone(_ context.Context, appID, user, phone string) (fakewechat.PhoneEvent, error) {
	return d.Fake.DevicePhone(appID, user, phone)
}

// httpDevice plays the phones on a fake WeChat elsewhere (the demo mode
// server's, or one started apart), through its /_device API.
type httpDevice struct{ t Target }

func (d httpDevice) Login(ctx context.Context, appID, user string) (string, error) {
	var dev fakewechat.DeviceLoginResponse
	err := d.t.post(ctx, d.t.Fake+"/_device/login", "", fakewechat.DeviceLoginRequest{AppID: appID, User: user}, &dev)
	return dev.Code, err
}

func (d httpDevice) Phone(ctx context.Context, appID, user, phone string) (fakewechat.PhoneEvent, error) {
	var ev fakewechat.PhoneEvent
	err := d.t.post(ctx, d.t.Fake+"/_device/phone", "", fakewechat.DevicePhoneRequest{AppID: appID, User: user, Phone: phone}, &ev)
	return ev, err
}

// device is t.Device, or the fake's /_device API over HTTP.
func (t Target) device() Device {
	if t.Device != nil {
		return t.Device
	}
	return httpDevice{t}
}

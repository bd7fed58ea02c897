package cmd

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"net"
	"net/http"
	"time"

	"github.com/mpauth/mpauth/wechat/fakewechat"
)

type appFlags map[string]string

func (a appFlags) String() string { return fmt.Sprintf("%d app(s)", len(a)) }

func (a appFlags) Set(v string) error {
	id, secret, err := fakewechat.ParseAppFlag(v)
	if err != nil {
		return err
	}
	a[id] = secret
	return nil
}

// runFakeWeChat serves the fake WeChat on its own, for a server started with
// WECHAT_API_BASE pointing at it (load tests, several instances).
func runFakeWeChat(ctx context.Context, e env, args []string) error {
	fs := flag.NewFlagSet("fakewechat", flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	addr := fs.String("addr", "127.0.0.1:9090", "listen address")
	apps := appFlags{}
	fs.Var(apps, "app", "APPID:SECRET, repeatable (default: the demo app)")
	rotate := fs.String("rotate", "always", "when a new wx.login gives a new session_key: always, never, or every=N logins")
	if err := fs.Parse(args); err != nil {
		return err
	}
	policy, every, err := fakewechat.ParseRotatePolicy(*rotate)
	if err != nil {
		return fmt.Errorf("--rotate: %w", err)
	}
	fake := fakewechat.New(fakewechat.Options{Apps: apps, RotateSessionKey: policy, RotateEvery: every})
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return err
	}
	srv := &http.Server{Handler: fake, ReadHeaderTimeout: 10 * time.Second}
	if len(apps) == 0 {
		fmt.Fprintf(e.stdout, "fake WeChat on http://%s with the demo app: WECHAT_APPID=%s WECHAT_SECRET=%s WECHAT_API_BASE=http://%s\n",
			ln.Addr(), fakewechat.DemoAppID, fakewechat.DemoAppSecret, ln.Addr())
	} else {
		fmt.Fprintf(e.stdout, "fake WeChat on http://%s serving %d app(s): WECHAT_API_BASE=http://%s\n", ln.Addr(), len(apps), ln.Addr())
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	shutdownCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

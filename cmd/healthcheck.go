package cmd

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"time"

	"github.com/mpauth/mpauth/config"
)

const healthcheckUsage = "usage: mpauth healthcheck\n  exits 0 when the server on MPAUTH_ADDR's port answers /readyz (for container health checks)"

// runHealthcheck asks the local server's /readyz; container images without a
// shell or curl use it as their health check.
func runHealthcheck(ctx context.Context, e env, _ []string) error {
	cfg, err := config.Load(e.getenv)
	if err != nil {
		return err
	}
	_, port, _ := net.SplitHostPort(cfg.Addr)
	ctx, cancel := context.WithTimeout(ctx, 3*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, "GET", "http://127.0.0.1:"+port+"/readyz", nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("not ready: %s", resp.Status)
	}
	fmt.Fprintln(e.stdout, "ready")
	return nil
}

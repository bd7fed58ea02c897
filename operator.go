package main

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"time"
)

// startOperator serves h (metrics) on addr, a listener of its own: nothing
// an outsider reaches on the API's port tells one failure from another.
func startOperator(addr string, h http.Handler) (stop func(), bound net.Addr, err error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, nil, fmt.Errorf("listen on %s (MPAUTH_METRICS_ADDR; set another port, or off): %w", addr, err)
	}
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
	go srv.Serve(ln)
	return func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		srv.Shutdown(ctx)
	}, ln.Addr(), nil
}

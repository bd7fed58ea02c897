package cmd

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"time"
)

// serveAside serves h on a listener of its own beside the API's (metrics,
// the profiler): what is for operators never shares the public port.
// setting names the variable that chose addr, for the error.
func serveAside(addr, setting string, h http.Handler) (stop func(), bound net.Addr, err error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, nil, fmt.Errorf("listen on %s (%s; set another port, or off): %w", addr, setting, err)
	}
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
	go srv.Serve(ln)
	return func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		srv.Shutdown(ctx)
	}, ln.Addr(), nil
}

package cmd

import (
	"io"
	"net/http"
	"strings"
	"testing"
)

func TestProfilerServesOnItsOwnListenerAndStops(t *testing.T) {
	stop, addr, err := startPprof("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.Get("http://" + addr.String() + "/debug/pprof/goroutine?debug=1")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.Contains(string(body), "goroutine profile") {
		t.Fatalf("profiler answered %d: %.200s", resp.StatusCode, body)
	}
	stop()
	if _, err := http.Get("http://" + addr.String() + "/debug/pprof/"); err == nil {
		t.Fatal("the profiler still answers after stop")
	}
}

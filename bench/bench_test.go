package bench

import (
	"os"
	"testing"
	"time"
)

func TestPercentilesReadTheSortedLatencies(t *testing.T) {
	r := Result{Ops: 100, Elapsed: 2 * time.Second}
	for i := 1; i <= 100; i++ {
		r.latencies = append(r.latencies, time.Duration(i)*time.Millisecond)
	}
	for _, c := range []struct {
		p    float64
		want time.Duration
	}{{0.50, 50 * time.Millisecond}, {0.95, 95 * time.Millisecond}, {0.99, 99 * time.Millisecond}, {1, 100 * time.Millisecond}} {
		if got := r.Percentile(c.p); got != c.want {
			t.Errorf("p%.0f = %s, want %s", c.p*100, got, c.want)
		}
	}
	if r.Throughput() != 50 {
		t.Errorf("throughput %v, want 50/s", r.Throughput())
	}
	if (Result{}).Percentile(0.99) != 0 {
		t.Error("a run without operations has latencies")
	}
}

func TestProcessFiguresComeFromProc(t *testing.T) {
	m, err := ReadMemory(os.Getpid())
	if err != nil {
		t.Fatal(err)
	}
	if m.RSS <= 0 || m.Peak < m.RSS/2 {
		t.Errorf("memory %+v", m)
	}
	meter, err := StartCPU(os.Getpid(), nil)
	if err != nil {
		t.Fatal(err)
	}
	for deadline := time.Now().Add(50 * time.Millisecond); time.Now().Before(deadline); {
	}
	share, err := meter.Stop()
	if err != nil {
		t.Fatal(err)
	}
	if share.Server+share.Bench+share.Database+share.Kernel+share.Other+share.Idle <= 0 {
		t.Errorf("no CPU time accounted: %+v", share)
	}
}

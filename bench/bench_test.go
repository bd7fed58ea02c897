package bench

import (
	"math"
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

func TestRoundsAddUpToOneRun(t *testing.T) {
	a := Result{Name: "login", Concurrency: 4, Elapsed: time.Second, Errors: map[string]int{"x": 1}, NewUsers: 1, Refused: 2,
		latencies: []time.Duration{3 * time.Millisecond, 1 * time.Millisecond}}
	b := Result{Name: "login", Concurrency: 4, Elapsed: 3 * time.Second, Errors: map[string]int{"x": 2, "y": 1}, NewUsers: 2,
		latencies: []time.Duration{2 * time.Millisecond, 4 * time.Millisecond, 5 * time.Millisecond, 6 * time.Millisecond}}
	sum := Result{}.Add(a).Add(b)
	if sum.Name != "login" || sum.Concurrency != 4 || sum.Ops != 6 || sum.Elapsed != 4*time.Second || sum.Throughput() != 1.5 {
		t.Errorf("sum %+v", sum)
	}
	if sum.Errors["x"] != 3 || sum.Errors["y"] != 1 || sum.ErrorCount() != 4 || sum.NewUsers != 3 || sum.Refused != 2 {
		t.Errorf("counts %+v", sum)
	}
	if sum.Percentile(0.5) != 3*time.Millisecond || sum.Percentile(1) != 6*time.Millisecond || sum.Percentile(0) != time.Millisecond {
		t.Errorf("percentiles are not over all the latencies: %v", sum.latencies)
	}
	if len(a.Errors) != 1 || a.Errors["x"] != 1 {
		t.Error("adding changed a round")
	}

	c := CPUShare{Server: 1, Database: 0.5, Span: time.Second}.Add(CPUShare{Server: 0.2, Database: 1.5, Idle: 0.4, Span: 3 * time.Second})
	near := func(a, b float64) bool { return math.Abs(a-b) < 1e-9 }
	if !near(c.Server, 0.4) || !near(c.Database, 1.25) || !near(c.Idle, 0.3) || c.Span != 4*time.Second {
		t.Errorf("cpu weighted by span: %+v", c)
	}
}

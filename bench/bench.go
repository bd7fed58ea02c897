// Package bench load-tests a running mpauth over HTTP, with the fake WeChat
// playing the phones, and measures the bare database floor the login flow
// cannot beat: the same SQL statements a login performs, sent straight to
// the same database with the same concurrency. The ratio of the two says how
// much the product costs on top of its database work.
package bench

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"
)

// Load is the shape of one run.
type Load struct {
	Duration    time.Duration // measured time
	Warmup      time.Duration // run before measuring: pools fill, caches warm
	Concurrency int           // clients, each with one request in flight
	// Users is the simulated population: client c plays users c, c+C, c+2C...
	// below Users, so two clients never act for one user at once. Seeded
	// users (seed.DeviceUser) log in as returning users, the others as new.
	Users int
}

// Result is what one run measured.
type Result struct {
	Name        string
	Concurrency int
	Elapsed     time.Duration
	Ops         int            // successful operations in the measured time
	Errors      map[string]int // failed operations by cause
	NewUsers    int            // logins that created a user
	Refused     int            // operations for blocked users, refused as they must be
	latencies   []time.Duration
}

// Throughput is successful operations per second.
func (r Result) Throughput() float64 {
	if r.Elapsed <= 0 {
		return 0
	}
	return float64(r.Ops) / r.Elapsed.Seconds()
}

// ErrorCount is the number of failed operations.
func (r Result) ErrorCount() int {
	n := 0
	for _, c := range r.Errors {
		n += c
	}
	return n
}

// Percentile returns the latency below which p (0..1) of the successful
// operations finished.
func (r Result) Percentile(p float64) time.Duration {
	if len(r.latencies) == 0 {
		return 0
	}
	i := int(p*float64(len(r.latencies))+0.5) - 1
	return r.latencies[min(max(i, 0), len(r.latencies)-1)]
}

// Add combines two runs of one operation, as rounds of a longer run: their
// operations, errors and measured time add up, and percentiles are over all
// the latencies.
func (r Result) Add(o Result) Result {
	if r.Name == "" {
		r.Name, r.Concurrency = o.Name, o.Concurrency
	}
	out := r
	out.Elapsed += o.Elapsed
	out.NewUsers += o.NewUsers
	out.Refused += o.Refused
	out.Errors = map[string]int{}
	for _, m := range []map[string]int{r.Errors, o.Errors} {
		for k, n := range m {
			out.Errors[k] += n
		}
	}
	out.latencies = slices.Concat(r.latencies, o.latencies)
	slices.Sort(out.latencies)
	out.Ops = len(out.latencies)
	return out
}

func (r Result) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%-6s %3d clients %5.1fs: %7d ok %8.1f/s  p50 %s  p95 %s  p99 %s  errors %d",
		r.Name, r.Concurrency, r.Elapsed.Seconds(), r.Ops, r.Throughput(),
		ms(r.Percentile(0.50)), ms(r.Percentile(0.95)), ms(r.Percentile(0.99)), r.ErrorCount())
	if r.ErrorCount() > 0 {
		keys := make([]string, 0, len(r.Errors))
		for k := range r.Errors {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			fmt.Fprintf(&b, "\n         %6d × %s", r.Errors[k], k)
		}
	}
	return b.String()
}

func ms(d time.Duration) string { return fmt.Sprintf("%6.2fms", float64(d.Microseconds())/1000) }

// client is one simulated client's view of a run.
type client struct {
	id   int
	rand *rand.Rand
	load Load
}

// user picks one of the client's users (see Load.Users).
func (c *client) user() int {
	per := max(c.load.Users/c.load.Concurrency, 1)
	return c.id + c.load.Concurrency*c.rand.IntN(per)
}

// outcome is one operation: how long its measured request took, whether it
// created a user, or why it failed.
type outcome struct {
	latency time.Duration
	newUser bool
	refused bool // the right refusal (a blocked user), neither success nor error
	err     error
}

// drive runs op on load.Concurrency clients for the warm-up and then the
// measured duration. Each loop ends by the clock; an operation under way at
// the end finishes (its request context allows a grace period) and counts.
func drive(ctx context.Context, name string, load Load, op func(ctx context.Context, c *client) outcome) Result {
	load.Concurrency = max(load.Concurrency, 1)
	start := time.Now()
	measureFrom := start.Add(load.Warmup)
	end := measureFrom.Add(load.Duration)
	opCtx, cancel := context.WithDeadline(ctx, end.Add(30*time.Second))
	defer cancel()

	var (
		mu  sync.Mutex
		res = Result{Name: name, Concurrency: load.Concurrency, Errors: map[string]int{}}
		wg  sync.WaitGroup
	)
	for id := range load.Concurrency {
		wg.Go(func() {
			c := &client{id: id, rand: rand.New(rand.NewPCG(uint64(start.UnixNano()), uint64(id))), load: load}
			var lat []time.Duration
			errs := map[string]int{}
			newUsers, refusedOps := 0, 0
			for {
				began := time.Now()
				if !began.Before(end) || opCtx.Err() != nil {
					break
				}
				o := op(opCtx, c)
				if began.Before(measureFrom) {
					continue
				}
				switch {
				case o.refused:
					refusedOps++
				case o.err == nil:
					lat = append(lat, o.latency)
					if o.newUser {
						newUsers++
					}
				case ctx.Err() == nil:
					errs[o.err.Error()]++
				}
			}
			mu.Lock()
			defer mu.Unlock()
			res.latencies = append(res.latencies, lat...)
			res.NewUsers += newUsers
			res.Refused += refusedOps
			for k, n := range errs {
				res.Errors[k] += n
			}
		})
	}
	wg.Wait()
	res.Elapsed = time.Since(measureFrom)
	res.Ops = len(res.latencies)
	slices.Sort(res.latencies)
	return res
}

package bench

import (
	"bytes"
	"fmt"
	"os"
	"strconv"
	"time"
)

// CPUShare says where the machine's processor time went during a run, in
// cores: on a small machine the load generator, the server and the database
// compete for the same cores, and this tells which one was the limit.
type CPUShare struct {
	Server   float64 // the server process, when the bench started it
	Bench    float64 // this process: clients and the fake WeChat
	Database float64 // PostgreSQL backends serving the database under test
	Kernel   float64 // interrupts and softirqs: loopback networking, mostly
	Other    float64 // everything else: other databases, other processes
	Idle     float64
	Span     time.Duration // the time measured
}

// Add is the average over both spans of c and o.
func (c CPUShare) Add(o CPUShare) CPUShare {
	total := c.Span + o.Span
	if total <= 0 {
		return c
	}
	avg := func(a, b float64) float64 {
		return (a*c.Span.Seconds() + b*o.Span.Seconds()) / total.Seconds()
	}
	return CPUShare{
		Server: avg(c.Server, o.Server), Bench: avg(c.Bench, o.Bench), Database: avg(c.Database, o.Database),
		Kernel: avg(c.Kernel, o.Kernel), Other: avg(c.Other, o.Other), Idle: avg(c.Idle, o.Idle), Span: total,
	}
}

func (c CPUShare) String() string {
	return fmt.Sprintf("cpu (cores): server %.2f, bench+fake %.2f, database %.2f, irq %.2f, other %.2f, idle %.2f",
		c.Server, c.Bench, c.Database, c.Kernel, c.Other, c.Idle)
}

// CPUMeter measures a CPUShare between Start and Stop from /proc.
type CPUMeter struct {
	serverPID          int
	dbPIDs             func() []int
	start              time.Time
	busy0, idle0, irq0 float64
	server0, self0     float64
	db0                map[int]float64
}

const clockTicks = 100 // USER_HZ, 100 on every Linux architecture Go supports

// StartCPU begins measuring; serverPID 0 means the server is not a child.
// dbPIDs lists the database's backend processes when they run on this
// machine (nil otherwise).
func StartCPU(serverPID int, dbPIDs func() []int) (*CPUMeter, error) {
	m := &CPUMeter{serverPID: serverPID, dbPIDs: dbPIDs, start: time.Now(), db0: map[int]float64{}}
	if dbPIDs != nil {
		for _, pid := range dbPIDs() {
			if t, err := processTicks(pid); err == nil {
				m.db0[pid] = t
			}
		}
	}
	var err error
	if m.busy0, m.idle0, m.irq0, err = machineTicks(); err != nil {
		return nil, err
	}
	m.self0, _ = processTicks(os.Getpid())
	if serverPID != 0 {
		m.server0, _ = processTicks(serverPID)
	}
	return m, nil
}

// Stop returns the average cores each party used since Start.
func (m *CPUMeter) Stop() (CPUShare, error) {
	span := time.Since(m.start)
	secs := span.Seconds()
	busy, idle, irq, err := machineTicks()
	if err != nil {
		return CPUShare{}, err
	}
	self, _ := processTicks(os.Getpid())
	var server float64
	if m.serverPID != 0 {
		server, _ = processTicks(m.serverPID)
		server -= m.server0
	}
	var db float64
	if m.dbPIDs != nil {
		for _, pid := range m.dbPIDs() {
			if t, err := processTicks(pid); err == nil {
				db += t - m.db0[pid] // a backend started during the run counts whole
			}
		}
	}
	cores := func(ticks float64) float64 { return ticks / clockTicks / secs }
	s := CPUShare{Server: cores(server), Bench: cores(self - m.self0), Database: cores(db), Kernel: cores(irq - m.irq0), Idle: cores(idle - m.idle0), Span: span}
	s.Other = max(cores(busy-m.busy0)-s.Server-s.Bench-s.Database-s.Kernel, 0)
	return s, nil
}

// machineTicks reads the first line of /proc/stat: busy, idle and interrupt
// ticks of all cores together (busy includes the interrupts).
func machineTicks() (busy, idle, irq float64, err error) {
	b, err := os.ReadFile("/proc/stat")
	if err != nil {
		return 0, 0, 0, err
	}
	line, _, _ := bytes.Cut(b, []byte("\n"))
	f := bytes.Fields(line) // cpu user nice system idle iowait irq softirq steal ...
	if len(f) < 9 || string(f[0]) != "cpu" {
		return 0, 0, 0, fmt.Errorf("unexpected /proc/stat: %q", line)
	}
	for i := 1; i <= 8; i++ {
		v, err := strconv.ParseFloat(string(f[i]), 64)
		if err != nil {
			return 0, 0, 0, err
		}
		switch i {
		case 4, 5: // idle, iowait
			idle += v
		case 6, 7: // irq, softirq
			irq += v
			busy += v
		default:
			busy += v
		}
	}
	return busy, idle, irq, nil
}

// processTicks reads utime+stime of a process (all its threads).
func processTicks(pid int) (float64, error) {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return 0, err
	}
	// The command name may hold spaces; the fields after it start past ')'.
	i := bytes.LastIndexByte(b, ')')
	if i < 0 {
		return 0, fmt.Errorf("unexpected /proc/%d/stat", pid)
	}
	f := bytes.Fields(b[i+1:]) // state ppid ... utime is field 14 overall, 12th here
	if len(f) < 13 {
		return 0, fmt.Errorf("unexpected /proc/%d/stat", pid)
	}
	utime, err1 := strconv.ParseFloat(string(f[11]), 64)
	stime, err2 := strconv.ParseFloat(string(f[12]), 64)
	if err1 != nil || err2 != nil {
		return 0, fmt.Errorf("unexpected /proc/%d/stat", pid)
	}
	return utime + stime, nil
}

package bench

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"regexp"
	"strconv"
	"sync"
	"syscall"
	"time"
)

// Server is an mpauth server the bench started as a child process, so that
// its memory is its own and is read from /proc.
type Server struct {
	URL     string
	PID     int
	LogPath string // the server's stderr (its log)

	cmd  *exec.Cmd
	done chan error
}

var listening = regexp.MustCompile(`listening on (http://\S+)`)

// StartServer runs `exe serve` with env, on the address env's MPAUTH_ADDR
// names (127.0.0.1:0 picks a free port), and returns once the server says
// where it listens. Its log goes to a file, so that writing it costs the
// server what a log file costs in production and the bench nothing.
func StartServer(ctx context.Context, exe string, env []string, within time.Duration) (*Server, error) {
	logFile, err := os.CreateTemp("", "mpauth-bench-server-*.log")
	if err != nil {
		return nil, err
	}
	defer logFile.Close()
	cmd := exec.Command(exe, "serve")
	cmd.Env = env
	cmd.Stderr = logFile
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start %s serve: %w", exe, err)
	}
	s := &Server{PID: cmd.Process.Pid, LogPath: logFile.Name(), cmd: cmd, done: make(chan error, 1)}
	urlc := make(chan string, 1)
	go func() {
		lines := bufio.NewScanner(stdout)
		for lines.Scan() {
			if m := listening.FindStringSubmatch(lines.Text()); m != nil {
				urlc <- m[1]
				break
			}
		}
		io.Copy(io.Discard, stdout)
		s.done <- cmd.Wait()
	}()
	timer := time.NewTimer(within)
	defer timer.Stop()
	select {
	case s.URL = <-urlc:
		return s, nil
	case err := <-s.done:
		return nil, fmt.Errorf("server exited before listening (%v); its log: %s\n%s", err, s.LogPath, tail(s.LogPath))
	case <-timer.C:
	case <-ctx.Done():
	}
	cmd.Process.Kill()
	<-s.done
	return nil, fmt.Errorf("server did not listen within %s; its log: %s\n%s", within, s.LogPath, tail(s.LogPath))
}

// Stop asks the server to drain and exit (SIGTERM), and kills it if it has
// not within the timeout.
func (s *Server) Stop(timeout time.Duration) error {
	if err := s.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		return err
	}
	timer := time.NewTimer(timeout)
	defer timer.Stop()
	select {
	case err := <-s.done:
		return err
	case <-timer.C:
		s.cmd.Process.Kill()
		<-s.done
		return fmt.Errorf("server did not stop within %s after SIGTERM; killed", timeout)
	}
}

func tail(path string) string {
	b, err := os.ReadFile(path)
	if err != nil {
		return ""
	}
	if len(b) > 4096 {
		b = b[len(b)-4096:]
	}
	return string(b)
}

// Memory is a process's resident memory in bytes, from /proc/PID/status.
type Memory struct {
	RSS  int64 // VmRSS: resident now
	Peak int64 // VmHWM: the most it was ever resident
}

// ReadMemory reads pid's VmRSS and VmHWM.
func ReadMemory(pid int) (Memory, error) {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/status")
	if err != nil {
		return Memory{}, err
	}
	var m Memory
	for line := range bytes.Lines(b) {
		name, value, ok := bytes.Cut(line, []byte(":"))
		if !ok {
			continue
		}
		var dst *int64
		switch string(name) {
		case "VmRSS":
			dst = &m.RSS
		case "VmHWM":
			dst = &m.Peak
		default:
			continue
		}
		f := bytes.Fields(value) // "12345 kB"
		if len(f) == 0 {
			continue
		}
		kb, err := strconv.ParseInt(string(f[0]), 10, 64)
		if err != nil {
			return Memory{}, fmt.Errorf("/proc/%d/status %s: %w", pid, name, err)
		}
		*dst = kb * 1024
	}
	if m.RSS == 0 {
		return Memory{}, errors.New("no VmRSS in /proc/" + strconv.Itoa(pid) + "/status")
	}
	return m, nil
}

// MemoryWatch samples a process's RSS while a run goes on and keeps the
// largest sample.
type MemoryWatch struct {
	pid  int
	stop chan struct{}
	wg   sync.WaitGroup

	mu  sync.Mutex
	max int64
	err error
}

// WatchMemory samples pid's RSS every interval until Stop.
func WatchMemory(pid int, interval time.Duration) *MemoryWatch {
	w := &MemoryWatch{pid: pid, stop: make(chan struct{})}
	w.wg.Go(func() {
		tick := time.NewTicker(interval)
		defer tick.Stop()
		for {
			w.sample()
			select {
			case <-w.stop:
				return
			case <-tick.C:
			}
		}
	})
	return w
}

func (w *MemoryWatch) sample() {
	m, err := ReadMemory(w.pid)
	w.mu.Lock()
	defer w.mu.Unlock()
	if err != nil {
		w.err = err
		return
	}
	w.max = max(w.max, m.RSS)
}

// Stop ends the sampling and returns the largest RSS seen.
func (w *MemoryWatch) Stop() (int64, error) {
	close(w.stop)
	w.wg.Wait()
	w.sample()
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.max == 0 {
		return 0, w.err
	}
	return w.max, nil
}

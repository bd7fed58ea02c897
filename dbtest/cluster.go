package dbtest

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// Cluster is a private PostgreSQL server for tests that must stop and start
// the database (fault tests): restarting the shared one would break every
// other test running beside them.
type Cluster struct {
	t       testing.TB
	bin     string
	dataDir string
	sockDir string
	port    int
	asUser  string // run the server as this user (PostgreSQL refuses root)
}

// NewCluster initialises and starts a PostgreSQL cluster in a temp dir on a
// free loopback port; it is stopped when t ends. It fails the test (never
// skips) when PostgreSQL's binaries are not installed.
func NewCluster(t testing.TB) *Cluster {
	t.Helper()
	bin, err := postgresBinDir()
	if err != nil {
		t.Fatalf("private PostgreSQL cluster: %v (apt-get install -y postgresql)", err)
	}
	c := &Cluster{t: t, bin: bin, port: freePort(t)}
	base, err := os.MkdirTemp("", "mpauth-pg-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(base) })
	c.dataDir, c.sockDir = filepath.Join(base, "data"), filepath.Join(base, "sock")
	for _, d := range []string{c.dataDir, c.sockDir} {
		if err := os.MkdirAll(d, 0o700); err != nil {
			t.Fatal(err)
		}
	}
	if os.Geteuid() == 0 {
		c.asUser = "postgres"
		if _, err := user.Lookup(c.asUser); err != nil {
			t.Fatalf("running as root needs the postgres user to start a cluster: %v", err)
		}
		if out, err := exec.Command("chown", "-R", c.asUser, base).CombinedOutput(); err != nil {
			t.Fatalf("chown: %v %s", err, out)
		}
		os.Chmod(base, 0o755)
	}
	c.pg("initdb", "-D", c.dataDir, "-U", "postgres", "--auth=trust", "--no-sync", "-E", "UTF8")
	c.Start()
	t.Cleanup(func() { c.pg("pg_ctl", "-D", c.dataDir, "-m", "immediate", "stop") })
	return c
}

// URL returns a connection URL for database name.
func (c *Cluster) URL(name string) string {
	return fmt.Sprintf("postgres://postgres@127.0.0.1:%d/%s?sslmode=disable", c.port, name)
}

// Start starts the server and waits until it accepts connections.
func (c *Cluster) Start() {
	c.t.Helper()
	opts := fmt.Sprintf("-p %d -k %s -c listen_addresses=127.0.0.1 -c fsync=off", c.port, c.sockDir)
	c.pg("pg_ctl", "-D", c.dataDir, "-o", opts, "-l", filepath.Join(c.dataDir, "server.log"), "-w", "-t", "60", "start")
}

// Stop stops the server at once, dropping every connection, as a crash or a
// restart does.
func (c *Cluster) Stop() {
	c.t.Helper()
	c.pg("pg_ctl", "-D", c.dataDir, "-m", "fast", "-w", "stop")
}

// CreateDatabase creates an empty database.
func (c *Cluster) CreateDatabase(name string) {
	c.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, c.URL("postgres"))
	if err != nil {
		c.t.Fatal(err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, "CREATE DATABASE "+pgx.Identifier{name}.Sanitize()); err != nil {
		c.t.Fatal(err)
	}
}

func (c *Cluster) pg(tool string, args ...string) {
	c.t.Helper()
	cmd := exec.Command(filepath.Join(c.bin, tool), args...)
	if c.asUser != "" {
		cmd = exec.Command("runuser", append([]string{"-u", c.asUser, "--", filepath.Join(c.bin, tool)}, args...)...)
	}
	cmd.Dir = os.TempDir()
	if out, err := cmd.CombinedOutput(); err != nil {
		c.t.Fatalf("%s %s: %v\n%s", tool, strings.Join(args, " "), err, out)
	}
}

func postgresBinDir() (string, error) {
	dirs, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
	sort.Strings(dirs)
	for i := len(dirs) - 1; i >= 0; i-- {
		if _, err := os.Stat(filepath.Join(dirs[i], "initdb")); err == nil {
			return dirs[i], nil
		}
	}
	if p, err := exec.LookPath("initdb"); err == nil {
		return filepath.Dir(p), nil
	}
	return "", fmt.Errorf("initdb not found")
}

func freePort(t testing.TB) int {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

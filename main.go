// Command mpauth is a self-hosted backend for WeChat mini programs: login by
// wx.login code, phone binding, and an admin dashboard.
package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"sort"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Getenv, os.Stdin, os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "mpauth:", err)
		os.Exit(1)
	}
}

// env is what a command may touch of the outside world, passed in so tests
// run commands in-process with their own environment and streams.
type env struct {
	getenv func(string) string
	stdin  io.Reader
	stdout io.Writer
	stderr io.Writer
}

type command struct {
	summary string
	run     func(ctx context.Context, e env, args []string) error
}

// commands is the table of subcommands; adding one is one line here and a
// cmd_NAME.go file beside this one.
func commands() map[string]command {
	return map[string]command{
		"serve":       {"run the HTTP server (default)", runServe},
		"migrate":     {"apply or inspect database migrations: migrate up|status", runMigrate},
		"app":         {"manage served mini programs: app add|list|remove", runApp},
		"decrypt":     {"decrypt legacy open data: decrypt --session-key K --iv IV --data DATA [--appid A]", runDecrypt},
		"fakewechat":  {"run the fake WeChat server: fakewechat --addr 127.0.0.1:9090 --app APPID:SECRET", runFakeWeChat},
		"healthcheck": {"exit 0 when the local server is ready (for container health checks)", runHealthcheck},
		"admin":       {"manage dashboard accounts: admin create|reset-password|unlock|list", runAdmin},
		"seed":        {"fill the database with realistic data: seed --users N --audit M [--apps K]", runSeed},
		"bench":       {"load-test a server over HTTP: bench login|phone|admin|all [--duration 10s] [--concurrency 64] [--server URL]", runBench},
	}
}

func run(ctx context.Context, args []string, getenv func(string) string, stdin io.Reader, stdout, stderr io.Writer) error {
	e := env{getenv: getenv, stdin: stdin, stdout: stdout, stderr: stderr}
	name := "serve"
	if len(args) > 0 && (args[0] == "-h" || args[0] == "--help" || args[0] == "help") {
		usage(stdout)
		return nil
	}
	if len(args) > 0 && args[0] != "" && args[0][0] != '-' {
		name, args = args[0], args[1:]
	}
	cmd, ok := commands()[name]
	if !ok {
		usage(stderr)
		return fmt.Errorf("unknown command %q", name)
	}
	return cmd.run(ctx, e, args)
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "usage: mpauth [command] [flags]\n\ncommands:")
	cmds := commands()
	names := make([]string, 0, len(cmds))
	for n := range cmds {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(w, "  %-11s %s\n", n, cmds[n].summary)
	}
}

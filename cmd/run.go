// Package cmd holds mpauth's subcommands, one file each (serve, migrate,
// admin, …). main hands it the process's arguments, environment and
// streams; serve.go is the composition root, where everything is wired.
package cmd

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"sort"

	"github.com/mpauth/mpauth/handlers"
)

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
	// usage is printed for --help by commands whose first argument is a
	// subcommand; the others print their flags.
	usage string
}

// commands is the table of subcommands; adding one is one line here and a
// file named for it beside this one.
func commands() map[string]command {
	return map[string]command{
		"serve":       {"run the HTTP server (default)", runServe, ""},
		"migrate":     {"apply or inspect database migrations: migrate up|status", runMigrate, migrateUsage},
		"app":         {"manage served mini programs: app add|list|remove", runApp, appUsage},
		"decrypt":     {"decrypt legacy open data: decrypt --session-key K --iv IV --data DATA [--appid A]", runDecrypt, ""},
		"fakewechat":  {"run the fake WeChat server: fakewechat --addr 127.0.0.1:9090 --app APPID:SECRET", runFakeWeChat, ""},
		"healthcheck": {"exit 0 when the local server is ready (for container health checks)", runHealthcheck, healthcheckUsage},
		"admin":       {"manage dashboard accounts: admin create|reset-password|unlock|list", runAdmin, adminUsage},
		"seed":        {"fill the database with realistic data: seed --users N --audit M [--apps K]", runSeed, ""},
		"bench":       {"load-test a server over HTTP: bench login|phone|admin|all [--duration 10s] [--concurrency 64] [--server URL]", runBench, benchUsage},
	}
}

// Run runs the subcommand args name (serve when there is none) with the
// given environment and streams. A subcommand's --help prints its flags and
// succeeds.
func Run(ctx context.Context, args []string, getenv func(string) string, stdin io.Reader, stdout, stderr io.Writer) error {
	handlers.Quiet()
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
	if cmd.usage != "" && len(args) > 0 && (args[0] == "-h" || args[0] == "--help" || args[0] == "help") {
		fmt.Fprintln(stdout, cmd.usage)
		return nil
	}
	err := cmd.run(ctx, e, args)
	if errors.Is(err, flag.ErrHelp) {
		return nil // the flag set printed its usage
	}
	return err
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

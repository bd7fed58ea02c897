// Command mpauth is a self-hosted backend for WeChat mini programs: login by
// wx.login code, phone binding, and an admin dashboard. The subcommands live
// in package cmd; main only hands them the process.
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/mpauth/mpauth/cmd"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := cmd.Run(ctx, os.Args[1:], os.Getenv, os.Stdin, os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "mpauth:", err)
		os.Exit(1)
	}
}

package cmd

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"strings"

	"github.com/mpauth/mpauth/models"
)

const appUsage = "usage: mpauth app add --appid APPID [--name NAME] (AppSecret on stdin) | app list | app remove --appid APPID"

// runApp manages the mini programs a deployment serves. The AppSecret is read
// from stdin so it never lands in shell history or the process list.
func runApp(ctx context.Context, e env, args []string) error {
	if len(args) == 0 {
		return errors.New(appUsage)
	}
	sub, args := args[0], args[1:]
	fs := flag.NewFlagSet("app "+sub, flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	appID := fs.String("appid", "", "the mini program's appid")
	name := fs.String("name", "", "a display name")
	if err := fs.Parse(args); err != nil {
		return err
	}
	_, store, closeStore, err := openMigrated(ctx, e)
	if err != nil {
		return err
	}
	defer closeStore()
	switch sub {
	case "add":
		if *appID == "" {
			return errors.New("app add: --appid is required")
		}
		fmt.Fprintln(e.stderr, "AppSecret (one line on stdin):")
		line, err := bufio.NewReader(e.stdin).ReadString('\n')
		secret := strings.TrimSpace(line)
		if secret == "" {
			return fmt.Errorf("app add: no AppSecret on stdin (%v)", err)
		}
		if err := store.UpsertApp(ctx, *appID, *name, secret); err != nil {
			return err
		}
		fmt.Fprintf(e.stdout, "app %s saved\n", *appID)
	case "list":
		apps, err := store.ListApps(ctx)
		if err != nil {
			return err
		}
		for _, a := range apps {
			fmt.Fprintf(e.stdout, "%s\t%s\tadded %s\n", a.AppID, a.Name, a.CreatedAt.Format("2006-01-02"))
		}
	case "remove":
		if err := store.DeleteApp(ctx, *appID); err != nil {
			if errors.Is(err, models.ErrNotFound) {
				return fmt.Errorf("app %s is not registered", *appID)
			}
			return fmt.Errorf("app %s cannot be removed while it has users: %w", *appID, err)
		}
		fmt.Fprintf(e.stdout, "app %s removed\n", *appID)
	default:
		return fmt.Errorf("unknown app subcommand %q: use add, list or remove", sub)
	}
	return nil
}

package cmd

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"strings"

	"golang.org/x/term"

	"github.com/mpauth/mpauth/models"
	"github.com/mpauth/mpauth/services"
	"github.com/mpauth/mpauth/services/admin"
)

const adminUsage = "usage: mpauth admin create --username NAME [--role admin|viewer] | admin reset-password --username NAME | admin unlock --username NAME | admin list\n" +
	"passwords are read from a prompt on a terminal, otherwise from the first line of stdin"

// runAdmin manages dashboard accounts. Passwords never travel as flags:
// flags land in shell history and the process list.
func runAdmin(ctx context.Context, e env, args []string) error {
	if len(args) == 0 {
		return errors.New(adminUsage)
	}
	sub, args := args[0], args[1:]
	fs := flag.NewFlagSet("admin "+sub, flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	username := fs.String("username", "", "the account's name")
	role := fs.String("role", models.RoleAdmin, "admin (may reveal, export, block, revoke) or viewer (masked data only)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if sub != "create" && sub != "reset-password" && sub != "unlock" && sub != "list" {
		return fmt.Errorf("unknown admin subcommand %q\n%s", sub, adminUsage)
	}
	if sub != "list" && *username == "" {
		return fmt.Errorf("admin %s: --username is required", sub)
	}
	_, store, closeStore, err := openMigrated(ctx, e)
	if err != nil {
		return err
	}
	defer closeStore()
	admins := admin.NewAccounts(services.Deps{Store: store}, admin.SignInPolicy{})
	switch sub {
	case "create":
		pw, err := readNewPassword(e, "Password for "+*username)
		if err != nil {
			return err
		}
		acct, err := admins.CreateAdmin(ctx, *username, pw, *role, admin.CLIActor)
		if err != nil {
			return fmt.Errorf("admin create: %w", err)
		}
		fmt.Fprintf(e.stdout, "admin account %s created with role %s\n", acct.Username, acct.Role)
	case "reset-password":
		pw, err := readNewPassword(e, "New password for "+*username)
		if err != nil {
			return err
		}
		if err := admins.ResetPassword(ctx, *username, pw, admin.CLIActor); err != nil {
			return fmt.Errorf("admin reset-password: %w", err)
		}
		fmt.Fprintf(e.stdout, "password of %s changed; its dashboard sessions are signed out and failed sign-ins forgotten\n", models.NormalizeUsername(*username))
	case "unlock":
		if err := admins.Unlock(ctx, *username, admin.CLIActor); err != nil {
			return fmt.Errorf("admin unlock: %w", err)
		}
		fmt.Fprintf(e.stdout, "%s unlocked: earlier failed sign-ins no longer count\n", models.NormalizeUsername(*username))
	case "list":
		list, err := admins.ListAdmins(ctx)
		if err != nil {
			return err
		}
		if len(list) == 0 {
			fmt.Fprintln(e.stdout, "no admin accounts yet: mpauth admin create --username NAME")
		}
		for _, a := range list {
			last := "never signed in"
			if a.LastLoginAt != nil {
				last = "last sign-in " + a.LastLoginAt.In(admin.DisplayZone()).Format("2006-01-02 15:04")
			}
			state := ""
			if a.DisabledAt != nil {
				state = "\tdisabled"
			}
			fmt.Fprintf(e.stdout, "%s\t%s\tcreated %s\t%s%s\n", a.Username, a.Role, a.CreatedAt.In(admin.DisplayZone()).Format("2006-01-02"), last, state)
		}
	}
	return nil
}

// readNewPassword prompts twice without echo on a terminal; otherwise it
// reads the first line of stdin (for scripts: echo "$PW" | mpauth admin ...).
func readNewPassword(e env, prompt string) (string, error) {
	if f, ok := e.stdin.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		fmt.Fprintf(e.stderr, "%s (%d to %d characters): ", prompt, admin.MinPasswordLen, admin.MaxPasswordLen)
		first, err := term.ReadPassword(int(f.Fd()))
		fmt.Fprintln(e.stderr)
		if err != nil {
			return "", err
		}
		fmt.Fprint(e.stderr, "Again: ")
		second, err := term.ReadPassword(int(f.Fd()))
		fmt.Fprintln(e.stderr)
		if err != nil {
			return "", err
		}
		if string(first) != string(second) {
			return "", errors.New("the two passwords differ")
		}
		return string(first), nil
	}
	line, err := bufio.NewReader(e.stdin).ReadString('\n')
	line = strings.TrimRight(line, "\r\n")
	if line == "" {
		return "", fmt.Errorf("no password on stdin (%v): pipe it in, or run on a terminal to be prompted", err)
	}
	return line, nil
}

// demoAdmin gives a fresh demo install an account to sign in with: a random
// password, printed once at start-up and stored only as its hash.
func demoAdmin(ctx context.Context, admins *admin.Accounts) (string, error) {
	n, err := admins.CountAdmins(ctx)
	if err != nil || n > 0 {
		return "", err
	}
	pw := admin.RandomPassword()
	if _, err := admins.CreateAdmin(ctx, "admin", pw, models.RoleAdmin, "demo"); err != nil {
		return "", err
	}
	return fmt.Sprintf("admin dashboard: /admin/ | username admin | password %s (shown once; change it with: mpauth admin reset-password --username admin)", pw), nil
}

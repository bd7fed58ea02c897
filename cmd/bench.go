package cmd

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/mpauth/mpauth/bench"
	"github.com/mpauth/mpauth/config"
	"github.com/mpauth/mpauth/models"
	"github.com/mpauth/mpauth/seed"
	"github.com/mpauth/mpauth/services"
	"github.com/mpauth/mpauth/services/admin"
	"github.com/mpauth/mpauth/wechat/fakewechat"
)

const benchUsage = "usage: mpauth bench login|phone|admin|floor|all|export [--duration 10s] [--concurrency 64] [--server URL --fake URL] [--users N]"

// runBench load-tests a server over HTTP. Without --server it starts one: the
// fake WeChat in this process on loopback, and `mpauth serve` as a child
// process pointed at it, whose memory it reads from /proc.
func runBench(ctx context.Context, e env, args []string) error {
	if len(args) == 0 || strings.HasPrefix(args[0], "-") {
		return errors.New(benchUsage)
	}
	what, args := args[0], args[1:]
	switch what {
	case "login", "phone", "admin", "all", "floor", "export":
	default:
		return fmt.Errorf("bench: unknown run %q\n%s", what, benchUsage)
	}
	fs := flag.NewFlagSet("bench "+what, flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	duration := fs.Duration("duration", 10*time.Second, "measured time of each run")
	warmup := fs.Duration("warmup", -1, "unmeasured time before each run (default: a fifth of --duration, at most 2s)")
	concurrency := fs.Int("concurrency", 64, "concurrent clients, each with one request in flight")
	serverURL := fs.String("server", "", "a running mpauth (default: start one as a child process)")
	fakeURL := fs.String("fake", "", "the fake WeChat that server uses (default with --server: the demo mode fake at SERVER/_fakewechat)")
	appID := fs.String("appid", "", "the mini program users log in to (default: the seeded app, or the demo app with the demo fake)")
	users := fs.Int("users", 0, "simulated users (default: the app's identities in the database, at least 1000); seeded ones log in as returning users")
	adminAgents := fs.Int("admin-agents", 4, "concurrent dashboard users of the admin run (support staff, not phones)")
	floorConns := fs.Int("floor-conns", 0, "database connections of the floor (default: the server's pool size, MPAUTH_DB_MAX_CONNS)")
	databaseURL := fs.String("database-url", "", "the server's PostgreSQL, for the floor (default DATABASE_URL; empty: the SQLite file under MPAUTH_DATA_DIR)")
	rounds := fs.Int("rounds", 4, "login and floor alternate in this many rounds of duration/rounds each, so a slow stretch of a shared machine weighs on both sides of the ratio")
	cpuProfile := fs.String("cpuprofile", "", "write this process's CPU profile (load generator, fake WeChat, floor) to the file")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *cpuProfile != "" {
		// The bench shares the machine with the server it measures, so what
		// it spends itself is part of every figure.
		stop, err := startCPUProfile(*cpuProfile)
		if err != nil {
			return fmt.Errorf("bench: %w", err)
		}
		defer stop()
	}
	if *concurrency < 1 || *duration <= 0 || *rounds < 1 {
		return errors.New("bench: --concurrency, --duration and --rounds must be positive")
	}
	if *warmup < 0 {
		*warmup = min(*duration/5, 2*time.Second)
	}
	cfg, err := config.Load(e.getenv)
	if err != nil {
		return fmt.Errorf("configuration:\n%w", err)
	}
	if *databaseURL != "" {
		cfg.DatabaseURL = config.Secret(*databaseURL)
	}
	if *floorConns <= 0 {
		*floorConns = cfg.DBMaxConns
	}

	target := bench.Target{Server: strings.TrimSuffix(*serverURL, "/"), Fake: strings.TrimSuffix(*fakeURL, "/"), AppID: *appID, HTTP: bench.NewHTTPClient(*concurrency)}
	var child *bench.Server
	switch {
	case what == "floor":
		if target.AppID == "" {
			target.AppID = seed.AppID(0)
		}
	case target.Server == "":
		if target.AppID == "" {
			target.AppID = seed.AppID(0)
		}
		stop, err := startBenchServer(ctx, e, cfg, &target, &child)
		if err != nil {
			return err
		}
		defer stop()
	case target.Fake == "":
		target.Fake = target.Server + "/_fakewechat"
		if target.AppID == "" {
			target.AppID = fakewechat.DemoAppID
		}
	case target.AppID == "":
		target.AppID = seed.AppID(0)
	}
	if what != "floor" {
		if err := bench.WaitReady(ctx, target, time.Minute); err != nil {
			return err
		}
	}

	db, err := bench.OpenDB(ctx, cfg.DatabaseURL.Reveal(), sqlitePath(cfg), *floorConns)
	if err != nil {
		return fmt.Errorf("bench: open the database for the floor: %w", err)
	}
	defer db.Close()
	load := bench.Load{Duration: *duration, Warmup: *warmup, Concurrency: *concurrency, Users: *users}
	known, err := db.Identities(ctx, target.AppID)
	if err != nil {
		return fmt.Errorf("bench: count identities: %w", err)
	}
	if load.Users == 0 {
		load.Users = max(known, 1000)
	}

	out := e.stdout
	if child != nil {
		fmt.Fprintf(out, "bench: server %s (child pid %d, log %s)\n", target.Server, child.PID, child.LogPath)
	} else {
		fmt.Fprintf(out, "bench: server %s\n", target.Server)
	}
	fmt.Fprintf(out, "bench: fake WeChat %s, appid %s; %d simulated users, %d identities of the app in the database\n", target.Fake, target.AppID, load.Users, known)
	fmt.Fprintf(out, "bench: database %s; the floor uses %d connections\n", describeDatabase(cfg), *floorConns)
	fmt.Fprintf(out, "bench: %d clients, %s warm-up then %s measured per run\n", load.Concurrency, load.Warmup, load.Duration)

	var watch *bench.MemoryWatch
	childPID := 0
	if child != nil {
		childPID = child.PID
		watch = bench.WatchMemory(child.PID, 100*time.Millisecond)
	}
	// measure runs once and says where the machine's CPU went meanwhile.
	measure := func(runOnce func() bench.Result) (bench.Result, *bench.CPUShare) {
		meter, err := bench.StartCPU(childPID, db.BackendPIDs(ctx))
		res := runOnce()
		if err != nil {
			return res, nil
		}
		share, err := meter.Stop()
		if err != nil {
			return res, nil
		}
		return res, &share
	}
	report := func(res bench.Result, share *bench.CPUShare) {
		fmt.Fprintln(out, res)
		if share != nil {
			fmt.Fprintf(out, "         %s\n", share)
		}
	}
	// The login and its floor alternate in rounds: measured one after the
	// other, a slow minute of a shared VM lands on one side of the ratio only.
	var login, floor bench.Result
	var loginCPU, floorCPU *bench.CPUShare
	var roundRatios []string
	if what == "login" || what == "all" || what == "floor" {
		var floorRun *bench.Floor
		slice := load
		slice.Duration = load.Duration / time.Duration(*rounds)
		for round := range *rounds {
			if round > 0 {
				slice.Warmup = 0 // pools and caches are warm from the round before
			}
			var l bench.Result
			if what != "floor" {
				var share *bench.CPUShare
				l, share = measure(func() bench.Result { return bench.Login(ctx, target, slice) })
				login, loginCPU = login.Add(l), addCPU(loginCPU, share)
			}
			if floorRun == nil {
				// Chosen after the first login round: on an empty database
				// the floor logs in the users that round created.
				var err error
				if floorRun, err = bench.NewFloor(ctx, db, target.AppID, load); err != nil {
					return fmt.Errorf("bench: floor: %w", err)
				}
			}
			f, share := measure(func() bench.Result { return floorRun.Run(ctx, slice) })
			floor, floorCPU = floor.Add(f), addCPU(floorCPU, share)
			roundRatios = append(roundRatios, fmt.Sprintf("%.2f", ratio(l, f)))
		}
	}
	if what == "login" || what == "all" {
		report(login, loginCPU)
		fmt.Fprintf(out, "         %d of the logins created a user; %d blocked users refused\n", login.NewUsers, login.Refused)
	}
	if what == "phone" || what == "all" {
		before, err := bench.TokenFetches(ctx, target)
		if err != nil {
			return fmt.Errorf("bench: read the fake's stats: %w", err)
		}
		phone, share := measure(func() bench.Result { return bench.Phone(ctx, target, load) })
		report(phone, share)
		after, err := bench.TokenFetches(ctx, target)
		if err != nil {
			return fmt.Errorf("bench: read the fake's stats: %w", err)
		}
		fmt.Fprintf(out, "         each bind follows a login (not measured); %d blocked users refused\n", phone.Refused)
		fmt.Fprintf(out, "access-token fetches during the phone run: %d\n", after-before)
	}
	if what == "admin" || what == "all" {
		adminLoad := load
		adminLoad.Concurrency = min(load.Concurrency, *adminAgents)
		results, err := benchAdmin(ctx, cfg, target, adminLoad, db, out)
		if err != nil {
			return fmt.Errorf("bench admin: %w", err)
		}
		bench.AdminPagesReport(out, results)
	}
	if what == "export" {
		if err := benchExports(ctx, cfg, target, child, out); err != nil {
			return fmt.Errorf("bench export: %w", err)
		}
	}
	if watch != nil {
		peak, err := watch.Stop()
		mem, merr := bench.ReadMemory(child.PID)
		if err == nil && merr == nil {
			fmt.Fprintf(out, "server memory: max RSS %.1f MB during the runs (VmHWM %.1f MB since start)\n", mb(peak), mb(mem.Peak))
		}
	} else if what != "floor" {
		fmt.Fprintln(out, "server memory: not measured (the server is not the bench's child)")
	}
	if what == "login" || what == "all" || what == "floor" {
		report(floor, floorCPU)
		if what == "floor" {
			return nil
		}
		fmt.Fprintf(out, "ratio per round (login/floor): %s\n", strings.Join(roundRatios, " "))
		fmt.Fprintf(out, "ratio login/floor: %.2f\n", ratio(login, floor))
	}
	return nil
}

func ratio(login, floor bench.Result) float64 {
	if floor.Throughput() <= 0 {
		return 0
	}
	return login.Throughput() / floor.Throughput()
}

// addCPU adds a round's CPU split to the rounds before it; nil is unknown.
func addCPU(total, round *bench.CPUShare) *bench.CPUShare {
	switch {
	case round == nil:
		return total
	case total == nil:
		return round
	}
	sum := total.Add(*round)
	return &sum
}

// benchAccount creates a dashboard account for this run through the
// services, as `mpauth admin create` would.
func benchAccount(ctx context.Context, cfg config.Config, role string) (bench.AdminAccount, error) {
	store, closeStore, err := openStore(ctx, cfg, time.Now)
	if err != nil {
		return bench.AdminAccount{}, err
	}
	defer closeStore()
	suffix := make([]byte, 4)
	rand.Read(suffix)
	acct := bench.AdminAccount{Username: "bench-" + hex.EncodeToString(suffix), Password: admin.RandomPassword()}
	if _, err := admin.NewAccounts(services.Deps{Store: store}, admin.SignInPolicy{}).CreateAdmin(ctx, acct.Username, acct.Password, role, admin.CLIActor); err != nil {
		return acct, fmt.Errorf("create an admin account: %w", err)
	}
	return acct, nil
}

// benchAdmin creates an admin account for this run through the services, as
// `mpauth admin create` would, and times the dashboard pages with it (the
// admin role: a viewer may not search digits anywhere, and its whole-number
// searches are limited).
func benchAdmin(ctx context.Context, cfg config.Config, target bench.Target, load bench.Load, db *bench.DB, out io.Writer) ([]bench.Result, error) {
	acct, err := benchAccount(ctx, cfg, models.RoleAdmin)
	if err != nil {
		return nil, err
	}
	users, err := db.SampleUserIDs(ctx, 1000)
	if err != nil {
		return nil, err
	}
	fmt.Fprintf(out, "bench: dashboard as %s (an admin account made for this run), %d agents\n", acct.Username, load.Concurrency)
	return bench.Admin(ctx, target, load, acct, users)
}

// benchExports downloads the users and login-audit exports whole with an
// account of the admin role, made for the run, and reports the server's
// memory during each: an export streams, so it must not grow with the rows.
func benchExports(ctx context.Context, cfg config.Config, target bench.Target, child *bench.Server, out io.Writer) error {
	acct, err := benchAccount(ctx, cfg, models.RoleAdmin)
	if err != nil {
		return err
	}
	var watch func() func() (int64, error)
	if child != nil {
		if before, err := bench.ReadMemory(child.PID); err == nil {
			fmt.Fprintf(out, "bench: server RSS before the exports %.1f MB\n", mb(before.RSS))
		}
		watch = func() func() (int64, error) { return bench.WatchMemory(child.PID, 100*time.Millisecond).Stop }
	}
	results, err := bench.Exports(ctx, target, acct, watch)
	for _, r := range results {
		fmt.Fprintln(out, r)
	}
	return err
}

func mb(b int64) float64 { return float64(b) / (1 << 20) }

// startBenchServer starts the fake WeChat in this process and `mpauth serve`
// as a child talking to it, both on loopback, with the rate limits off (the
// load comes from one IP).
func startBenchServer(ctx context.Context, e env, cfg config.Config, target *bench.Target, child **bench.Server) (stop func(), err error) {
	secret := make([]byte, 16)
	rand.Read(secret)
	appSecret := hex.EncodeToString(secret)
	fake := fakewechat.New(fakewechat.Options{Apps: map[string]string{target.AppID: appSecret}})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("bench: start the fake WeChat: %w", err)
	}
	fsrv := &http.Server{Handler: fake, ReadHeaderTimeout: 10 * time.Second}
	go fsrv.Serve(ln)
	target.Fake = "http://" + ln.Addr().String()
	target.Device = bench.LocalDevice{Fake: fake}

	exe, err := os.Executable()
	if err != nil {
		fsrv.Close()
		return nil, err
	}
	overrides := map[string]string{
		"MPAUTH_ADDR":                "127.0.0.1:0",
		"MPAUTH_METRICS_ADDR":        "127.0.0.1:0",
		"MPAUTH_DATA_DIR":            cfg.DataDir,
		"DATABASE_URL":               cfg.DatabaseURL.Reveal(),
		"WECHAT_APPID":               target.AppID,
		"WECHAT_SECRET":              appSecret,
		"WECHAT_API_BASE":            target.Fake,
		"MPAUTH_RATE_LOGIN_PER_IP":   "0/1m",
		"MPAUTH_RATE_PHONE_PER_USER": "0/1m",
		"MPAUTH_RATE_PHONE_PER_IP":   "0/1m",
	}
	// The server applies pending migrations before it listens, which on a
	// seeded database can mean building indexes over millions of rows.
	fmt.Fprintf(e.stdout, "bench: starting %s serve (pending migrations run first)\n", exe)
	srv, err := bench.StartServer(ctx, exe, childEnv(os.Environ(), overrides), 15*time.Minute)
	if err != nil {
		fsrv.Close()
		return nil, err
	}
	target.Server = srv.URL
	*child = srv
	return func() {
		if err := srv.Stop(30 * time.Second); err != nil {
			fmt.Fprintf(e.stderr, "bench: stop the server: %v\n", err)
		}
		fsrv.Close()
	}, nil
}

// childEnv is base with overrides replacing or adding variables.
func childEnv(base []string, overrides map[string]string) []string {
	out := make([]string, 0, len(base)+len(overrides))
	for _, kv := range base {
		k, _, _ := strings.Cut(kv, "=")
		if _, replaced := overrides[k]; !replaced {
			out = append(out, kv)
		}
	}
	for k, v := range overrides {
		out = append(out, k+"="+v)
	}
	return out
}

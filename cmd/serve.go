package cmd

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"github.com/mpauth/mpauth/config"
	"github.com/mpauth/mpauth/handlers"
	"github.com/mpauth/mpauth/logging"
	"github.com/mpauth/mpauth/migrations"
	"github.com/mpauth/mpauth/models"
	"github.com/mpauth/mpauth/services"
	"github.com/mpauth/mpauth/services/admin"
	"github.com/mpauth/mpauth/wechat"
	"github.com/mpauth/mpauth/wechat/fakewechat"
)

func runServe(ctx context.Context, e env, args []string) error {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	addr := fs.String("addr", "", "listen address (overrides MPAUTH_ADDR)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	cfg, err := config.Load(e.getenv)
	if err != nil {
		return fmt.Errorf("configuration:\n%w", err)
	}
	if *addr != "" {
		cfg.Addr, cfg.AddrDefaulted = *addr, false
	}
	logger := logging.New(e.stderr, cfg.Production(), cfg.LogLevel)

	// The one clock of the process, handed to everything that tells time.
	clock := time.Now
	store, closeStore, err := openStore(ctx, cfg, clock)
	if err != nil {
		return err
	}
	defer closeStore()
	if _, err := migrateUp(ctx, store); err != nil {
		return err
	}

	if cfg.PprofAddr != "" {
		stopPprof, at, err := startPprof(cfg.PprofAddr)
		if err != nil {
			return err
		}
		defer stopPprof()
		fmt.Fprintf(e.stdout, "profiler on http://%s/debug/pprof/ (MPAUTH_PPROF_ADDR)\n", at)
	}

	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return fmt.Errorf("listen on %s (MPAUTH_ADDR): %w", cfg.Addr, err)
	}
	app, err := buildApp(ctx, cfg, store, logger, clock)
	if err != nil {
		ln.Close()
		return err
	}
	defer app.close()
	if cfg.MetricsAddr != "" {
		stopMetrics, at, err := serveAside(cfg.MetricsAddr, "MPAUTH_METRICS_ADDR", handlers.NewOperatorHandler(app.registry, cfg.MetricsToken.Reveal()))
		if err != nil {
			ln.Close()
			return err
		}
		defer stopMetrics()
		fmt.Fprintf(e.stdout, "metrics on http://%s/metrics (MPAUTH_METRICS_ADDR; operators only, never on the API's port)\n", at)
	}

	srv := &http.Server{
		Handler:           app.handler,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      cfg.RequestTimeout + 15*time.Second, // CSV exports stream; API calls are bounded by RequestTimeout
		IdleTimeout:       2 * time.Minute,
		ErrorLog:          slog.NewLogLogger(logger.Handler(), slog.LevelWarn),
	}
	fmt.Fprintf(e.stdout, "mpauth listening on http://%s | database: %s | wechat: %s\n",
		displayAddr(ln.Addr()), describeDatabase(cfg), app.wechatDescription)
	if cfg.DemoMode() {
		// Said of the address actually bound, however it was chosen.
		switch {
		case !isLoopbackAddr(ln.Addr()):
			fmt.Fprintf(e.stdout, "WARNING: demo mode on %s: anyone who reaches it can use the fake WeChat under /_fakewechat/ (session keys, phone codes for any number)\n", ln.Addr())
		case cfg.AddrDefaulted:
			fmt.Fprintln(e.stdout, "demo mode listens on loopback only: its fake WeChat hands out session keys to anyone who asks (set MPAUTH_ADDR to listen elsewhere)")
		}
	}
	for _, line := range app.notices {
		fmt.Fprintln(e.stdout, line)
	}

	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	// In-flight requests finish; each writes its transaction whole or not at all.
	logger.Info("shutting down", "timeout", cfg.ShutdownTimeout.String())
	shutdownCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), cfg.ShutdownTimeout)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil {
		return fmt.Errorf("graceful shutdown: %w", err)
	}
	if err := <-errc; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// app is the wired application behind the HTTP server.
type app struct {
	handler           http.Handler
	registry          *prometheus.Registry
	wechatDescription string
	notices           []string
	closers           []func()
}

func (a *app) close() {
	for i := len(a.closers) - 1; i >= 0; i-- {
		a.closers[i]()
	}
}

// buildApp wires every dependency: the WeChat client (real or the in-process
// fake in demo mode), the token broker, the services and the HTTP layer.
//
// clock is the one clock of the process: the store, the WeChat client, the
// token broker and every service read time from it.
func buildApp(ctx context.Context, cfg config.Config, store *models.Store, logger *slog.Logger, clock func() time.Time) (*app, error) {
	reg := prometheus.NewRegistry()
	a := &app{registry: reg}
	sqlDB, err := store.SQLDB()
	if err != nil {
		return nil, err
	}
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		collectors.NewDBStatsCollector(sqlDB, "mpauth"))

	appID, secret, apiBase := cfg.WeChatAppID, cfg.WeChatSecret.Reveal(), cfg.WeChatAPIBase
	var fake *fakewechat.Server
	if cfg.DemoMode() {
		// The fake listens on its own loopback port so that the real client
		// reaches it over real HTTP, and keeps answering while the main server
		// drains in-flight requests at shutdown.
		fake = fakewechat.New(fakewechat.Options{Logger: logger.With("component", "fakewechat"), Now: clock})
		fln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return nil, fmt.Errorf("demo mode: start the fake WeChat: %w", err)
		}
		fsrv := &http.Server{Handler: fake, ReadHeaderTimeout: 10 * time.Second}
		go fsrv.Serve(fln)
		a.closers = append(a.closers, func() { fsrv.Close() })
		appID, secret, apiBase = fakewechat.DemoAppID, fakewechat.DemoAppSecret, "http://"+fln.Addr().String()
		a.wechatDescription = fmt.Sprintf("DEMO MODE, fake WeChat at %s, appid %s (set WECHAT_APPID and WECHAT_SECRET for the real one)", apiBase, appID)
	} else {
		a.wechatDescription = fmt.Sprintf("%s, appid %s", redactURL(apiBase), appID)
	}
	if err := store.UpsertApp(ctx, appID, "", secret); err != nil {
		return nil, fmt.Errorf("register app %s: %w", appID, err)
	}

	wxMetrics := wechat.NewMetrics(reg)
	client := &wechat.Client{
		BaseURL: apiBase,
		HTTP: &http.Client{Transport: &http.Transport{
			Proxy:               http.ProxyFromEnvironment,
			MaxIdleConns:        256,
			MaxIdleConnsPerHost: 128,
			IdleConnTimeout:     90 * time.Second,
			TLSHandshakeTimeout: 5 * time.Second,
		}},
		Secrets: &services.AppSecrets{Store: store},
		Logger:  logger.With("component", "wechat"),
		Metrics: wxMetrics,
		Now:     clock,
	}
	broker := &wechat.Broker{
		Store:   &services.TokenStore{Store: store},
		Fetcher: client,
		Metrics: wxMetrics,
		Logger:  logger.With("component", "token_broker"),
		Now:     clock,
	}
	client.Tokens = broker

	deps := services.Deps{Store: store, WeChat: client, Logger: logger, Now: clock}
	auth := services.NewAuth(deps, services.AuthConfig{
		TokenTTL: cfg.TokenTTL, DefaultAppID: appID, LoginPerIP: services.NewLimiter(limit(cfg.LoginPerIP)),
	})
	phones := services.NewPhones(deps, services.PhonesConfig{
		Metrics:        wxMetrics,
		PerUser:        &services.SharedLimiter{Store: store, Name: "phone_per_user", Limit: limit(cfg.PhonePerUser)},
		PerIP:          services.NewLimiter(limit(cfg.PhonePerIP)),
		LegacyDisabled: !cfg.LegacyPhone,
	})
	janitor := services.NewJanitor(with(deps, logger, "janitor"), time.Minute)
	janitorCtx, stopJanitor := context.WithCancel(context.WithoutCancel(ctx))
	go janitor.Run(janitorCtx)
	a.closers = append(a.closers, stopJanitor)
	admins := admin.NewAccounts(with(deps, logger, "admin"), admin.SignInPolicy{})
	if cfg.DemoMode() {
		notice, err := demoAdmin(ctx, admins)
		if err != nil {
			return nil, fmt.Errorf("demo mode: create the admin account: %w", err)
		}
		if notice != "" {
			a.notices = append(a.notices, notice)
		}
	}
	server := handlers.Deps{
		Logger:         logger,
		Registry:       reg,
		Ready:          func(ctx context.Context) error { return ready(ctx, store) },
		TrustedProxies: cfg.TrustedProxies,
		ClientIPHeader: cfg.ClientIPHeader,
		Production:     cfg.Production(),
		RequestTimeout: cfg.RequestTimeout,
		Auth:           auth,
		Phones:         phones,
		Accounts:       admins,
		Sessions:       admin.NewSessions(deps, cfg.AdminIdleTimeout, cfg.AdminMaxAge),
		Dashboard:      admin.NewDashboard(with(deps, logger, "dashboard"), broker.State),
	}
	if fake != nil {
		server.FakeWeChat, server.DemoAppID = fake, appID
	}
	h, err := handlers.NewServer(server)
	if err != nil {
		return nil, err
	}
	a.handler = h
	return a, nil
}

func ready(ctx context.Context, store *models.Store) error {
	if err := store.Ping(ctx); err != nil {
		return fmt.Errorf("database: %w", err)
	}
	sqlDB, err := store.SQLDB()
	if err != nil {
		return err
	}
	return migrations.Current(ctx, sqlDB, string(store.Dialect()))
}

// with is d with its logger naming a component.
func with(d services.Deps, logger *slog.Logger, component string) services.Deps {
	d.Logger = logger.With("component", component)
	return d
}

func limit(r config.Rate) services.Limit {
	if r.N == 0 {
		return services.Limit{}
	}
	return services.Limit{Burst: r.N, Every: r.Per / time.Duration(r.N)}
}

func isLoopbackAddr(a net.Addr) bool {
	tcp, ok := a.(*net.TCPAddr)
	return ok && tcp.IP.IsLoopback()
}

func displayAddr(a net.Addr) string {
	tcp, ok := a.(*net.TCPAddr)
	if ok && tcp.IP.IsUnspecified() {
		return fmt.Sprintf("localhost:%d", tcp.Port)
	}
	return a.String()
}

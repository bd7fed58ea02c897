package bench

import (
	"context"
	crand "crypto/rand"
	"database/sql"
	"errors"
	"fmt"
	"math/rand/v2"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/mpauth/mpauth/models"
	"github.com/mpauth/mpauth/seed"
	"github.com/mpauth/mpauth/wechat/fakewechat"
)

// DB is the database under the server, opened by the bench itself: pgx's
// pool on PostgreSQL (what the server's GORM runs on, minus GORM), the
// embedded driver on SQLite.
type DB struct {
	pool *pgxpool.Pool // PostgreSQL
	sql  *sql.DB       // SQLite
}

// OpenDB opens PostgreSQL at postgresURL with conns connections, or the
// SQLite file at sqlitePath when postgresURL is empty.
func OpenDB(ctx context.Context, postgresURL, sqlitePath string, conns int) (*DB, error) {
	if postgresURL == "" {
		gdb, _, err := models.Open(ctx, models.OpenOptions{SQLitePath: sqlitePath})
		if err != nil {
			return nil, err
		}
		sqlDB, err := gdb.DB()
		if err != nil {
			return nil, err
		}
		return &DB{sql: sqlDB}, nil
	}
	cfg, err := pgxpool.ParseConfig(postgresURL)
	if err != nil {
		return nil, fmt.Errorf("database URL: %w", err)
	}
	// The pool grows to conns during the floor's warm-up, not before: while
	// the server runs its own pool, the floor's must not hold connections.
	cfg.MaxConns = int32(max(conns, 1))
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, err
	}
	if err := pool.Ping(ctx); err != nil {
		pool.Close()
		return nil, fmt.Errorf("connect to PostgreSQL: %w", err)
	}
	return &DB{pool: pool}, nil
}

// Close closes the pool.
func (db *DB) Close() {
	if db.pool != nil {
		db.pool.Close()
	}
	if db.sql != nil {
		db.sql.Close()
	}
}

// Postgres reports whether the database is PostgreSQL.
func (db *DB) Postgres() bool { return db.pool != nil }

// BackendPIDs lists the PostgreSQL processes serving this database when
// PostgreSQL runs on this machine, for CPU accounting; nil otherwise.
func (db *DB) BackendPIDs(ctx context.Context) func() []int {
	if db.pool == nil {
		return nil
	}
	host := db.pool.Config().ConnConfig.Host
	if host != "localhost" && host != "127.0.0.1" && host != "::1" && !strings.HasPrefix(host, "/") {
		return nil
	}
	return func() []int {
		rows, err := db.pool.Query(ctx, "SELECT pid FROM pg_stat_activity WHERE datname = current_database()")
		if err != nil {
			return nil
		}
		pids, _ := pgx.CollectRows(rows, pgx.RowTo[int])
		return pids
	}
}

// Identities counts the identities of an app: the size of the population a
// seeded database holds.
func (db *DB) Identities(ctx context.Context, appID string) (int, error) {
	var n int
	err := db.queryRow(ctx, "SELECT count(*) FROM wechat_identities WHERE app_id = $1", appID).Scan(&n)
	return n, err
}

// Floor runs the statements of a returning user's login as the server sends
// them: on PostgreSQL services.Auth's returningLogin (one read, then one
// statement doing every write), on SQLite its persistLogin (BEGIN, 5
// statements, COMMIT), one transaction per operation: the cost
// of the login's database work alone, with no HTTP, JSON, WeChat call or
// sealing. It writes real sessions, session keys and audit rows, as logins do.
//
// It logs in the same users as Login (load.Users, spread the same way) when
// they are in the database, so both touch the same rows and the same share
// of them is cached; otherwise users sampled from the database. NewFloor
// makes that choice once, so runs in rounds do not repeat it.
type Floor struct {
	db    *DB
	appID string
	pick  func(c *client) string
}

// NewFloor prepares the floor of appID's logins for loads like load.
func NewFloor(ctx context.Context, db *DB, appID string, load Load) (*Floor, error) {
	pick, err := db.floorUsers(ctx, appID, load)
	if err != nil {
		return nil, err
	}
	return &Floor{db: db, appID: appID, pick: pick}, nil
}

// Run measures the floor under load.
func (f *Floor) Run(ctx context.Context, load Load) Result {
	db, appID := f.db, f.appID
	return drive(ctx, "floor", load, func(ctx context.Context, c *client) outcome {
		openid := f.pick(c)
		start := time.Now()
		var err error
		if db.Postgres() {
			err = floorReturningLogin(ctx, db.pool, appID, openid)
		} else {
			err = db.inTx(ctx, func(q querier) error { return floorLogin(ctx, q, appID, openid) })
		}
		return outcome{latency: time.Since(start), err: err}
	})
}

// floorUsers chooses how the floor picks the user of each operation.
func (db *DB) floorUsers(ctx context.Context, appID string, load Load) (func(c *client) string, error) {
	probe := &client{rand: rand.New(rand.NewPCG(1, 2)), load: Load{Users: load.Users, Concurrency: 1}}
	probes := make([]string, 100)
	for i := range probes {
		probes[i] = fakewechat.OpenID(appID, seed.DeviceUser(probe.user()))
	}
	var found int
	if err := db.queryRow(ctx, "SELECT count(*) FROM wechat_identities WHERE app_id = $1 AND openid IN ("+placeholders(2, len(probes))+")",
		append([]any{appID}, toAny(probes)...)...).Scan(&found); err != nil {
		return nil, fmt.Errorf("probe identities: %w", err)
	}
	if found == len(probes) {
		return func(c *client) string { return fakewechat.OpenID(appID, seed.DeviceUser(c.user())) }, nil
	}
	sample, err := db.sampleIdentities(ctx, appID, 100_000)
	if err != nil {
		return nil, err
	}
	if len(sample) == 0 {
		return nil, fmt.Errorf("no identities of %s in the database to log in: seed it or run the login bench first", appID)
	}
	return func(c *client) string { return sample[c.rand.IntN(len(sample))] }, nil
}

func placeholders(from, n int) string {
	var b strings.Builder
	for i := range n {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString("$" + strconv.Itoa(from+i))
	}
	return b.String()
}

func toAny(s []string) []any {
	out := make([]any, len(s))
	for i, v := range s {
		out[i] = v
	}
	return out
}

// floorReturningLogin is models.RecordReturningLogin: its very SQL, with
// random stand-ins for the sealed key and its fingerprint. The floor claims
// no code: it exchanges none.
func floorReturningLogin(ctx context.Context, pool *pgxpool.Pool, appID, openid string) error {
	now := time.Now().UTC()
	var (
		identityID int64
		userID     string
		bound      bool
	)
	err := pool.QueryRow(ctx, models.ReturningLoginSQL,
		now, nil, appID, openid, randomBytes(52), int64(1), randomBytes(16), randomBytes(32),
		now.Add(7*24*time.Hour), "127.0.0.1", "mpauth-bench floor", "login", fmt.Sprintf("%x", randomBytes(12))).Scan(&identityID, &userID, &bound)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil // blocked (0.3 % of seeded users): the server answers 403 and writes only its audit row
	}
	if err != nil {
		return fmt.Errorf("write login: %w", err)
	}
	return nil
}

func floorLogin(ctx context.Context, q querier, appID, openid string) error {
	now := time.Now().UTC()
	var (
		identityID                    int64
		userID, identApp, identOpenID string
		unionID                       *string
		identCreated, identAt         time.Time
	)
	if err := q.queryRow(ctx, `UPDATE wechat_identities SET last_login_at = $1, unionid = COALESCE($2, unionid) WHERE app_id = $3 AND openid = $4 RETURNING id, app_id, openid, unionid, user_id, created_at, last_login_at`,
		now, nil, appID, openid).Scan(&identityID, &identApp, &identOpenID, &unionID, &userID, &identCreated, &identAt); err != nil {
		return fmt.Errorf("update identity: %w", err)
	}
	var (
		status string
		bound  bool
	)
	if err := q.queryRow(ctx, `UPDATE users SET last_login_at = $1 WHERE id = $2 RETURNING status, EXISTS (SELECT 1 FROM phone_bindings p WHERE p.user_id = users.id) AS phone_bound`,
		now, userID).Scan(&status, &bound); err != nil {
		return fmt.Errorf("update user: %w", err)
	}
	// A sealed 24-character session_key (nonce, ciphertext, tag) and its
	// fingerprint; random, so every login counts as a rotation.
	if err := q.exec(ctx, `INSERT INTO session_keys (identity_id, current_ciphertext, current_key_id, current_issued_at, current_fingerprint, updated_at) VALUES ($1, $2, $3, $4, $5, $6)
ON CONFLICT (identity_id) DO UPDATE SET
	previous_ciphertext = CASE WHEN session_keys.current_fingerprint = excluded.current_fingerprint THEN session_keys.previous_ciphertext ELSE session_keys.current_ciphertext END,
	previous_key_id = CASE WHEN session_keys.current_fingerprint = excluded.current_fingerprint THEN session_keys.previous_key_id ELSE session_keys.current_key_id END,
	previous_issued_at = CASE WHEN session_keys.current_fingerprint = excluded.current_fingerprint THEN session_keys.previous_issued_at ELSE session_keys.current_issued_at END,
	current_ciphertext = excluded.current_ciphertext, current_key_id = excluded.current_key_id, current_issued_at = excluded.current_issued_at,
	current_fingerprint = excluded.current_fingerprint, updated_at = excluded.updated_at`,
		identityID, randomBytes(52), int64(1), now, randomBytes(16), now); err != nil {
		return fmt.Errorf("session key: %w", err)
	}
	var sessionID int64
	if err := q.queryRow(ctx, `INSERT INTO login_sessions (token_hash, user_id, identity_id, app_id, created_at, last_seen_at, expires_at, revoked_at, revoked_reason, ip, user_agent) VALUES ($1, $2, $3, $4, $5, $6, $7, NULL, '', $8, $9) RETURNING id`,
		randomBytes(32), userID, identityID, appID, now, now, now.Add(7*24*time.Hour), "127.0.0.1", "mpauth-bench floor").Scan(&sessionID); err != nil {
		return fmt.Errorf("insert session: %w", err)
	}
	var auditID int64
	if err := q.queryRow(ctx, `INSERT INTO login_audit (created_at, app_id, user_id, event, result, wechat_errcode, error_code, reason, ip, user_agent, request_id) VALUES ($1, $2, $3, 'login', 'success', NULL, '', '', $4, $5, $6) RETURNING id`,
		now, appID, userID, "127.0.0.1", "mpauth-bench floor", fmt.Sprintf("%x", randomBytes(12))).Scan(&auditID); err != nil {
		return fmt.Errorf("insert audit: %w", err)
	}
	return nil
}

// SampleUserIDs picks up to n random user ids, for pages about one user.
func (db *DB) SampleUserIDs(ctx context.Context, n int) ([]string, error) {
	rows, err := db.query(ctx, "SELECT id FROM users ORDER BY random() LIMIT $1", n)
	if err != nil {
		return nil, fmt.Errorf("sample users: %w", err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, rows.Err()
}

// sampleIdentities picks up to n random openids of the app, so the floor
// touches rows spread over the table like logins do.
func (db *DB) sampleIdentities(ctx context.Context, appID string, n int) ([]string, error) {
	rows, err := db.query(ctx, "SELECT openid FROM wechat_identities WHERE app_id = $1 ORDER BY random() LIMIT $2", appID, n)
	if err != nil {
		return nil, fmt.Errorf("sample identities: %w", err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, rows.Err()
}

func randomBytes(n int) []byte {
	b := make([]byte, n)
	crand.Read(b)
	return b
}

// querier is the little the floor needs of a transaction, on either driver.
type querier interface {
	queryRow(ctx context.Context, query string, args ...any) scanner
	exec(ctx context.Context, query string, args ...any) error
}

type scanner interface{ Scan(dest ...any) error }

type rowsScanner interface {
	scanner
	Next() bool
	Err() error
	Close()
}

type pgxQuerier struct{ tx pgx.Tx }

func (q pgxQuerier) queryRow(ctx context.Context, query string, args ...any) scanner {
	return q.tx.QueryRow(ctx, query, args...)
}

func (q pgxQuerier) exec(ctx context.Context, query string, args ...any) error {
	_, err := q.tx.Exec(ctx, query, args...)
	return err
}

type sqlQuerier struct{ tx *sql.Tx }

func (q sqlQuerier) queryRow(ctx context.Context, query string, args ...any) scanner {
	return q.tx.QueryRowContext(ctx, query, args...)
}

func (q sqlQuerier) exec(ctx context.Context, query string, args ...any) error {
	_, err := q.tx.ExecContext(ctx, query, args...)
	return err
}

func (db *DB) inTx(ctx context.Context, fn func(q querier) error) error {
	if db.pool != nil {
		return pgx.BeginFunc(ctx, db.pool, func(tx pgx.Tx) error { return fn(pgxQuerier{tx}) })
	}
	tx, err := db.sql.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	if err := fn(sqlQuerier{tx}); err != nil {
		tx.Rollback()
		return err
	}
	return tx.Commit()
}

func (db *DB) queryRow(ctx context.Context, query string, args ...any) scanner {
	if db.pool != nil {
		return db.pool.QueryRow(ctx, query, args...)
	}
	return db.sql.QueryRowContext(ctx, query, args...)
}

type sqlRows struct{ *sql.Rows }

func (r sqlRows) Close() { r.Rows.Close() }

func (db *DB) query(ctx context.Context, query string, args ...any) (rowsScanner, error) {
	if db.pool != nil {
		return db.pool.Query(ctx, query, args...)
	}
	rows, err := db.sql.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	return sqlRows{rows}, nil
}

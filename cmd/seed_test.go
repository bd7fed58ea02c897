package cmd

import (
	"bytes"
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mpauth/mpauth/dbtest"
)

func TestSeedCommandFillsTheConfiguredDatabase(t *testing.T) {
	target := dbtest.Fresh(t)
	env := map[string]string{"MPAUTH_DATA_DIR": t.TempDir()}
	if target.PostgresURL != "" {
		env["DATABASE_URL"] = target.PostgresURL
	} else {
		env["MPAUTH_DATA_DIR"] = filepath.Dir(target.SQLitePath)
	}
	var out bytes.Buffer
	err := Run(context.Background(), []string{"seed", "--users", "200", "--audit", "1000"}, func(k string) string { return env[k] }, nil, &out, &out)
	if err != nil {
		t.Fatalf("seed: %v\n%s", err, out.String())
	}
	if !strings.Contains(out.String(), "200 users") || !strings.Contains(out.String(), "1000 audit rows") {
		t.Errorf("seed did not report what it wrote:\n%s", out.String())
	}

	db, err := dbtest.Open(t, target, nil).SQLDB()
	if err != nil {
		t.Fatal(err)
	}
	var users, audit, phones, distinctPhones int
	if err := db.QueryRow(`SELECT (SELECT count(*) FROM users), (SELECT count(*) FROM login_audit),
		(SELECT count(*) FROM phone_bindings), (SELECT count(DISTINCT phone_e164) FROM phone_bindings)`).Scan(&users, &audit, &phones, &distinctPhones); err != nil {
		t.Fatal(err)
	}
	if users != 200 || audit != 1000 {
		t.Errorf("%d users and %d audit rows, want 200 and 1000", users, audit)
	}
	if phones < 90 || phones > 150 || distinctPhones != phones {
		t.Errorf("%d phones (%d distinct) for 200 users, want about 60%% and all distinct", phones, distinctPhones)
	}
}

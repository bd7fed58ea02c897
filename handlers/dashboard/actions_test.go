package dashboard_test

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/mpauth/mpauth/models"
)

func TestAViewerSeesMaskedDataAndCannotAct(t *testing.T) {
	t.Parallel()
	e := newAdminEnv(t)
	viewer := e.signedIn("vera", models.RoleViewer)
	u := e.addUser(fixtureUser{nickname: "n", phone: "13800138000"})
	s := e.addSession(u, dashApp1)

	for _, path := range []string{"/admin/", "/admin/users", "/admin/users/" + u.ID, "/admin/phones", "/admin/audit/logins", "/admin/audit/admin"} {
		p := viewer.get(path)
		if fullNumber.MatchString(p.body) {
			t.Errorf("%s shows a full number to a viewer", path)
		}
		for _, control := range []string{"/reveal", "/block", "/export", "/sessions/revoke"} {
			if strings.Contains(p.body, control+`"`) {
				t.Errorf("%s offers %s to a viewer", path, control)
			}
		}
	}
	for _, tc := range []struct {
		path string
		form url.Values
	}{
		{"/admin/users/" + u.ID + "/reveal", url.Values{"reason": {"curious"}}},
		{"/admin/users/" + u.ID + "/block", url.Values{"reason": {"r"}}},
		{"/admin/users/" + u.ID + "/sessions/revoke", url.Values{"reason": {"r"}}},
		{"/admin/users/" + u.ID + "/sessions/" + itoa(s.ID) + "/revoke", url.Values{"reason": {"r"}}},
		{"/admin/users/export", url.Values{}},
		{"/admin/phones/export", url.Values{"unmasked": {"1"}, "reason": {"r"}}},
		{"/admin/audit/logins/export", url.Values{}},
		{"/admin/audit/admin/export", url.Values{}},
	} {
		p := viewer.post(tc.path, tc.form)
		if p.status != http.StatusForbidden {
			t.Errorf("viewer POST %s: %d, want 403", tc.path, p.status)
		}
		if fullNumber.MatchString(p.body) {
			t.Errorf("viewer POST %s: a full number in the answer", tc.path)
		}
	}
	if e.user(u.ID).Status != models.UserActive {
		t.Error("a viewer blocked a user")
	}
	if active, _ := e.store.ActiveSessionsOfUser(context.Background(), u.ID); len(active) != 1 {
		t.Error("a viewer revoked a session")
	}
	for _, action := range []string{models.ActionRevealPhone, models.ActionExport, models.ActionBlockUser, models.ActionRevokeSession, models.ActionRevokeSessions} {
		if n := len(e.adminAudit(action)); n != 0 {
			t.Errorf("%d %s rows from a viewer", n, action)
		}
	}
}

func TestRevealingANumberNeedsAReasonAndIsAudited(t *testing.T) {
	t.Parallel()
	e := newAdminEnv(t)
	b := e.signedIn("alice", models.RoleAdmin)
	u := e.addUser(fixtureUser{phone: "13800138000"})

	form := b.get("/admin/users/" + u.ID + "/reveal")
	if form.status != http.StatusOK || strings.Contains(form.body, "13800138000") || !strings.Contains(form.body, "138****8000") {
		t.Fatalf("the reveal form (GET) shows the number or fails: %d", form.status)
	}
	if n := len(e.adminAudit(models.ActionRevealPhone)); n != 0 {
		t.Fatalf("opening the form wrote %d audit rows", n)
	}
	if p := b.post("/admin/users/"+u.ID+"/reveal", url.Values{"reason": {"   "}}); p.status != http.StatusBadRequest || strings.Contains(p.body, "13800138000") {
		t.Errorf("reveal without a reason: %d", p.status)
	}
	p := b.post("/admin/users/"+u.ID+"/reveal", url.Values{"reason": {"ticket #42: user lost access"}})
	if p.status != http.StatusOK || !strings.Contains(p.body, "+86 13800138000") {
		t.Fatalf("reveal: %d, number not shown", p.status)
	}
	rows := e.adminAudit(models.ActionRevealPhone)
	if len(rows) != 1 {
		t.Fatalf("%d reveal rows, want 1", len(rows))
	}
	r := rows[0]
	if r.AdminName != "alice" || r.TargetID != u.ID || r.Reason != "ticket #42: user lost access" || r.IP == "" {
		t.Errorf("audit row: %+v", r)
	}
	if strings.Contains(r.Detail, "13800138000") {
		t.Error("the audit row holds the full number")
	}
	// The audit page shows who, what and why, still masked.
	if p := b.get("/admin/audit/admin?action=reveal_phone"); !strings.Contains(p.body, "ticket #42") || fullNumber.MatchString(p.body) {
		t.Error("the admin audit page does not show the reveal, or shows the number")
	}
	if p := b.post("/admin/users/"+e.addUser(fixtureUser{}).ID+"/reveal", url.Values{"reason": {"x"}}); p.status != http.StatusNotFound {
		t.Errorf("reveal for a user without a phone: %d, want 404", p.status)
	}
}

func TestBlockingAndUnblockingNeedAReason(t *testing.T) {
	t.Parallel()
	e := newAdminEnv(t)
	b := e.signedIn("alice", models.RoleAdmin)
	u := e.addUser(fixtureUser{nickname: "target"})
	session := e.addSession(u, dashApp1)

	p := b.post("/admin/users/"+u.ID+"/block", url.Values{"reason": {""}})
	if p.status != http.StatusSeeOther || e.user(u.ID).Status != models.UserActive {
		t.Fatalf("block without a reason: %d, status %s", p.status, e.user(u.ID).Status)
	}
	if page := b.get(p.location); !strings.Contains(page.body, "Give a reason") {
		t.Error("no message about the missing reason")
	}
	p = b.post("/admin/users/"+u.ID+"/block", url.Values{"reason": {"spam from 50 accounts"}})
	if p.status != http.StatusSeeOther || p.location != "/admin/users/"+u.ID {
		t.Fatalf("block: %d → %q", p.status, p.location)
	}
	got := e.user(u.ID)
	if got.Status != models.UserBlocked || got.BlockedReason != "spam from 50 accounts" {
		t.Errorf("after block: %+v", got)
	}
	page := b.get(p.location)
	for _, want := range []string{"The user is blocked.", "spam from 50 accounts", "Unblock user"} {
		if !strings.Contains(page.body, want) {
			t.Errorf("user page after block lacks %q", want)
		}
	}
	if p := b.get(p.location); strings.Contains(p.body, "The user is blocked.") {
		t.Error("the message shows twice")
	}
	b.post("/admin/users/"+u.ID+"/unblock", url.Values{"reason": {"appeal accepted"}})
	// Blocking revoked the user's sessions: "their tokens stop working at
	// once", and an unblock does not bring them back.
	if _, err := e.store.ActiveSessionByHash(context.Background(), session.TokenHash, e.clock.Now()); !errors.Is(err, models.ErrNotFound) {
		t.Errorf("a session from before the block is still active after the unblock: %v", err)
	}
	if e.user(u.ID).Status != models.UserActive {
		t.Error("unblock did not unblock")
	}
	blocks, unblocks := e.adminAudit(models.ActionBlockUser), e.adminAudit(models.ActionUnblockUser)
	if len(blocks) != 1 || blocks[0].Reason != "spam from 50 accounts" || len(unblocks) != 1 || unblocks[0].Reason != "appeal accepted" {
		t.Errorf("audit: blocks %+v, unblocks %+v", blocks, unblocks)
	}
	if p := b.post("/admin/users/0190a6e4-7b1c-7def-8a2b-3c4d5e6f7a8b/block", url.Values{"reason": {"x"}}); p.status != http.StatusNotFound {
		t.Errorf("block an unknown user: %d", p.status)
	}
}

func TestRevokingOneOrAllSessions(t *testing.T) {
	t.Parallel()
	e := newAdminEnv(t)
	b := e.signedIn("alice", models.RoleAdmin)
	u := e.addUser(fixtureUser{})
	other := e.addUser(fixtureUser{})
	s1, s2, s3 := e.addSession(u, dashApp1), e.addSession(u, dashApp1), e.addSession(u, dashApp1)
	foreign := e.addSession(other, dashApp1)
	ctx := context.Background()
	active := func(id string) int {
		list, err := e.store.ActiveSessionsOfUser(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		return len(list)
	}

	if p := b.post("/admin/users/"+u.ID+"/sessions/"+itoa(s1.ID)+"/revoke", url.Values{"reason": {"stolen phone"}}); p.status != http.StatusSeeOther {
		t.Fatalf("revoke one: %d", p.status)
	}
	if n := active(u.ID); n != 2 {
		t.Errorf("%d active sessions after revoking one of 3", n)
	}
	// Another user's session cannot be revoked through this user's page.
	b.post("/admin/users/"+u.ID+"/sessions/"+itoa(foreign.ID)+"/revoke", url.Values{"reason": {"x"}})
	if active(other.ID) != 1 {
		t.Error("a session of another user was revoked")
	}
	if p := b.post("/admin/users/"+u.ID+"/sessions/revoke", url.Values{"reason": {"account takeover"}}); p.status != http.StatusSeeOther {
		t.Fatalf("revoke all: %d", p.status)
	}
	if n := active(u.ID); n != 0 {
		t.Errorf("%d active sessions after revoking all", n)
	}
	_, _ = s2, s3
	one, all := e.adminAudit(models.ActionRevokeSession), e.adminAudit(models.ActionRevokeSessions)
	if len(one) != 1 || one[0].Reason != "stolen phone" || len(all) != 1 || !strings.Contains(all[0].Detail, "2 sessions") {
		t.Errorf("audit: one %+v, all %+v", one, all)
	}
	if p := b.get("/admin/users/" + u.ID); !strings.Contains(p.body, "No active sessions.") {
		t.Error("the user page still lists sessions")
	}
}

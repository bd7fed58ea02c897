package attack

import (
	"encoding/csv"
	"fmt"
	"net/url"
	"regexp"
	"strings"
	"testing"
)

// A viewer is shown 139****9002 and nothing more. Searching is how they
// find a user a customer calls about; it must not be how they learn the
// four hidden digits. The attack: extend the known prefix one digit at a
// time with "digits anywhere" searches and watch whether the victim's row
// comes back (8 searches on average); or guess whole numbers until one hits.
func TestAViewerCannotRecoverAMaskedNumberBySearching(t *testing.T) {
	t.Parallel()
	db := freshDB(t)
	fake := startFake(t)
	in := startInstance(t, db, fake, nil)
	const victimPhone = "13957319002"
	var victimID, shortID string
	for i, phone := range []string{victimPhone, "13957310000", "13812349002", "13900009002", "+354 6112345"} {
		user := []string{"victim", "decoy-a", "decoy-b", "decoy-c", "short"}[i]
		token, id := logIn(t, in, fake, user)
		if a := call(t, "POST", in.base+"/api/v1/phone", token, map[string]string{"code": fake.tapPhone(t, user, phone).Code}); a.Status != 200 {
			t.Fatalf("bind %s: %s", user, a)
		}
		switch user {
		case "victim":
			victimID = id
		case "short":
			shortID = id
		}
	}
	viewerPW := createAdmin(t, db, "vera", "viewer")
	adminPW := createAdmin(t, db, "root", "admin")
	viewer := newBrowser(in.base)
	if a := viewer.signIn(t, "vera", viewerPW); !signedIn(a) {
		t.Fatalf("viewer sign-in: %s", a)
	}
	if a := viewer.do(t, "GET", "/admin/phones", nil); a.Status != 200 || !strings.Contains(string(a.Raw), "139****9002") {
		t.Fatalf("the viewer should see the masked number: %d", a.Status)
	}

	search := func(path, q, kind string) answer {
		return viewer.do(t, "POST", path, url.Values{"q": {q}, "kind": {kind}})
	}
	t.Run("digit by digit with substring searches", func(t *testing.T) {
		for _, page := range []string{"/admin/phones", "/admin/users"} {
			known := "139"
			for len(known) < 7 {
				found := false
				for d := '0'; d <= '9' && !found; d++ {
					a := search(page, known+string(d), "phone_contains")
					if a.Status == 200 && strings.Contains(string(a.Raw), victimID) {
						known, found = known+string(d), true
					}
				}
				if !found {
					break
				}
			}
			if len(known) == 7 && known+"9002" == victimPhone {
				t.Fatalf("a viewer recovered the full number %s from %s with substring searches", known+"9002", page)
			}
			// The auto kind reads 5 to 10 digits as a substring search.
			if a := search(page, "1395731", ""); a.Status == 200 && strings.Contains(string(a.Raw), victimID) {
				t.Fatalf("a viewer narrowed the number with an automatic substring search on %s", page)
			}
		}
	})

	// A 7-digit number (Iceland) shows few digits: its mask must still hide
	// 4, and a last-4 search must not reveal the ones it hides.
	t.Run("a short number: the mask hides 4 digits, and last-4 searches recover nothing", func(t *testing.T) {
		page := string(viewer.do(t, "GET", "/admin/phones", nil).Raw)
		mask := regexp.MustCompile(`&#43;354 ([0-9*]+)`).FindStringSubmatch(page)
		if mask == nil || strings.Count(mask[1], "*") < 4 {
			t.Fatalf("the 7-digit number is shown as %q: fewer than 4 digits hidden", mask)
		}
		for d := range 100 {
			if a := search("/admin/phones", fmt.Sprintf("%02d45", d), "phone_last4"); strings.Contains(string(a.Raw), shortID) {
				t.Fatalf("a last-4 search (%02d45) found the 7-digit number, whose mask shows %s", d, mask[1])
			}
		}
	})

	t.Run("the last 4 digits and the whole number still find the user", func(t *testing.T) {
		for _, q := range []string{"9002", victimPhone, "+86 139 5731 9002"} {
			if a := search("/admin/phones", q, ""); a.Status != 200 || !strings.Contains(string(a.Raw), victimID) {
				t.Fatalf("viewer search %q: %d, victim found: %v", q, a.Status, strings.Contains(string(a.Raw), victimID))
			}
		}
	})

	t.Run("guessing whole numbers runs out long before the 10,000 guesses it needs", func(t *testing.T) {
		refused := 0
		for i := range 40 {
			guess := "1395731" + string(rune('0'+i/10)) + string(rune('0'+i%10)) + "00"
			a := search("/admin/users", guess, "phone")
			if a.Status == 429 {
				refused++
			}
		}
		if refused == 0 {
			t.Fatal("40 whole-number guesses in a row were all answered")
		}
	})

	t.Run("every phone search is in the admin audit, without the number", func(t *testing.T) {
		admin := newBrowser(in.base)
		if a := admin.signIn(t, "root", adminPW); !signedIn(a) {
			t.Fatalf("admin sign-in: %s", a)
		}
		a := admin.do(t, "POST", "/admin/audit/admin/export", url.Values{"admin": {"vera"}})
		if a.Status != 200 {
			t.Fatalf("export the admin audit: %s", a)
		}
		rows, err := csv.NewReader(strings.NewReader(string(a.Raw))).ReadAll()
		if err != nil {
			t.Fatal(err)
		}
		searches := 0
		for _, r := range rows {
			line := strings.Join(r, ",")
			if strings.Contains(line, "phone_search") {
				searches++
			}
			if strings.Contains(line, "57319") || strings.Contains(line, "1395731") {
				t.Fatalf("the admin audit holds the searched number: %s", line)
			}
		}
		if searches < 40 {
			t.Fatalf("%d phone searches by the viewer in the admin audit, want every one (at least 40)", searches)
		}
	})
}

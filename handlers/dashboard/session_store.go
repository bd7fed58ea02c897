package dashboard

import (
	"bytes"
	"encoding/gob"
	"errors"
	"github.com/mpauth/mpauth/services/admin"
	"net/http"

	ginsessions "github.com/gin-contrib/sessions"
	gsessions "github.com/gorilla/sessions"
)

// sessionStore is a gin-contrib/sessions Store kept in the admin_sessions
// table (through admin.Sessions): the cookie carries a random id,
// the server keeps the data, and deleting the row really ends the session.
//
// The id is rotated whenever the signed-in account changes, inside Save
// itself: stock stores (the Postgres one among them) keep the id a visitor
// had before signing in, which lets an attacker who planted that id ride
// the session afterwards (session fixation). Rotating here means no handler
// can forget to.
type sessionStore struct {
	sessions *admin.Sessions
	options  gsessions.Options
}

var _ ginsessions.Store = (*sessionStore)(nil)

// sessionAdminKey holds the signed-in account's id (int64).
const sessionAdminKey = "admin_id"

// loadedAdmin remembers, in the session's values but never in the stored
// data (it is not a string key), which account the session had when loaded.
type loadedAdmin struct{}

func (s *sessionStore) Options(o ginsessions.Options) { s.options = *o.ToGorillaOptions() }

// Get returns the request's session, loading it once per request.
func (s *sessionStore) Get(r *http.Request, name string) (*gsessions.Session, error) {
	return gsessions.GetRegistry(r).Get(s, name)
}

// New loads the session named by the cookie, or starts an empty one (not
// stored until something is written to it). An unknown, ended or timed-out
// id is treated as no id at all.
func (s *sessionStore) New(r *http.Request, name string) (*gsessions.Session, error) {
	sess := gsessions.NewSession(s, name)
	opts := s.options
	sess.Options = &opts
	sess.IsNew = true
	c, err := r.Cookie(name)
	if err != nil {
		return sess, nil
	}
	d, err := s.sessions.Load(r.Context(), c.Value)
	if errors.Is(err, admin.ErrNoSession) {
		return sess, nil
	}
	if err != nil {
		return sess, err
	}
	values, err := decodeSessionValues(d.Data)
	if err != nil {
		return sess, nil
	}
	sess.ID, sess.Values, sess.IsNew = c.Value, values, false
	sess.Values[loadedAdmin{}] = d.AdminID
	return sess, nil
}

// Save stores the session and sets its cookie; MaxAge < 0 deletes both.
func (s *sessionStore) Save(r *http.Request, w http.ResponseWriter, sess *gsessions.Session) error {
	ctx := r.Context()
	if sess.Options.MaxAge < 0 {
		if sess.ID != "" {
			if err := s.sessions.Delete(ctx, sess.ID); err != nil {
				return err
			}
		}
		http.SetCookie(w, gsessions.NewCookie(sess.Name(), "", sess.Options))
		return nil
	}
	adminID, _ := sess.Values[sessionAdminKey].(int64)
	loaded, _ := sess.Values[loadedAdmin{}].(int64)
	data, err := encodeSessionValues(sess.Values)
	if err != nil {
		return err
	}
	if sess.ID != "" && adminID != loaded {
		if err := s.sessions.Delete(ctx, sess.ID); err != nil {
			return err
		}
		sess.ID = ""
	}
	if sess.ID != "" {
		err := s.sessions.Save(ctx, sess.ID, data)
		if errors.Is(err, admin.ErrNoSession) { // timed out during this request
			sess.ID = ""
		} else if err != nil {
			return err
		}
	}
	if sess.ID == "" {
		id, err := s.sessions.Create(ctx, admin.SessionData{AdminID: adminID, Data: data})
		if err != nil {
			return err
		}
		sess.ID = id
		sess.Values[loadedAdmin{}] = adminID
	}
	http.SetCookie(w, gsessions.NewCookie(sess.Name(), sess.ID, sess.Options))
	return nil
}

// The stored data is the session's string-keyed values, gob-encoded (gorilla
// registers the flash slice type with gob).
func encodeSessionValues(values map[any]any) ([]byte, error) {
	m := make(map[string]any, len(values))
	for k, v := range values {
		if ks, ok := k.(string); ok {
			m[ks] = v
		}
	}
	var buf bytes.Buffer
	if err := gob.NewEncoder(&buf).Encode(m); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

func decodeSessionValues(data []byte) (map[any]any, error) {
	values := map[any]any{}
	if len(data) == 0 {
		return values, nil
	}
	var m map[string]any
	if err := gob.NewDecoder(bytes.NewReader(data)).Decode(&m); err != nil {
		return nil, err
	}
	for k, v := range m {
		values[k] = v
	}
	return values, nil
}

package cmd

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"time"

	"github.com/mpauth/mpauth/wechat"
)

// runDecrypt lets an operator debug a "decryption failed" report: it prints
// the decrypted JSON and what the watermark says, or one line on why not.
func runDecrypt(_ context.Context, e env, args []string) error {
	fs := flag.NewFlagSet("decrypt", flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	key := fs.String("session-key", "", "the user's session_key (base64)")
	iv := fs.String("iv", "", "the iv from the event (base64)")
	data := fs.String("data", "", "the encryptedData from the event (base64)")
	appID := fs.String("appid", "", "the appid the watermark must name")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *key == "" || *iv == "" || *data == "" {
		return errors.New("decrypt: --session-key, --iv and --data are required")
	}
	plain, err := wechat.DecryptOpenData(wechat.SessionKey(*key), *data, *iv)
	if err != nil {
		if errors.Is(err, wechat.ErrStaleSessionKey) {
			return fmt.Errorf("decrypt: %v (most often a stale session_key: the client called wx.login after the data was made)", err)
		}
		return fmt.Errorf("decrypt: %v", err)
	}
	fmt.Fprintln(e.stdout, string(plain))
	var doc struct {
		Watermark *wechat.Watermark `json:"watermark"`
	}
	if err := json.Unmarshal(plain, &doc); err != nil || doc.Watermark == nil {
		fmt.Fprintln(e.stdout, "watermark: none")
		return nil
	}
	w := *doc.Watermark
	line := "watermark: appid " + w.AppID
	if *appID != "" {
		if w.AppID == *appID {
			line += " (matches)"
		} else {
			line += fmt.Sprintf(" (DOES NOT MATCH %s)", *appID)
		}
	}
	if w.Timestamp > 0 {
		made := time.Unix(w.Timestamp, 0).UTC()
		line += fmt.Sprintf(", made %s, %s ago", made.Format(time.RFC3339), time.Since(made).Round(time.Second))
	}
	fmt.Fprintln(e.stdout, line)
	if *appID != "" && w.AppID != *appID {
		return errors.New("decrypt: watermark appid does not match")
	}
	return nil
}

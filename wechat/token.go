package wechat

import (
	"context"
	"net/http"
	"net/url"
	"time"
)

// Token is an access token as WeChat issued it.
type Token struct {
	Value     Secret
	ExpiresAt time.Time
}

// FetchStableToken calls POST /cgi-bin/stable_token. In normal mode
// (force false) WeChat returns the same token while it is valid, so
// instances do not invalidate each other; force kills the current token at
// once and is allowed 20 times a day. Only the Broker should call this.
func (c *Client) FetchStableToken(ctx context.Context, appID string, force bool) (Token, error) {
	secret, err := c.appSecret(ctx, appID, endpointStableToken)
	if err != nil {
		return Token{}, err
	}
	return c.fetchToken(ctx, request{
		endpoint: endpointStableToken,
		method:   http.MethodPost,
		path:     "/cgi-bin/stable_token",
		body: StableTokenRequest{
			GrantType:    "client_credential",
			AppID:        appID,
			Secret:       secret.Reveal(),
			ForceRefresh: force,
		},
		// A lost forced refresh already killed the previous token; sending
		// it again would burn another of the 20 a day.
		idempotent: !force,
	})
}

// FetchToken calls the classic GET /cgi-bin/token. Every call issues a new
// token and the previous one dies about 5 minutes later, so instances that
// fetch on their own invalidate each other. Only the Broker should call this.
func (c *Client) FetchToken(ctx context.Context, appID string) (Token, error) {
	secret, err := c.appSecret(ctx, appID, endpointToken)
	if err != nil {
		return Token{}, err
	}
	return c.fetchToken(ctx, request{
		endpoint: endpointToken,
		method:   http.MethodGet,
		path:     "/cgi-bin/token",
		query: url.Values{
			"grant_type": {"client_credential"},
			"appid":      {appID},
			"secret":     {secret.Reveal()},
		},
		idempotent: true,
	})
}

func (c *Client) fetchToken(ctx context.Context, req request) (Token, error) {
	// Stamp expiry from before the call, so that latency makes us early,
	// never late.
	start := c.now()
	var r TokenResponse
	if err := c.do(ctx, req, &r); err != nil {
		return Token{}, err
	}
	if r.AccessToken == "" || r.ExpiresIn <= 0 {
		return Token{}, incomplete(req.endpoint, "access_token or expires_in")
	}
	return Token{
		Value:     Secret(r.AccessToken),
		ExpiresAt: start.Add(time.Duration(r.ExpiresIn) * time.Second),
	}, nil
}

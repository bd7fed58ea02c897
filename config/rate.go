package config

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Rate is "N events per Per", written N/DURATION (for example 10/1h).
// N=0 turns the limit off.
type Rate struct {
	N   int
	Per time.Duration
}

func (r Rate) String() string { return fmt.Sprintf("%d/%s", r.N, r.Per) }

// ParseRate parses N/DURATION.
func ParseRate(s string) (Rate, error) {
	n, per, ok := strings.Cut(strings.TrimSpace(s), "/")
	if !ok {
		return Rate{}, fmt.Errorf("%q is not N/DURATION (for example 10/1h)", s)
	}
	count, err := strconv.Atoi(n)
	if err != nil || count < 0 {
		return Rate{}, fmt.Errorf("%q: N must be a whole number", s)
	}
	d, err := time.ParseDuration(per)
	if err != nil || d <= 0 {
		return Rate{}, fmt.Errorf("%q: DURATION must be positive, like 1m or 1h", s)
	}
	return Rate{N: count, Per: d}, nil
}

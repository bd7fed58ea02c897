package services

import "testing"

// One client is one bucket however its address is written, and an IPv6
// client is its /64: handing out addresses from it must not reset a limit.
func TestIPBucketsIgnoreSpellingAndIPv6HostBits(t *testing.T) {
	for _, c := range []struct{ a, b string }{
		{"2001:db8:1:2::1", "2001:db8:1:2:ffff:ffff:ffff:ffff"},
		{"2001:DB8::1", "2001:0db8:0000::0001"},
		{"::ffff:203.0.113.7", "203.0.113.7"},
		{"203.0.113.7:51234", "203.0.113.7"},
		{"[2001:db8::1]:443", "2001:db8::9"},
	} {
		if IPBucket(c.a) != IPBucket(c.b) {
			t.Errorf("%s and %s fall in different buckets: %s, %s", c.a, c.b, IPBucket(c.a), IPBucket(c.b))
		}
	}
	for _, c := range []struct{ a, b string }{
		{"2001:db8:1:2::1", "2001:db8:1:3::1"},
		{"203.0.113.7", "203.0.113.8"},
	} {
		if IPBucket(c.a) == IPBucket(c.b) {
			t.Errorf("%s and %s share a bucket", c.a, c.b)
		}
	}
}

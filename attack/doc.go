// Package attack is the adversarial test suite. It builds the real binary,
// starts it (one instance or several on one PostgreSQL) beside the fake
// WeChat, and attacks it over HTTP with nothing but what an outsider has:
// the API, the dashboard's sign-in page, the headers a client can forge, and
// the README. Each file is named for what it attacks.
//
// MPAUTH_ATTACK_BINARY=/path/to/mpauth runs the suite against another build
// (an older release, say) instead of this tree's.
package attack

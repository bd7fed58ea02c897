// Package templates holds the admin dashboard's HTML: one layout, partials,
// and one file per page, embedded in the binary.
package templates

import "embed"

//go:embed layout.html partials/*.html pages/*.html
var FS embed.FS

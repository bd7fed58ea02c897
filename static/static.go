// Package static holds the admin dashboard's stylesheet, script and images.
// Only these folders are embedded and served; templates are not.
package static

import "embed"

//go:embed css js img
var FS embed.FS

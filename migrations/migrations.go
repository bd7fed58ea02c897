// Package migrations holds the versioned SQL schema, one folder per dialect
// because PostgreSQL and SQLite disagree on types, indexes and triggers.
package migrations

import "embed"

//go:embed postgres/*.sql sqlite/*.sql
var FS embed.FS

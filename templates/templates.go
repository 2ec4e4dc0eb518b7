// Package templates embeds the vendor templates: one folder per vendor,
// holding <file>.tmpl (the main template) and _*.tmpl partials.
package templates

import "embed"

// FS holds every vendor folder.
//
//go:embed */*.tmpl
var FS embed.FS

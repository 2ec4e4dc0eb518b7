// Package render turns the vendor-neutral model (package vpn) into device
// configurations: one file per vendor, from a flat view built in Go and
// laid out by a text/template. It never sees an Alibaba field name.
//
// # Vendors
//
// Each vendor is one Go file that registers itself from init:
//
//	func init() {
//		register(Vendor{
//			Name:    "strongswan",   // --vendor value and template folder
//			Summary: "…",            // one line for `vpnexport vendors`
//			File:    "swanctl.conf", // generated file name
//			Params:  []Param{…},     // --set keys with defaults
//			build:   buildStrongswan,
//		})
//	}
//
// build decides everything — every keyword, name, number, comment and
// check — and returns a flat view struct plus warnings, or an error naming
// the tunnel, the value and the platform when the platform cannot express
// the connection. Render resolves the --set parameters (unknown keys and
// values outside a safe character set are a ParamError), refuses oversized
// connections, calls build and executes the template. Vendors lists the
// registered vendors, View returns a view for `vpnexport vendors --describe`.
//
// # Template contract
//
//   - One folder per vendor, named after Vendor.Name, in the embedded
//     templates.FS or in a user's --templates folder laid over it (Overlay,
//     checked by CheckTemplateDir). The main template is <File>.tmpl; any
//     file named _*.tmpl is a partial parsed with it.
//   - Templates hold layout only. The view they receive is flat and final:
//     a template never decides a keyword or computes a value.
//   - text/template with missingkey=error, so a misspelt field is an error.
//   - The function map is an allow-list of pure functions: from sprig,
//     join, indent, nindent, quote, squote, upper, lower, trim, replace,
//     default, has, repeat, trimSuffix, trimPrefix, hasPrefix, hasSuffix,
//     add, sub, list, first, last and len; and vpnexport's own prefixAddr,
//     prefixMask, wildcard and comment (funcs.go). Nothing random, nothing
//     that reads the clock, the environment or files.
//
// # Output guarantees
//
// Every file is LF-terminated, has no trailing blanks on any line, no
// leading blank lines, no runs of more than one blank line, and exactly one
// final newline, whatever the template's layout (tidy). No file carries a
// timestamp or anything else that varies between runs: the same connection
// and parameters give the same bytes. Template errors name the vendor, the
// template file and the line ("render strongswan: swanctl.conf.tmpl:12:
// …"); a panicking template function becomes such an error.
//
// # What a vendor must never do
//
//   - Use Alibaba field names or API vocabulary: the model is the only
//     input (and an Alibaba name here is a design bug).
//   - Put a secret in a warning, an error or a comment. The key reaches the
//     file only through pskText, which honours Options.Redact; errors about
//     a key name the tunnel and the character class, never the key.
//   - Depend on map order, time or randomness, or sort what the model keeps
//     in API order.
//   - Emit an object name, number, route or policy that could silently
//     replace something already on the device, or a default route into the
//     tunnel; what must be checked before pasting goes into the file.
//
// Each vendor's keywords, limits and traps, with the pages they were
// checked against, are in docs/vendors/.
package render

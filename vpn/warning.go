package vpn

// Warning is a caveat that does not stop the run: a value that works but
// is weak, a value a platform may refuse, an assumption the tool made.
// Warnings are printed on stderr and, where it helps, as comments in the
// generated file.
type Warning struct {
	// Scope says what the warning is about: "tunnel 1", "strongswan", …
	Scope   string
	Message string
	// Code identifies a warning that later information can settle (for
	// example a guess that a second API call confirms); empty for most.
	Code string
}

func (w Warning) String() string {
	if w.Scope == "" {
		return w.Message
	}
	return w.Scope + ": " + w.Message
}

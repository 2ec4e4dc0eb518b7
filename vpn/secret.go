package vpn

// Secret holds a pre-shared key. It never prints its value: String,
// GoString and Format verbs all give "<redacted>", so a secret cannot reach
// a log line or an error by accident. Renderers call Reveal explicitly.
type Secret struct{ value string }

// NewSecret wraps a secret value.
func NewSecret(v string) Secret { return Secret{value: v} }

// Reveal returns the secret in clear text. Call it only where the value is
// written into a device configuration.
func (s Secret) Reveal() string { return s.value }

// Empty reports a missing secret.
func (s Secret) Empty() bool { return s.value == "" }

func (s Secret) String() string   { return "<redacted>" }
func (s Secret) GoString() string { return "vpn.Secret(<redacted>)" }

// MarshalText keeps secrets out of JSON and XML encodings of the model.
func (s Secret) MarshalText() ([]byte, error) { return []byte("<redacted>"), nil }
